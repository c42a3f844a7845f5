"""The column configuration: one template for the whole city, so only the city's bureau
changes it; a new column never takes the code of one that exists."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.conftest import login_as
from tongxin.accounts.models import User
from tongxin.reports import services, tables
from tongxin.reports.models import ReportColumn

pytestmark = pytest.mark.django_db

NEW_COLUMN = {
    "code": "eth_dongxiang",
    "group": "民族",
    "label": "东乡族",
    "keys": "eth:26",
    "order": 999,
}


def test_a_district_officer_cannot_change_the_city_wide_columns(client):
    present = ReportColumn.objects.get(code="present")
    before = (present.label, present.keys, present.active)
    district_officer = login_as(client, "district_officer")
    index = client.get("/reports/").content.decode()
    assert "配置报表列" not in index
    assert client.get("/reports/columns/").status_code == 403
    assert client.get("/reports/columns/present/").status_code == 403
    response = client.post("/reports/columns/new/", NEW_COLUMN)
    assert response.status_code == 403
    response = client.post(
        "/reports/columns/present/",
        {"group": "", "label": "改", "keys": "eth:03", "order": 1},  # and turned off
    )
    assert response.status_code == 403
    assert not ReportColumn.objects.filter(code="eth_dongxiang").exists()
    present.refresh_from_db()
    assert (present.label, present.keys, present.active) == before
    with pytest.raises(PermissionDenied, match="由市级民宗部门配置"):
        services.column_save(
            actor=district_officer,
            template=tables.default_template(),
            code="present",
            group="",
            label="改",
            keys="present",
            order=1,
            active=False,
        )
    assert ReportColumn.objects.get(code="present").active


def test_the_city_configures_the_columns(client):
    login_as(client, "city_admin")
    assert 'id="configure-columns"' in client.get("/reports/").content.decode()
    assert client.get("/reports/columns/").status_code == 200
    response = client.post("/reports/columns/new/", NEW_COLUMN)
    assert response.status_code == 302
    assert ReportColumn.objects.get(code="eth_dongxiang").label == "东乡族"
    assert User.objects.get(username="city_admin").unit.level == "city"


def test_a_new_column_with_an_existing_code_is_refused_and_names_that_column(client):
    present = ReportColumn.objects.get(code="present")
    before = (present.label, present.keys, present.order, present.active)
    login_as(client, "city_admin")
    response = client.post(
        "/reports/columns/new/",
        {"code": "present", "group": "", "label": "重复", "keys": "eth:03", "order": 1},
    )
    assert response.status_code == 200  # the form again, with the error under the code
    page = response.content.decode()
    assert "代码 present 已被报表列「期末人数」使用" in page
    assert "报表列已保存" not in page
    present.refresh_from_db()
    assert (present.label, present.keys, present.order, present.active) == before
    with pytest.raises(ValidationError):
        services.column_save(
            actor=User.objects.get(username="city_admin"),
            template=tables.default_template(),
            code="present",
            group="",
            label="重复",
            keys="eth:03",
            order=1,
        )
    assert ReportColumn.objects.get(code="present").label == "期末人数"

    # Changing the existing column stays possible, from its own page.
    response = client.post(
        "/reports/columns/present/",
        {
            "group": "",
            "label": "期末人数（合计）",
            "keys": present.keys,
            "order": present.order,
            "active": "on",
        },
    )
    assert response.status_code == 302
    present.refresh_from_db()
    assert present.label == "期末人数（合计）" and present.active
    assert ReportColumn.objects.filter(code="present").count() == 1
