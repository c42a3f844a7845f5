"""A phone or ID number typed the ways registration accepts it (+86, dashes, spaces) is found
by the search box and by break-the-glass."""

import pytest
from django.urls import reverse

from tongxin.accounts.models import User
from tongxin.geo.models import Unit
from tongxin.registry.models import BreakGlassGrant

from ..conftest import login_as
from .factories import GRID_A, grid, register


@pytest.mark.django_db
@pytest.mark.parametrize(
    "typed",
    ["13027322286", "130 2732 2286", "+8613027322286", "130-2732-2286", "+86 130-2732-2286"],
)
def test_search_box_finds_a_phone_in_any_accepted_format(client, typed):
    person = register(
        User.objects.get(username="city_admin"),
        "纳建",
        grid_unit=grid(GRID_A),
        phone="13027322286",
    )
    login_as(client, "grid_worker_a")
    page = client.get(reverse("registry:person_list"), {"q": typed}).content.decode()
    assert reverse("registry:person_detail", args=[person.pk]) in page


@pytest.mark.django_db
def test_break_glass_with_a_spaced_id_number_finds_the_person(client):
    officer = User.objects.get(username="street_officer")
    outside = (
        Unit.objects.filter(level="grid")
        .exclude(path__startswith=officer.unit.path)
        .order_by("code")
        .first()
    )
    person = register(User.objects.get(username="city_admin"), "杨慧静", grid_unit=outside)
    number = person.id_number
    spaced = f"{number[:10]} {number[10:14]} {number[14:].lower()}"
    login_as(client, "street_officer")
    response = client.post(
        reverse("registry:break_glass"),
        {"id_type": "citizen_id", "id_number": spaced, "reason": "紧急就医联系家属需要"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:person_detail", args=[person.pk])
    assert BreakGlassGrant.objects.filter(user=officer, person=person).exists()
