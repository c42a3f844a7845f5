"""The move form and the visit's housing offer every grid of the user's scope, not the first
500 codes."""

import pytest
from django.urls import reverse

from tongxin.accounts.models import User
from tongxin.geo.models import Unit
from tongxin.registry.models import Person

from ..conftest import login_as
from .factories import GRID_A, GRID_B, grid, register

GRID_SELECT_LIMIT = 500  # the select held the first 500 grids


def _far_grid() -> Unit:
    grids = Unit.objects.filter(level="grid").order_by("code")
    assert grids.count() > GRID_SELECT_LIMIT + 100
    return grids[GRID_SELECT_LIMIT + 100]


@pytest.mark.django_db
def test_city_admin_moves_a_person_to_a_grid_past_the_first_500(client):
    person = register(User.objects.get(username="city_admin"), "马明", grid_unit=grid(GRID_A))
    far = _far_grid()
    login_as(client, "city_admin")
    url = reverse("registry:stay_move", args=[person.pk])
    page = client.get(url).content.decode()
    assert f'<option value="{far.code}">' in page  # offered, searchable by name
    response = client.post(
        url,
        {
            "grid": far.code,
            "arrival_date": "2026-12-01",
            "reason": "work",
            "expected_duration": "unknown",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    person = Person.objects.get(pk=person.pk)
    assert person.unit_path == far.path
    assert person.stays.get(departure_date__isnull=True).grid == far


@pytest.mark.django_db
def test_a_grid_outside_the_scope_is_refused_with_one_message(client):
    person = register(User.objects.get(username="city_admin"), "马明", grid_unit=grid(GRID_A))
    login_as(client, "grid_worker_a")
    page = client.get(reverse("registry:stay_move", args=[person.pk])).content.decode()
    assert "<select" in page and f'value="{GRID_A}"' in page  # one grid: a plain select
    page = client.post(
        reverse("registry:stay_move", args=[person.pk]),
        {
            "grid": GRID_B,
            "arrival_date": "2026-12-01",
            "reason": "work",
            "expected_duration": "unknown",
        },
    ).content.decode()
    assert f"网格 {GRID_B} 不存在或不在您的管理范围内。" in page
    assert "不在可用的选项中" not in page
    assert Person.objects.get(pk=person.pk).unit_path == grid(GRID_A).path


@pytest.mark.django_db
def test_city_admin_visit_housing_in_a_grid_past_the_first_500(client):
    far = _far_grid()
    login_as(client, "city_admin")
    pk = int(client.post(reverse("registry:visit_new"))["Location"].rstrip("/").split("/")[-1])
    url = reverse("registry:visit_edit", args=[pk])
    assert f'<option value="{far.code}">' in client.get(url).content.decode()
    response = client.post(
        url,
        {"action": "housing", "h-address": "某社区1号院", "h-grid": far.code, "h-kind": "rented"},
    )
    assert response.status_code == 302
