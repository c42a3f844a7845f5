"""The account list (the system administrator's access review) and the member departments as
Excel and CSV: the page's search and scope, labels in Chinese, nothing secret,
audited; refused without the right."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from tongxin.accounts.models import Department, LoginThrottle, SecurityPolicy, User
from tongxin.accounts.roles import DataScope, Role
from tongxin.accounts.services import department_save, user_create
from tongxin.audit.models import AuditEvent
from tongxin.geo.models import Level, Unit

from ..conftest import login_as
from ..exchange.test_list_exports import both_formats, exported

ACCOUNT_HEADERS = [
    "用户名",
    "姓名",
    "角色",
    "所属单位",
    "所属部门",
    "数据范围",
    "状态",
    "锁定至",
    "须动态口令",
    "已启用动态口令",
    "最近登录",
    "创建时间",
    "密码修改时间",
    "密码已过期",
]
STREET = "410104001"


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _by_username(rows) -> dict[str, list[str]]:
    return {r[0]: r for r in rows[2:]}


@pytest.mark.django_db
def test_account_export_is_the_access_review_without_secrets(client):
    now = timezone.now()
    SecurityPolicy.objects.update_or_create(pk=1, defaults={"password_max_age_days": 90})
    locked_until = now + timedelta(minutes=10)
    LoginThrottle.objects.create(username="street_officer", failures=0, locked_until=locked_until)
    LoginThrottle.objects.create(  # a lock that has run out is no lock
        username="grid_worker_b", failures=0, locked_until=now - timedelta(minutes=1)
    )
    User.objects.filter(username="grid_worker_b").update(is_active=False)
    User.objects.filter(username="grid_worker_a").update(
        password_changed_at=now - timedelta(days=120), last_login=now - timedelta(days=2)
    )
    sysadmin = login_as(client, "sysadmin")  # enrols the second factor
    url = reverse("accounts:user_export")

    rows = both_formats(client, url, {})
    assert "sysadmin" in rows[0][0]
    assert rows[1] == ACCOUNT_HEADERS
    by_name = _by_username(rows)
    assert set(by_name) == set(User.objects.values_list("username", flat=True))
    assert [r[0] for r in rows[2:]] == sorted(by_name)

    street = User.objects.get(username="street_officer")
    assert by_name["street_officer"] == [
        "street_officer",
        "北下街街道专干",
        "街道民宗专干",
        street.unit.name,
        "",
        "本单位及下级",
        "启用",
        _local(locked_until),
        "否",
        "否",
        "",
        _local(street.date_joined),
        _local(street.password_changed_at),
        "否",
    ]
    police = by_name["police_liaison"]
    assert police[2] == "部门联络员"
    assert police[4] == Department.objects.get(code="410100-police").name
    assert by_name["grid_worker_b"][6:8] == ["停用", ""]
    assert by_name["grid_worker_a"][10] == _local(now - timedelta(days=2))
    assert by_name["grid_worker_a"][13] == "是"
    assert by_name["sysadmin"][2] == "系统管理员"
    assert by_name["sysadmin"][5] == "全部数据"
    assert by_name["sysadmin"][8:10] == ["是", "是"]
    assert by_name["auditor"][8:10] == ["是", "否"]

    # Nothing secret: no password hash, no TOTP key, not even the hasher's name.
    cells = [cell for row in rows for cell in row]
    device = TOTPDevice.objects.get(user=sysadmin)
    for user in User.objects.all():
        assert user.password not in cells
    assert not any(device.key in cell or "argon2" in cell for cell in cells)

    events = AuditEvent.objects.filter(action="export", object_type="accounts.user")
    assert events.count() == 2
    assert events.first().actor_username == "sysadmin"
    assert json.loads(events.first().detail)["list"] == "accounts"


@pytest.mark.django_db
def test_account_export_keeps_the_search_and_the_administrators_scope(client):
    login_as(client, "sysadmin")
    url = reverse("accounts:user_export")
    searched = exported(client.get(url, {"q": "grid_worker", "format": "csv"}))
    assert [r[0] for r in searched[2:]] == ["grid_worker_a", "grid_worker_b"]
    by_full_name = exported(client.get(url, {"q": "网格员", "format": "csv"}))
    assert [r[0] for r in by_full_name[2:]] == ["grid_worker_a", "grid_worker_b"]
    page = client.get(reverse("accounts:user_list"), {"q": "grid_worker"}).content.decode()
    assert f'href="{url}?q=grid_worker&amp;format=csv"' in page

    # An administrator of one street manages that street's accounts only, page and file alike.
    user_create(
        actor=None,
        username="street_sysadmin",
        password="unused",
        unit=Unit.objects.get(code=STREET),
        roles={Role.SYSTEM_ADMIN},
        data_scope=DataScope.SUBTREE,
        validate=False,
    )
    login_as(client, "street_sysadmin")
    rows = exported(client.get(url, {"format": "xlsx"}))
    expected = {
        "street_sysadmin",
        "street_officer",
        "street_clerk",  # files the forms of the street's communities without an account
        "community_officer",
        "grid_worker_a",
        "grid_worker_b",
    }
    assert {r[0] for r in rows[2:]} == expected
    page = client.get(reverse("accounts:user_list"))
    assert {u.username for u in page.context["users"]} == expected


@pytest.mark.django_db
def test_account_export_reads_roles_and_second_factors_once_not_per_account(
    client, django_assert_max_num_queries
):
    for n in range(20):
        user_create(
            actor=None,
            username=f"extra{n:02d}",
            password="unused",
            unit=Unit.objects.get(code=STREET),
            roles={Role.GRID_WORKER, Role.COMMUNITY_OFFICER},
            data_scope=DataScope.UNIT,
            validate=False,
        )
    login_as(client, "sysadmin")
    # Login, session, second factor and the audit event's chain; then the policy, the
    # accounts and their roles, however many accounts.
    with django_assert_max_num_queries(18):
        rows = exported(client.get(reverse("accounts:user_export"), {"q": "extra"}))
    assert len(rows) == 2 + 20
    assert {r[2] for r in rows[2:]} == {"社区专干、网格员"}


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["city_admin", "auditor", "secadmin", "street_officer"])
def test_only_the_account_administrator_exports_accounts(client, persona):
    login_as(client, persona)
    assert client.get(reverse("accounts:user_export")).status_code == 403
    assert not AuditEvent.objects.filter(action="export", object_type="accounts.user").exists()


DEPARTMENT_HEADERS = ["名称", "类别", "所属辖区", "联络员", "联系电话"]


def _departments():
    """The city's police department with a liaison and a mobile; a department of another
    district, outside the street's view."""
    police = Department.objects.get(code="410100-police")
    department_save(
        actor=None,
        department=police,
        code=police.code,
        name=police.name,
        kind=police.kind,
        unit=police.unit,
        liaison=User.objects.get(username="police_liaison"),
        phone="13912345678",
    )
    other = Unit.objects.filter(level=Level.DISTRICT).exclude(code="410104").first()
    elsewhere = department_save(
        actor=None, code=f"{other.code}-police", name="别区公安部门", kind="police", unit=other
    )
    return police, elsewhere


@pytest.mark.django_db
def test_department_export_is_the_page_in_scope(client):
    police, elsewhere = _departments()
    login_as(client, "street_officer")
    url = reverse("accounts:department_export")
    rows = both_formats(client, url, {})
    assert rows[1] == DEPARTMENT_HEADERS
    page = client.get(reverse("accounts:department_list"))
    assert [r[0] for r in rows[2:]] == [d.name for d in page.context["departments"]]
    names = [r[0] for r in rows[2:]]
    assert police.name in names and elsewhere.name not in names
    # The contact phone as the page shows it; the file says it holds personal data.
    row = next(r for r in rows[2:] if r[0] == police.name)
    assert row == [police.name, "公安", police.unit.name, "公安局联络员", "13912345678"]
    assert "13912345678" in page.content.decode()
    assert "含完整个人信息" in rows[0][0]
    events = AuditEvent.objects.filter(action="export", object_type="accounts.department")
    assert events.count() == 2
    assert f'href="{url}?format=xlsx"' in page.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["leader", "sysadmin", "grid_worker_a"])
def test_who_sees_departments_but_may_not_export_lists_gets_no_file(client, persona):
    login_as(client, persona)
    page = client.get(reverse("accounts:department_list"))
    assert page.status_code == 200
    assert reverse("accounts:department_export") not in page.content.decode()
    assert client.get(reverse("accounts:department_export")).status_code == 403
    assert not AuditEvent.objects.filter(
        action="export", object_type="accounts.department"
    ).exists()
