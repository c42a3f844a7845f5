"""The household list (一户一档): head, home, size and children of school age out of school,
in the user's scope; exported with the persons' right."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from tongxin.registry import services

from ..conftest import login_as
from .factories import GRID_A, GRID_B, grid, register
from .test_housing_list import home, officer


def family(address: str, grid_code: str, *, child_schooling: str = "primary"):
    housing = home(address, grid_code)
    household = services.household_create(actor=officer(), housing=housing, grid=grid(grid_code))
    head = register(officer(), "马明", grid_unit=grid(grid_code))
    child = register(officer(), "马小明", birth=date(2015, 3, 1), grid_unit=grid(grid_code))
    services.household_add_member(
        actor=officer(), household=household, person=head, relationship="02"
    )
    services.household_add_member(
        actor=officer(),
        household=household,
        person=child,
        relationship="20",
        schooling=child_schooling,
    )
    return household, head


@pytest.mark.django_db
def test_households_show_their_head_size_and_children_out_of_school(client):
    out, head = family("解放路 18 号 301", GRID_A, child_schooling="not_enrolled")
    enrolled, _ = family("解放路 20 号 101", GRID_B)
    login_as(client, "community_officer")
    url = reverse("registry:household_list")
    response = client.get(url, {"q": "解放路"})
    rows = {h.pk: (h, head) for h, head, _grid in response.context["rows"]}
    household, its_head = rows[out.pk]
    assert (its_head, household.size, household.schooling_gaps) == ((head.pk, "马明"), 2, 1)
    assert rows[enrolled.pk][0].schooling_gaps is None
    assert reverse("registry:person_detail", args=[head.pk]) in response.content.decode()
    gaps = client.get(url, {"q": "解放路", "schooling": "gap"}).context["rows"]
    assert [h.pk for h, _head, _grid in gaps] == [out.pk]
    login_as(client, "grid_worker_b")  # their grid only
    rows = client.get(url, {"q": "解放路"}).context["rows"]
    assert [h.pk for h, _head, _grid in rows] == [enrolled.pk]


@pytest.mark.django_db
def test_the_household_export_keeps_the_filters(client):
    out, _ = family("解放路 18 号 301", GRID_A, child_schooling="dropped_out")
    family("解放路 20 号 101", GRID_B)
    login_as(client, "community_officer")
    response = client.get(
        reverse("registry:household_export"), {"schooling": "gap", "format": "csv"}
    )
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][:5] == ["户主", "住址", "网格", "网格编码", "人数"]
    assert [r[:2] + r[3:6] for r in rows[2:]] == [["马明", "解放路 18 号 301", GRID_A, "2", "1"]]
    login_as(client, "police_liaison")
    assert client.get(reverse("registry:household_export")).status_code == 403


@pytest.mark.django_db
def test_a_head_outside_the_users_scope_is_not_named(client):
    housing = home("解放路 20 号 101", GRID_B)
    household = services.household_create(actor=officer(), housing=housing, grid=grid(GRID_B))
    head = register(officer(), "艾力", grid_unit=grid(GRID_A))  # lives in the other grid
    services.household_add_member(
        actor=officer(), household=household, person=head, relationship="02"
    )
    login_as(client, "grid_worker_b")
    response = client.get(reverse("registry:household_list"), {"q": "解放路 20"})
    [(row, shown_head, _grid)] = response.context["rows"]
    assert row.pk == household.pk and shown_head is None and row.size == 1
    assert "艾力" not in response.content.decode()
    login_as(client, "community_officer")  # sees both grids, so the head
    page = client.get(reverse("registry:household_list"), {"q": "解放路 20"})
    [(row, shown_head, _grid)] = page.context["rows"]
    assert shown_head == (head.pk, "艾力") and "艾力" in page.content.decode()


@pytest.mark.django_db
def test_a_record_merged_away_cannot_join_a_household():
    from django.core.exceptions import ValidationError

    household = services.household_create(
        actor=officer(), housing=home("解放路 20 号 101", GRID_A), grid=grid(GRID_A)
    )
    kept = register(officer(), "马明", grid_unit=grid(GRID_A))
    gone = register(officer(), "马明", grid_unit=grid(GRID_A))
    services.person_merge(actor=officer(), survivor=kept, duplicate=gone, reason="同一人")
    gone.refresh_from_db()
    with pytest.raises(ValidationError, match="已合并"):
        services.household_add_member(
            actor=officer(), household=household, person=gone, relationship="02"
        )


@pytest.mark.django_db
def test_the_export_gives_the_local_day_of_registration_and_only_visible_heads(client):
    from datetime import UTC, datetime

    from tongxin.accounts.roles import DataScope, Role
    from tongxin.accounts.services import user_create
    from tongxin.registry.models import Household

    night, _ = family("解放路 18 号 301", GRID_A)
    evening, _ = family("解放路 20 号 101", GRID_B)
    # 00:30 and 23:59 in the city (UTC+8): on the day of the city's calendar either way.
    Household.objects.filter(pk=night.pk).update(
        created_at=datetime(2026, 3, 31, 16, 30, tzinfo=UTC)
    )
    Household.objects.filter(pk=evening.pk).update(
        created_at=datetime(2026, 4, 1, 15, 59, tzinfo=UTC)
    )
    stranger = services.household_create(
        actor=officer(), housing=home("解放路 22 号 102", GRID_B), grid=grid(GRID_B)
    )
    outsider = register(officer(), "艾力", grid_unit=grid(GRID_A))  # lives in the other grid
    services.household_add_member(
        actor=officer(), household=stranger, person=outsider, relationship="02"
    )

    def exported(username):
        login_as(client, username)
        response = client.get(
            reverse("registry:household_export"), {"q": "解放路", "format": "csv"}
        )
        rows = csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
        return {r[1]: (r[0], r[6]) for r in list(rows)[2:]}

    assert exported("community_officer") == {
        "解放路 18 号 301": ("马明", "2026-04-01"),
        "解放路 20 号 101": ("马明", "2026-04-01"),
        "解放路 22 号 102": ("艾力", timezone.localdate().isoformat()),
    }
    user_create(
        actor=None,
        username="grid_b_officer",
        password="Tongxin@2026demo",
        unit=grid(GRID_B),
        roles={Role.COMMUNITY_OFFICER},
        data_scope=DataScope.SUBTREE,
        full_name="网格 B 专干",
        validate=False,
    )
    by_grid_worker = exported("grid_b_officer")
    assert by_grid_worker["解放路 22 号 102"][0] == ""  # the head lives outside their grid
    assert set(by_grid_worker) == {"解放路 20 号 101", "解放路 22 号 102"}
