"""The housing list (以房管人): the homes of the user's scope with their landlords, how many
live there now, rentals about to end; exported with the landlord's phone masked."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.geo.models import Unit
from tongxin.registry import services
from tongxin.registry.models import Stay
from tongxin.registry.validation import clean_housing

from ..conftest import login_as
from .factories import GRID_A, GRID_B, grid, register


def officer() -> User:
    return User.objects.get(username="community_officer")


def home(address: str, grid: str, *, ends_in_days: int | None = None, **extra):
    today = timezone.localdate()
    data = {
        "address": address,
        "grid": grid,
        "kind": "rented",
        "landlord_name": "王建国",
        "landlord_phone": "13987654321",
        "rental_start": (today - timedelta(days=300)).isoformat(),
        **extra,
    }
    if ends_in_days is not None:
        data["rental_end"] = (today + timedelta(days=ends_in_days)).isoformat()
    values = clean_housing(data, grid_lookup=lambda code: Unit.objects.get(code=code))
    return services.housing_create(actor=officer(), values=values)


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.django_db
def test_the_housing_list_counts_who_lives_there_and_finds_rentals_ending(client):
    ending = home("解放路 18 号 2 单元 301", GRID_A, ends_in_days=10)
    ended = home("解放路 20 号 101", GRID_B, ends_in_days=-5)
    later = home("解放路 22 号 502", GRID_A, ends_in_days=200)
    for name in ("马明", "马丽"):
        person = register(officer(), name, grid_unit=grid(GRID_A))
        Stay.objects.filter(person=person, departure_date__isnull=True).update(housing=ending)
    login_as(client, "community_officer")
    url = reverse("registry:housing_list")
    page = client.get(url, {"q": "解放路 18"}).content.decode()
    assert "解放路 18 号 2 单元 301" in page and "解放路 20 号" not in page
    assert '<td class="text-end">2</td>' in page
    page = client.get(url, {"rental": "expiring"}).content.decode()
    assert ending.address in page and ended.address not in page and later.address not in page
    page = client.get(url, {"rental": "expired"}).content.decode()
    assert ended.address in page and ending.address not in page
    login_as(client, "grid_worker_b")  # their grid only
    page = client.get(url).content.decode()
    assert ended.address in page and ending.address not in page


@pytest.mark.django_db
def test_the_housing_export_masks_the_landlords_phone_and_keeps_the_filters(client):
    ending = home("解放路 18 号 2 单元 301", GRID_A, ends_in_days=10)
    other = home("=HYPERLINK(1) 号", GRID_A, kind="dormitory", landlord_name="", landlord_phone="")
    login_as(client, "community_officer")
    url = reverse("registry:housing_export")
    rows = csv_rows(client.get(url, {"kind": "rented", "format": "csv"}))
    by_address = {r[0]: r for r in rows[2:]}
    assert ending.address in by_address and not any(a.startswith("'=") for a in by_address)
    row = by_address[ending.address]
    assert row[2:6] == [GRID_A, "租赁房屋", "王建国", "139****4321"]
    assert "13987654321" not in "".join(",".join(r) for r in rows)
    rows = csv_rows(client.get(url, {"kind": "dormitory", "format": "csv"}))
    assert [r[0] for r in rows[2:] if other.address[1:] in r[0]] == ["'" + other.address]
    login_as(client, "grid_worker_a")  # reads the housing, does not export lists
    assert client.get(url).status_code == 403


@pytest.mark.django_db
def test_the_housing_export_counts_who_lives_there_now(client):
    full = home("解放路 18 号 2 单元 301", GRID_A)
    empty = home("解放路 22 号 502", GRID_A)
    for name in ("马明", "马丽", "马强"):
        person = register(officer(), name, grid_unit=grid(GRID_A))
        Stay.objects.filter(person=person, departure_date__isnull=True).update(housing=full)
    # One has left: counted no more.
    Stay.objects.filter(person__name="马强").update(departure_date=timezone.localdate())
    login_as(client, "community_officer")
    rows = csv_rows(client.get(reverse("registry:housing_export"), {"format": "csv"}))
    residents = {r[0]: r[8] for r in rows[2:]}
    assert (residents[full.address], residents[empty.address]) == ("2", "0")


@pytest.mark.django_db
def test_the_landlords_phone_in_full_for_those_allowed_with_a_purpose(client):
    ending = home("解放路 18 号 2 单元 301", GRID_A, ends_in_days=10)
    login_as(client, "street_officer")
    url = reverse("registry:housing_export")
    rows = csv_rows(
        client.get(
            url, {"q": "解放路 18", "unmasked": "1", "purpose": "租期到期提醒", "format": "csv"}
        )
    )
    assert [r[5] for r in rows[2:] if r[0] == ending.address] == ["13987654321"]
    lease = [r[6:8] for r in rows[2:] if r[0] == ending.address]  # the lease as YYYY-MM-DD
    assert lease == [[ending.rental_start.isoformat(), ending.rental_end.isoformat()]]
    login_as(client, "community_officer")
    assert client.get(url, {"unmasked": "1", "purpose": "租期到期提醒"}).status_code == 400


@pytest.mark.django_db
def test_pages_of_fifty_with_residents_on_every_page(client):
    homes = [home(f"建设路 {n} 号", GRID_A) for n in range(55)]
    person = register(officer(), "马明", grid_unit=grid(GRID_A))
    Stay.objects.filter(person=person, departure_date__isnull=True).update(housing=homes[0])
    login_as(client, "community_officer")
    url = reverse("registry:housing_list")
    first = client.get(url, {"q": "建设路"})
    assert first.context["rows"][0] == homes[-1] and len(first.context["rows"]) == 50
    after = first.context["next_after"]
    assert f"after={after}" in first.content.decode()
    second = client.get(url, {"q": "建设路", "after": after})
    assert [h.pk for h in second.context["rows"]] == [h.pk for h in reversed(homes[:5])]
    assert second.context["rows"][-1].residents == 1 and second.context["next_after"] is None
    assert client.get(url, {"after": "²"}).status_code == 200  # not a number: the first page


@pytest.mark.django_db
def test_an_unknown_unit_is_said_and_the_export_is_refused(client):
    login_as(client, "community_officer")
    page = client.get(reverse("registry:housing_list"), {"unit": "999999"}).content.decode()
    assert "单位代码不存在" in page
    response = client.get(reverse("registry:housing_export"), {"unit": "999999"})
    assert response.status_code == 400 and "单位代码不存在" in response.content.decode()


@pytest.mark.django_db
def test_a_department_liaison_does_not_export_the_housing_registry(client):
    home("解放路 18 号 2 单元 301", GRID_A, ends_in_days=10)
    login_as(client, "police_liaison")
    assert client.get(reverse("registry:housing_export")).status_code == 403
    page = client.get(reverse("registry:housing_list")).content.decode()
    assert "export-links" not in page
