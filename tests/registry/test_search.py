"""Probable duplicates and the one search box (scoped to the user's data)."""

from __future__ import annotations

from datetime import date

import pytest

from tongxin.accounts.models import User
from tongxin.registry.models import DuplicateRule
from tongxin.registry.selectors import PersonFilters, person_list_for
from tongxin.registry.services import probable_duplicates
from tongxin.registry.validation import clean_person

from .factories import GRID_A, GRID_B, grid, person_data, register

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    user = User.objects.get(username="city_admin")
    assert user.data_scope == "all"
    return user


def found(user, q: str, person) -> bool:
    return person_list_for(user, PersonFilters(q=q)).filter(pk=person.pk).exists()


# Probable duplicates ----------------------------------------------------------------------


def test_default_rules_come_from_the_migration():
    assert set(DuplicateRule.objects.filter(active=True).values_list("fields", flat=True)) == {
        "name,birth_date",
        "pinyin_full,birth_date,origin_code",
    }


def test_same_name_and_birth_date_is_a_probable_duplicate(admin):
    existing = register(admin, "热依拉·测试", birth=date(1979, 8, 8), sex="2")
    values = clean_person(person_data("热依拉•测试", birth=date(1979, 8, 8), sex="2"))
    assert values["id_number"] != existing.id_number
    assert list(probable_duplicates(values)) == [existing]
    assert list(probable_duplicates(values, exclude_pk=existing.pk)) == []


def test_different_birth_date_is_not_a_duplicate(admin):
    register(admin, "热依拉·测试", birth=date(1979, 8, 8), sex="2")
    values = clean_person(person_data("热依拉·测试", birth=date(1979, 8, 9), sex="2"))
    assert list(probable_duplicates(values)) == []


def test_same_pinyin_birth_date_and_origin_is_a_probable_duplicate(admin):
    existing = register(admin, "马敏测", birth=date(1990, 1, 2), origin_code="640104")
    values = clean_person(person_data("马民测", birth=date(1990, 1, 2), origin_code="640104"))
    assert list(probable_duplicates(values)) == [existing]
    other_origin = clean_person(person_data("马民测", birth=date(1990, 1, 2), origin_code="650102"))
    assert list(probable_duplicates(other_origin)) == []


# Search -----------------------------------------------------------------------------------


@pytest.fixture
def ma_ming(admin):
    return register(admin, "马明", phone="13607711234", grid_unit=grid(GRID_A))


@pytest.mark.parametrize("q", ["mm", "MM", "maming", "mam", "Ma Ming", "明", "马明", " 马 明 "])
def test_name_search_finds_the_person(admin, ma_ming, q):
    assert found(admin, q, ma_ming)


@pytest.mark.parametrize("q", ["mx", "mingma", "明马", "马华", "zz"])
def test_name_search_does_not_find_other_names(admin, ma_ming, q):
    assert not found(admin, q, ma_ming)


def test_substring_of_a_dotted_name(admin):
    person = register(admin, "买买提·艾力", grid_unit=grid(GRID_B))
    for q in ("艾力", "买买提", "买买提·艾力", "买买提•艾力", "提·艾"):
        assert found(admin, q, person), q
    assert not found(admin, "艾力买", person)


def test_search_by_exact_id_number(admin, ma_ming):
    number = ma_ming.id_number
    assert found(admin, number, ma_ming)
    assert found(admin, number.lower(), ma_ming)
    assert not found(admin, number[:-2] + ("00" if number[-2:] != "00" else "11"), ma_ming)
    assert not found(admin, number[:10], ma_ming)  # no partial matches on documents


def test_search_by_phone(admin, ma_ming):
    assert found(admin, "13607711234", ma_ming)
    assert found(admin, "136 0771 1234", ma_ming)
    assert not found(admin, "13607711235", ma_ming)


def test_search_by_non_bmp_character(admin):
    person = register(admin, "𠮷祥")
    assert found(admin, "𠮷", person)
    assert found(admin, "𠮷祥", person)


def test_grid_worker_sees_only_their_grid(admin):
    worker = User.objects.get(username="grid_worker_a")
    assert worker.unit.code == GRID_A and worker.data_scope == "unit"
    mine = register(admin, "测试网甲", grid_unit=grid(GRID_A))
    theirs = register(admin, "测试网乙", grid_unit=grid(GRID_B))
    elsewhere = register(admin, "测试网丙", grid_unit=grid())
    assert grid().code not in (GRID_A, GRID_B)

    visible = set(person_list_for(worker, PersonFilters()).values_list("pk", flat=True))
    assert mine.pk in visible
    assert theirs.pk not in visible and elsewhere.pk not in visible
    assert found(worker, theirs.id_number, theirs) is False
    assert found(worker, mine.id_number, mine) is True
    assert not found(worker, "测试网乙", theirs)
    assert found(admin, "测试网乙", theirs)
