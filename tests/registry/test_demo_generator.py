"""`tongxin demo`: the synthetic city must look like the real one (issue 4, item 6) — the
ethnic mix of migrants in a Central-China city, names in each tradition, valid IDs from the
origin regions, families in housing, five years of seasonal arrivals, moves and departures —
and the same seed must give the same city."""

import random
from collections import Counter
from datetime import date, timedelta

import pytest
from django.db import transaction

from tongxin.core.validators import citizen_id_info
from tongxin.registry.codes import HousingKind, Relationship
from tongxin.registry.demo import (
    ARRIVAL_MONTH_WEIGHTS,
    DEPARTURE_MONTH_WEIGHTS,
    EID_ORIGINS,
    _eid_departure,
    _seasonal_date,
    eid_al_fitr_between,
    load_demo_persons,
)
from tongxin.registry.models import HouseholdMember, Housing, Person, Stay

COUNT = 600
# The day the demo's five years end: pinned, because the generator's draws depend on it.
TODAY = date(2026, 11, 30)


def generated(seed: int) -> list[Person]:
    before = Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    load_demo_persons(COUNT, seed=seed, defer_indexes=False, today=TODAY)
    return list(Person.objects.filter(pk__gt=before).order_by("pk"))


@pytest.fixture
def persons(db):
    return generated(seed=5)


def test_the_same_seed_gives_the_same_city(db):
    def run() -> list[tuple]:
        with transaction.atomic():
            made = [
                (p.name, p.sex, p.birth_date, p.ethnicity, p.id_number, p.unit_path)
                for p in generated(seed=12)
            ]
            transaction.set_rollback(True)
        return made

    first, second = run(), run()
    assert len(first) >= COUNT and first == second


def test_the_migrants_mix_of_a_central_china_city(persons):
    groups = Counter(p.ethnicity for p in persons)
    # Hui, Uyghur, Tibetan, Korean, Mongolian, Manchu, Tujia, Miao, Zhuang, Kazakh.
    assert {"03", "05", "04", "10", "02", "11", "15", "06", "08", "17"} <= set(groups)
    # Hui and Uyghur migrants are large groups, as in the source plans.
    assert groups["03"] > 0.2 * len(persons) and groups["05"] > 0.1 * len(persons)


def test_names_follow_each_tradition(persons):
    by_group: dict[str, list[str]] = {}
    for p in persons:
        by_group.setdefault(p.ethnicity, []).append(p.name)
    # Uyghur and Kazakh names are given name · father's name.
    assert all("·" in name for g in ("05", "17") for name in by_group[g])
    # Tibetan names have no surname and no separator.
    assert not any("·" in name for name in by_group["04"])
    assert all(2 <= len(name) <= 4 for name in by_group["03"])


def test_ids_are_valid_and_come_from_the_origin_region(persons):
    for p in persons:
        birth, sex = citizen_id_info(p.id_number)
        assert p.id_number[:6] == p.origin_code == p.hukou_code
        assert (birth, sex) == (p.birth_date, p.sex)
    assert len({p.id_number_hash for p in persons}) == len(persons)


def test_families_live_in_housing_with_a_head(persons):
    members = HouseholdMember.objects.filter(person__in=persons).select_related("household")
    assert members.count() == len(persons)
    households = {m.household for m in members}
    assert all(h.housing_id for h in households)
    heads = Counter(m.household_id for m in members if m.relationship == Relationship.HEAD)
    assert set(heads.values()) == {1} and len(heads) == len(households)
    assert max(Counter(m.household_id for m in members).values()) > 2  # children too


def test_rented_homes_have_a_landlord_and_a_yearly_lease(persons):
    homes = list(Housing.objects.filter(households__members__person__in=persons).distinct())
    rented = [h for h in homes if h.kind == HousingKind.RENTED]
    assert 0.4 < len(rented) / len(homes) < 0.8
    assert all(h.landlord_name and len(h.landlord_phone) == 11 for h in rented)
    assert all(0 < (h.rental_end - h.rental_start).days <= 366 for h in rented)
    assert not any(h.rental_end or h.landlord_phone for h in homes if h not in rented)
    # Where someone still lives, leases run out all through the year: some within the
    # housing list's 30 days, some lately; where everyone left, on the day they left.
    lived_in = set(
        Stay.objects.filter(housing__in=rented, departure_date__isnull=True).values_list(
            "housing_id", flat=True
        )
    )
    ends = [h.rental_end for h in rented if h.pk in lived_in]
    assert any(TODAY <= end <= TODAY + timedelta(days=30) for end in ends)
    assert any(TODAY - timedelta(days=45) <= end < TODAY for end in ends)
    left = [h for h in rented if h.pk not in lived_in]
    departures = {
        s.housing_id: s.departure_date
        for s in Stay.objects.filter(housing__in=left, left_by_move=False)
    }
    assert left and all(h.rental_end == departures[h.pk] for h in left)


def test_five_years_of_seasonal_arrivals_moves_and_departures(persons):
    today = TODAY
    stays = list(Stay.objects.filter(person__in=persons))
    assert all(today - timedelta(days=5 * 366 + 400) <= s.arrival_date <= today for s in stays)
    assert {s.arrival_date.year for s in stays} >= {today.year - 4, today.year - 1}
    departed = [s for s in stays if s.departure_date and not s.left_by_move]
    moved = [s for s in stays if s.arrived_by_move]
    assert 0.05 < len(departed) / len(persons) < 0.25 and len(moved) > 10
    # Every move closes the stay before it on the day the next one opens.
    for stay in moved:
        previous = Stay.objects.get(person=stay.person_id, left_by_move=True)
        assert previous.departure_date == stay.arrival_date
    # The persons' quick copies of their current stay agree with the stays.
    for p in persons[:100]:
        current = max(Stay.objects.filter(person=p), key=lambda s: s.arrival_date)
        assert (p.unit_path, p.present) == (current.unit_path, current.departure_date is None)


def test_arrivals_peak_after_the_spring_festival_and_departures_before_it():
    rng = random.Random(1)
    start, end = date(2021, 1, 1), date(2025, 12, 31)
    arrivals = Counter(
        _seasonal_date(rng, start, end, ARRIVAL_MONTH_WEIGHTS).month for _ in range(20_000)
    )
    departures = Counter(
        _seasonal_date(rng, start, end, DEPARTURE_MONTH_WEIGHTS).month for _ in range(20_000)
    )
    # February and March (after the festival) against December and January.
    assert arrivals[2] + arrivals[3] > 2 * (arrivals[12] + arrivals[1])
    assert departures[12] + departures[1] > 2 * (departures[3] + departures[4])


def test_eid_follows_the_lunar_calendar():
    # 肉孜节 as announced in Xinjiang and Ningxia, to within the day of the moon's sighting.
    announced = [date(2021, 5, 13), date(2022, 5, 2), date(2024, 4, 10), date(2025, 3, 30)]
    computed = eid_al_fitr_between(date(2021, 1, 1), date(2025, 12, 31))
    assert len(computed) == 5  # one a year
    assert all(any(abs((c - a).days) <= 1 for c in computed) for a in announced)


def test_families_from_where_eid_is_a_holiday_come_back_after_it_and_leave_before_it(persons):
    def after_eid(day: date) -> bool:
        return any(
            3 <= (day - eid).days <= 21
            for eid in eid_al_fitr_between(day - timedelta(days=30), day)
        )

    arrivals: dict[bool, list[bool]] = {True: [], False: []}
    for stay in Stay.objects.filter(person__in=persons, arrived_by_move=False):
        arrivals[stay.person.origin_code.startswith(EID_ORIGINS)].append(
            after_eid(stay.arrival_date)
        )
    share = {k: sum(v) / len(v) for k, v in arrivals.items()}
    assert share[True] > 0.3 and share[True] > 3 * share[False]
    # Departures: in the fortnight before 肉孜节 or 古尔邦节 (67 days later).
    rng = random.Random(2)
    start, end = date(2022, 1, 1), date(2025, 12, 31)
    holidays = eid_al_fitr_between(start, end + timedelta(days=14))
    holidays += [d + timedelta(days=67) for d in holidays]
    for _ in range(500):
        day = _eid_departure(rng, start, end)
        assert day is not None and any(1 <= (h - day).days <= 14 for h in holidays)


def test_a_demo_persons_history_shows_where_they_lived(persons):
    from tongxin.registry.history import change_history

    moved = next(p for p in persons if Stay.objects.filter(person=p, arrived_by_move=True).exists())
    [entry] = change_history(moved)
    assert entry.reason == "演示数据"
    (first, _o1, before), (second, _o2, now) = entry.fields
    assert (first, second) == ("登记居住", "辖区内迁入")
    left = Stay.objects.get(person=moved, left_by_move=True).departure_date.isoformat()
    assert f"离开日期 {left}" in before and f"来本地日期 {left}" in now
