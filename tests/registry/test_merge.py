"""Merging a duplicate record into the surviving one."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from tongxin.accounts.models import Department, User
from tongxin.audit.models import AuditEvent
from tongxin.geo.models import Unit
from tongxin.registry.models import DepartmentFact, HouseholdMember, Person, PersonMerge, Stay
from tongxin.registry.selectors import PersonFilters, person_list_for
from tongxin.registry.services import (
    fact_record,
    household_add_member,
    household_create,
    person_merge,
)

from .factories import GRID_A, GRID_B, grid, register

pytestmark = pytest.mark.django_db

REASON = "同一人两次登记"


@pytest.fixture
def admin():
    return User.objects.get(username="city_admin")


@pytest.fixture
def pair(admin):
    """A (no stay) and B (a stay, a household membership and a department fact)."""
    a = register(admin, "买买提·艾力", with_stay=False, birth=date(1985, 2, 3))
    b = register(
        admin,
        "买买提•艾力",
        grid_unit=grid(GRID_B),
        arrival=date(2023, 4, 1),
        birth=date(1985, 2, 3),
    )
    household = household_create(actor=admin, housing=None, grid=grid(GRID_B))
    member = household_add_member(actor=admin, household=household, person=b, relationship="02")
    department = Department.objects.get(code="410100-civil_affairs")
    fact = fact_record(
        actor=admin,
        person=b,
        category="assistance",
        value="临时救助",
        as_of=date(2024, 6, 1),
        department=department,
    )
    return a, b, b.stays.get(), member, fact


def test_merge_moves_everything_to_the_survivor(admin, pair):
    a, b, stay, member, fact = pair
    merge = person_merge(actor=admin, survivor=a, duplicate=b, reason=REASON)

    assert list(Stay.objects.filter(person=b)) == []
    assert Stay.objects.get(pk=stay.pk).person_id == a.pk
    assert HouseholdMember.objects.get(pk=member.pk).person_id == a.pk
    assert DepartmentFact.objects.get(pk=fact.pk).person_id == a.pk
    assert not HouseholdMember.objects.filter(person=b).exists()
    assert not DepartmentFact.objects.filter(person=b).exists()

    b_now = Person.objects.get(pk=b.pk)
    assert b_now.merged_into == Person.objects.get(pk=a.pk)
    assert b_now.present is False
    # The survivor takes over the duplicate's open stay.
    a_now = Person.objects.get(pk=a.pk)
    assert (a_now.present, a_now.unit_path, a_now.arrival_date) == (
        True,
        grid(GRID_B).path,
        date(2023, 4, 1),
    )

    assert PersonMerge.objects.get() == merge
    assert (merge.survivor, merge.merged, merge.reason, merge.merged_by) == (a, b, REASON, admin)
    assert merge.snapshot["name"] == "买买提·艾力" == b.name
    assert merge.snapshot["id_number_masked"] == b.id_number_masked
    assert "id_number_enc" not in merge.snapshot and "phone_enc" not in merge.snapshot
    assert merge.moved == {
        "registry.stay": 1,
        "registry.householdmember": 1,
        "registry.departmentfact": 1,
    }

    event = AuditEvent.objects.filter(
        action="update", object_type="registry.person", object_id=str(a.pk)
    ).first()
    assert event is not None
    assert event.actor_username == "city_admin"
    assert event.purpose == REASON
    assert json.loads(event.detail)["merged"] == b.pk
    assert str(b.pk) in event.detail

    latest = b_now.history.first()
    assert latest.history_user == admin
    assert latest.history_change_reason == f"合并至 {a.pk}：{REASON}"
    assert latest.merged_into_id == a.pk


def test_the_merged_records_history_tells_where_it_went_and_keeps_its_stays(admin, pair):
    from tongxin.registry.history import change_history

    a, b, *_ = pair
    b_stays = list(b.stays.values_list("pk", flat=True))
    person_merge(actor=admin, survivor=a, duplicate=b, reason=REASON)
    b_history = change_history(Person.objects.get(pk=b.pk))
    assert b_history[0].reason == f"合并至 {a.pk}：{REASON}"
    assert ("合并至档案", "", f"#{a.pk}") in b_history[0].fields
    # The duplicate's own stays stay in its history, though they now belong to the survivor.
    assert any(label == "登记居住" for c in b_history for label, _old, _new in c.fields)
    # The survivor's history says when it took them over, and shows none of their past.
    a_history = change_history(Person.objects.get(pk=a.pk))
    taken = [c for c in a_history if c.reason == "档案合并"]
    assert taken and taken[0].user == admin.username
    assert Stay.history.filter(id__in=b_stays, person_id=a.pk).count() == len(b_stays)
    assert not [c for c in a_history if c.reason == "登记来本地"]  # B's arrival, not A's


def test_a_survivor_of_an_older_merge_still_shows_the_stays_it_took_over(admin, pair):
    """Merges before the merge wrote history for the stays it moved left none: such stays
    are shown with the records they have."""
    from tongxin.registry.history import change_history

    a, b, *_ = pair
    person_merge(actor=admin, survivor=a, duplicate=b, reason=REASON)
    Stay.history.filter(person_id=a.pk, history_change_reason="档案合并").delete()
    lines = [f for c in change_history(Person.objects.get(pk=a.pk)) for f in c.fields]
    assert any(label == "登记居住" for label, _old, _new in lines)


def test_a_record_merged_away_cannot_take_another_merge(admin, pair):
    a, b, *_ = pair
    person_merge(actor=admin, survivor=a, duplicate=b, reason=REASON)
    with pytest.raises(ValidationError):
        person_merge(
            actor=admin,
            survivor=Person.objects.get(pk=b.pk),
            duplicate=Person.objects.get(pk=a.pk),
            reason=REASON,
        )


def test_merged_record_disappears_from_lists(admin, pair):
    a, b, *_ = pair
    person_merge(actor=admin, survivor=a, duplicate=b, reason=REASON)
    listed = set(person_list_for(admin, PersonFilters(q="买买提")).values_list("pk", flat=True))
    assert a.pk in listed and b.pk not in listed


@pytest.mark.parametrize("reason", ["", "   "])
def test_merge_needs_a_reason(admin, pair, reason):
    a, b, stay, member, fact = pair
    with pytest.raises(ValidationError) as exc:
        person_merge(actor=admin, survivor=a, duplicate=b, reason=reason)
    assert exc.value.message_dict == {"reason": ["请说明合并理由。"]}
    assert Person.objects.get(pk=b.pk).merged_into is None
    assert Stay.objects.get(pk=stay.pk).person_id == b.pk
    assert not PersonMerge.objects.exists()


def test_merge_with_itself_or_twice_is_refused(admin, pair):
    a, b, *_ = pair
    with pytest.raises(ValidationError) as exc:
        person_merge(actor=admin, survivor=a, duplicate=a, reason=REASON)
    assert exc.value.messages == ["不能把档案与自身合并。"]
    person_merge(actor=admin, survivor=a, duplicate=b, reason=REASON)
    with pytest.raises(ValidationError) as exc:
        person_merge(actor=admin, survivor=a, duplicate=Person.objects.get(pk=b.pk), reason=REASON)
    assert exc.value.messages == ["该档案已被合并。"]


def test_both_present_the_survivor_keeps_its_stay(admin):
    today = timezone.localdate()
    a = register(admin, "测试合甲", grid_unit=grid(GRID_A), arrival=today - timedelta(days=40))
    b = register(admin, "测试合乙", grid_unit=grid(GRID_B), arrival=today - timedelta(days=20))
    a_stay, b_stay = a.stays.get(), b.stays.get()
    person_merge(actor=admin, survivor=a, duplicate=b, reason=REASON)

    assert set(Stay.objects.filter(person=a).values_list("pk", flat=True)) == {a_stay.pk, b_stay.pk}
    assert list(Stay.objects.filter(person=a, departure_date__isnull=True)) == [a_stay]
    b_stay.refresh_from_db()
    assert b_stay.departure_date == today
    assert b_stay.destination == f"合并至档案 {a.pk}"
    a_now = Person.objects.get(pk=a.pk)
    assert (a_now.present, a_now.unit_path) == (True, grid(GRID_A).path)


def test_same_household_keeps_one_membership(admin):
    a = register(admin, "测试户甲", with_stay=False)
    b = register(admin, "测试户乙", with_stay=False)
    household = household_create(actor=admin, housing=None, grid=grid(GRID_A))
    household_add_member(actor=admin, household=household, person=a, relationship="02")
    household_add_member(actor=admin, household=household, person=b, relationship="10")
    person_merge(actor=admin, survivor=a, duplicate=b, reason=REASON)
    assert list(household.members.values_list("person_id", "relationship")) == [(a.pk, "02")]


def _outside_the_street(admin) -> Person:
    """A person of another district, found by the street officer through break-the-glass."""
    from tongxin.registry.services import break_glass

    other_grid = Unit.objects.filter(level="grid", path__startswith="410105").first()
    person = register(admin, "古丽·吐尔逊", grid_unit=other_grid, sex="2")
    officer = User.objects.get(username="street_officer")
    found = break_glass(
        actor=officer,
        id_type="citizen_id",
        id_number=person.id_number,
        reason="就医急需联系家属",
    )
    assert found == person  # the grant is there: the officer can read her
    return person


def test_break_the_glass_reads_a_record_but_merges_nothing(admin, client):
    """Read-only access to a record outside one's scope merged it into one inside (her stay
    closed, her household moved to another district's head)."""
    from django.core.exceptions import PermissionDenied
    from django.urls import reverse

    from tests.conftest import login_as

    outsider = _outside_the_street(admin)
    officer = User.objects.get(username="street_officer")
    mine = register(officer, "马明", grid_unit=grid(GRID_A))
    with pytest.raises(PermissionDenied):
        person_merge(actor=officer, survivor=mine, duplicate=outsider, reason=REASON)
    with pytest.raises(PermissionDenied):
        person_merge(actor=officer, survivor=outsider, duplicate=mine, reason=REASON)
    login_as(client, "street_officer")
    url = reverse("registry:merge", args=[mine.pk, outsider.pk])
    assert client.post(url, {"reason": REASON}).status_code == 403
    outsider.refresh_from_db()
    assert outsider.merged_into_id is None and outsider.present
    assert outsider.stays.filter(departure_date__isnull=True).exists()


def test_a_break_the_glass_grant_stays_with_the_merged_record(admin):
    """Moved to the survivor, it opened the survivor to whoever broke the glass."""
    from tongxin.accounts.scoping import get_scoped_or_404

    outsider = _outside_the_street(admin)
    twin = register(admin, "古丽·吐尔逊", grid_unit=outsider.stays.get().grid, sex="2")
    person_merge(actor=admin, survivor=twin, duplicate=outsider, reason=REASON)
    officer = User.objects.get(username="street_officer")
    assert get_scoped_or_404(officer, Person.objects.all(), pk=outsider.pk) == outsider
    with pytest.raises(Http404):
        get_scoped_or_404(officer, Person.objects.all(), pk=twin.pk)


def test_a_merged_record_takes_no_edits_and_no_stays(admin, pair):
    """It took them: shown 在本地 on a grid, yet in no list or search."""
    from tongxin.registry.services import person_update, stay_open

    a, b, *_rest = pair
    person_merge(actor=admin, survivor=a, duplicate=b, reason=REASON)
    b.refresh_from_db()
    with pytest.raises(ValidationError, match=f"已并入档案 {a.pk}"):
        person_update(actor=admin, person=b, values={"employer": "拉面馆"}, reason="更正")
    with pytest.raises(ValidationError, match=f"已并入档案 {a.pk}"):
        stay_open(
            actor=admin, person=b, grid=grid(GRID_A), arrival_date=date(2026, 1, 5), reason="work"
        )
    b.refresh_from_db()
    assert not b.present and b.employer != "拉面馆"
