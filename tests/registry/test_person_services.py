"""Registry writes: registering persons and their stays, with history and no duplicates."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.registry.models import Person, Stay
from tongxin.registry.services import (
    DuplicateDocument,
    person_create,
    person_update,
    stay_close,
    stay_move,
    stay_open,
)
from tongxin.registry.validation import clean_person

from .factories import GRID_A, GRID_B, NAME_50, NAME_60, grid, person_data, register

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@pytest.fixture
def admin():
    return User.objects.get(username="city_admin")


@pytest.fixture
def officer():
    return User.objects.get(username="street_officer")


# Round trip of unusual names through the database ------------------------------------------


@pytest.mark.parametrize("name", ["𠮷野·𪚥", "王𠮷", NAME_50, NAME_60])
def test_name_survives_the_database_round_trip(admin, name):
    values = clean_person(person_data(name))
    assert values["name"] == name
    person = person_create(
        actor=admin,
        values=values,
        stay={"grid": grid(), "arrival_date": date(2024, 3, 1), "reason": "work"},
    )
    stored = Person.objects.get(pk=person.pk)
    assert stored.name == name
    assert stored.name_as_typed == name
    assert len(stored.name) == len(name)
    assert stored.unit_path == grid().path
    assert stored.present is True


def test_lookalike_dot_is_stored_normalised_and_typed_form_kept(admin):
    person = register(admin, "买买提•艾力")
    stored = Person.objects.get(pk=person.pk)
    assert (stored.name, stored.name_as_typed) == ("买买提·艾力", "买买提•艾力")


# Registering -------------------------------------------------------------------------------


def test_create_writes_the_person_first_stay_and_history(admin):
    person = register(admin, "古丽娜·测试", phone="13912345678", arrival=date(2024, 5, 1))
    stored = Person.objects.get(pk=person.pk)
    assert stored.id_number == person.id_number and len(stored.id_number) == 18
    assert stored.id_number_masked == stored.id_number[:6] + "*" * 8 + stored.id_number[-4:]
    assert stored.phone == "13912345678"
    assert stored.arrival_date == date(2024, 5, 1)
    assert stored.stay_reason == "work"
    assert stored.created_by == admin
    [record] = stored.history.all()
    assert (record.history_type, record.history_user, record.history_change_reason) == (
        "+",
        admin,
        "新建档案",
    )
    [stay] = stored.stays.all()
    assert stay.history.count() == 1 and stay.history.get().history_user == admin


def test_same_document_twice_is_refused_and_names_the_existing_person(admin):
    data = person_data("马明测")
    first = person_create(actor=admin, values=clean_person(data))
    persons, history, stays = Person.objects.count(), Person.history.count(), Stay.objects.count()
    again = dict(data, name="马明二")
    with pytest.raises(DuplicateDocument) as exc:
        person_create(
            actor=admin,
            values=clean_person(again),
            stay={"grid": grid(), "arrival_date": date(2024, 1, 1), "reason": "work"},
        )
    assert exc.value.existing == first
    assert exc.value.message_dict == {
        "id_number": [
            f'该证件号码已登记，请勿重复建档：<a href="/registry/persons/{first.pk}/">查看已有档案</a>'
        ]
    }
    assert (Person.objects.count(), Person.history.count(), Stay.objects.count()) == (
        persons,
        history,
        stays,
    )


def test_same_document_in_legacy_form_is_a_duplicate(admin):
    first = person_create(
        actor=admin,
        values=clean_person(
            person_data("测试甲", birth=date(1949, 12, 31), sex="2", id_number="11010519491231002X")
        ),
    )
    legacy = person_data("测试乙", birth=date(1949, 12, 31), sex="2", id_number="110105491231002")
    with pytest.raises(DuplicateDocument) as exc:
        person_create(actor=admin, values=clean_person(legacy))
    assert exc.value.existing == first


def test_update_to_another_persons_document_is_refused(admin):
    a = register(admin, "测试丙")
    b = register(admin, "测试丁")
    with pytest.raises(DuplicateDocument) as exc:
        person_update(
            actor=admin, person=b, values={"id_number": a.id_number}, reason="更正证件号码"
        )
    assert exc.value.existing == a
    assert Person.objects.get(pk=b.pk).id_number_hash != a.id_number_hash


def test_update_writes_history_with_the_actor_and_reason(admin, officer):
    person = register(admin, "测试戊")
    changed = person_update(
        actor=officer, person=person, values={"employer": "某物流公司"}, reason="入户核实"
    )
    assert changed == ["employer"]
    assert person.history.count() == 2
    latest = person.history.first()
    assert (latest.history_type, latest.history_user, latest.history_change_reason) == (
        "~",
        officer,
        "入户核实",
    )
    assert latest.employer == "某物流公司"
    # Nothing changed: no new history row.
    assert (
        person_update(
            actor=officer, person=person, values={"employer": "某物流公司"}, reason="再次核实"
        )
        == []
    )
    assert person.history.count() == 2


# Stays: move, departure, return -------------------------------------------------------------


def stay_history(person):
    return Stay.history.filter(person_id=person.pk)


def test_move_closes_the_old_stay_and_opens_the_new_one(admin, officer):
    grid_a, grid_b = grid(GRID_A), grid(GRID_B)
    person = register(admin, "测试己", grid_unit=grid_a, arrival=TODAY() - timedelta(days=30))
    old = person.stays.get()
    before = stay_history(person).count()
    move_date = TODAY() - timedelta(days=10)

    new = stay_move(actor=officer, person=person, move_date=move_date, grid=grid_b, reason="work")

    old.refresh_from_db()
    assert old.departure_date == move_date
    assert old.destination == grid_b.name
    assert (new.grid, new.arrival_date, new.departure_date) == (grid_b, move_date, None)
    assert list(person.stays.filter(departure_date__isnull=True)) == [new]
    stored = Person.objects.get(pk=person.pk)
    assert (stored.unit_path, stored.present, stored.arrival_date) == (grid_b.path, True, move_date)
    assert (person.unit_path, person.present) == (grid_b.path, True)
    added = stay_history(person).order_by("history_id")[before:]
    assert [(h.id, h.history_type, h.history_user) for h in added] == [
        (old.pk, "~", officer),
        (new.pk, "+", officer),
    ]


def test_move_before_the_arrival_changes_nothing(admin, officer):
    person = register(admin, "测试庚", grid_unit=grid(GRID_A), arrival=TODAY() - timedelta(days=5))
    with pytest.raises(ValidationError) as exc:
        stay_move(
            actor=officer,
            person=person,
            move_date=TODAY() - timedelta(days=6),
            grid=grid(GRID_B),
            reason="work",
        )
    assert list(exc.value.message_dict) == ["departure_date"]
    assert person.stays.count() == 1
    assert Person.objects.get(pk=person.pk).unit_path == grid(GRID_A).path


def test_departure_makes_the_person_absent(admin, officer):
    person = register(admin, "测试辛", arrival=TODAY() - timedelta(days=20))
    before = stay_history(person).count()
    stay = stay_close(
        actor=officer, person=person, departure_date=TODAY() - timedelta(days=2), destination="返乡"
    )
    assert stay.departure_date == TODAY() - timedelta(days=2)
    stored = Person.objects.get(pk=person.pk)
    assert stored.present is False
    assert stored.unit_path == stay.unit_path  # the last grid is kept
    latest = stay_history(person).order_by("-history_id").first()
    assert stay_history(person).count() == before + 1
    assert (latest.history_user, latest.departure_date, latest.destination) == (
        officer,
        TODAY() - timedelta(days=2),
        "返乡",
    )


def test_departure_before_arrival_is_refused(admin, officer):
    arrival = TODAY() - timedelta(days=20)
    person = register(admin, "测试壬", arrival=arrival)
    with pytest.raises(ValidationError) as exc:
        stay_close(actor=officer, person=person, departure_date=arrival - timedelta(days=1))
    assert exc.value.message_dict == {
        "departure_date": [f"离开日期不能早于来本地日期（{arrival.isoformat()}）。"]
    }
    assert Person.objects.get(pk=person.pk).present is True
    assert person.stays.get().departure_date is None


def test_departure_in_the_future_is_refused(admin, officer):
    person = register(admin, "测试癸")
    with pytest.raises(ValidationError) as exc:
        stay_close(actor=officer, person=person, departure_date=TODAY() + timedelta(days=1))
    assert exc.value.message_dict == {"departure_date": ["离开日期不能晚于今天。"]}


def test_return_after_departure_opens_a_second_stay(admin, officer):
    person = register(admin, "测试子", grid_unit=grid(GRID_A), arrival=TODAY() - timedelta(days=90))
    departure = TODAY() - timedelta(days=30)
    stay_close(actor=officer, person=person, departure_date=departure)
    assert Person.objects.get(pk=person.pk).present is False

    # A return dated before the last departure is refused.
    with pytest.raises(ValidationError) as exc:
        stay_open(
            actor=officer,
            person=person,
            grid=grid(GRID_B),
            arrival_date=departure - timedelta(days=1),
            reason="work",
        )
    assert exc.value.message_dict == {
        "arrival_date": [f"来本地日期不能早于上次离开日期（{departure.isoformat()}）。"]
    }

    back = stay_open(
        actor=officer, person=person, grid=grid(GRID_B), arrival_date=TODAY(), reason="family"
    )
    stored = Person.objects.get(pk=person.pk)
    assert (stored.present, stored.unit_path, stored.stay_reason) == (
        True,
        grid(GRID_B).path,
        "family",
    )
    assert person.stays.count() == 2
    assert stay_history(person).count() == 3  # opened, closed, opened again
    assert stay_history(person).get(id=back.pk).history_user == officer


def test_second_open_stay_is_refused(admin, officer):
    person = register(admin, "测试丑")
    with pytest.raises(ValidationError) as exc:
        stay_open(
            actor=officer, person=person, grid=grid(GRID_B), arrival_date=TODAY(), reason="work"
        )
    assert list(exc.value.message_dict) == ["arrival_date"]
    assert person.stays.count() == 1


def test_stay_must_be_on_a_grid(admin, officer):
    person = register(admin, "测试寅", with_stay=False)
    community = grid(GRID_A).parent
    with pytest.raises(ValidationError) as exc:
        stay_open(actor=officer, person=person, grid=community, arrival_date=TODAY(), reason="work")
    assert exc.value.message_dict == {"grid": ["居住登记须落到网格。"]}
