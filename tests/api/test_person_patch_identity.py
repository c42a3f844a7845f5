"""A PATCH of birth date, sex or ID number alone is checked against the stored values, as
the edit form checks them."""

from datetime import date

import pytest
from django.urls import reverse

from tongxin.accounts.models import User
from tongxin.registry.models import Person

from ..conftest import login_as
from ..registry.factories import GRID_A, fresh_id, grid, register


def _person() -> Person:
    # Born 1990-01-01, male (odd sequence).
    return register(
        User.objects.get(username="city_admin"),
        "买买提·艾力",
        grid_unit=grid(GRID_A),
        birth=date(1990, 1, 1),
        sex="1",
    )


def _patch(client, person: Person, body: dict):
    return client.patch(
        reverse("api:persons-detail", args=[person.pk]), body, content_type="application/json"
    )


@pytest.mark.django_db
def test_patch_of_birth_date_and_sex_against_the_stored_id_is_refused(client):
    person = _person()
    login_as(client, "grid_worker_a")
    response = _patch(client, person, {"birth_date": "1985-05-05", "sex": "2"})
    assert response.status_code == 400
    errors = response.json()
    assert "出生日期与公民身份号码不一致（号码中为 1990-01-01）" in errors["birth_date"][0]
    assert "性别与公民身份号码不一致" in errors["sex"][0]
    person.refresh_from_db()
    assert (person.birth_date, person.sex) == (date(1990, 1, 1), "1")


@pytest.mark.django_db
def test_patch_of_sex_alone_is_checked(client):
    person = _person()
    login_as(client, "grid_worker_a")
    response = _patch(client, person, {"sex": "2"})
    assert response.status_code == 400
    assert "sex" in response.json()
    assert Person.objects.get(pk=person.pk).sex == "1"


@pytest.mark.django_db
def test_patch_of_id_number_alone_is_checked_against_the_stored_birth_date(client):
    person = _person()
    login_as(client, "grid_worker_a")
    response = _patch(client, person, {"id_number": fresh_id(date(1991, 2, 2), "1")})
    assert response.status_code == 400
    assert "出生日期与公民身份号码不一致" in response.json()["birth_date"][0]
    assert Person.objects.get(pk=person.pk).id_number == person.id_number


@pytest.mark.django_db
def test_consistent_patches_still_pass(client):
    person = _person()
    login_as(client, "grid_worker_a")
    assert _patch(client, person, {"birth_date": "1990-01-01", "sex": "1"}).status_code == 200
    number = fresh_id(date(1990, 1, 1), "1")
    response = _patch(client, person, {"id_number": number, "reason": "更正证件号码"})
    assert response.status_code == 200, response.json()
    assert Person.objects.get(pk=person.pk).id_number == number
