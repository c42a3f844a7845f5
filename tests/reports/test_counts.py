"""The statistics' counts per unit and month against the registry, on random data made
through the registry's own services: arrivals, moves, departures, returns and corrections."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from django.utils import timezone

from tests.registry.factories import register
from tests.reports.oracle import count as oracle
from tongxin.accounts.models import User
from tongxin.geo.models import Level, Unit
from tongxin.registry import services
from tongxin.registry.models import GridChange, Person
from tongxin.reports import counts
from tongxin.reports.models import UnitMonth
from tongxin.reports.periods import Period, add_months, month_start

pytestmark = pytest.mark.django_db

STREET = "410104001"  # 北下街街道
OTHER_STREET = "410104002"


def _grids() -> list[Unit]:
    grids = list(Unit.objects.filter(level=Level.GRID, path__startswith=STREET)[:6])
    grids += list(Unit.objects.filter(level=Level.GRID, path__startswith=OTHER_STREET)[:3])
    return grids


def random_registry(seed: int, persons: int = 40) -> None:
    """Persons arriving over the last two years; some move, leave, return, or have their
    ethnicity or birth date corrected; the counts refreshed now and then on the way, as the
    scheduler and the pages do."""
    rng = random.Random(seed)
    actor = User.objects.get(username="city_admin")
    grids = _grids()
    today = timezone.localdate()
    start = today - timedelta(days=730)
    for n in range(persons):
        arrival = start + timedelta(days=rng.randrange(700))
        person = register(
            actor,
            "测试"
            + "甲乙丙丁戊己庚辛壬癸"[seed % 10]
            + "子丑寅卯辰巳午未申酉戌亥"[n % 12]
            + "东南西北"[n // 12 % 4],
            grid_unit=rng.choice(grids),
            arrival=arrival,
            sex=rng.choice("12"),
            birth=date(rng.randrange(1950, 2024), rng.randrange(1, 13), rng.randrange(1, 29))
            if n % 10
            else arrival - timedelta(days=rng.randrange(400, 3000)),  # a child
            ethnicity=rng.choice(["03", "05", "04", "10", "17"]),
            origin_code=rng.choice(["650102", "640104", "540102", ""]),
        )
        day = arrival
        for _event in range(rng.randrange(3)):
            day = day + timedelta(days=rng.randrange(1, 200))
            if day > today:
                break
            kind = rng.choice(["move", "leave", "edit"])
            if kind == "move" and person.present:
                services.stay_move(
                    actor=actor,
                    person=person,
                    move_date=day,
                    grid=rng.choice(grids),
                    reason="business",
                )
            elif kind == "leave" and person.present:
                services.stay_close(actor=actor, person=person, departure_date=day)
                back = day + timedelta(days=rng.randrange(1, 90))
                if back <= today and rng.random() < 0.5:
                    services.stay_open(
                        actor=actor,
                        person=person,
                        grid=rng.choice(grids),
                        arrival_date=back,
                        reason="work",
                    )
                    day = back
            elif kind == "edit":
                services.person_update(
                    actor=actor,
                    person=person,
                    values={"ethnicity": rng.choice(["02", "11"]), "birth_date": date(1999, 2, 28)},
                    reason="更正",
                )
            person.refresh_from_db()
        if rng.random() < 0.2:
            counts.refresh()


def _units_to_check() -> list[Unit]:
    units = [Unit.objects.get(code=c) for c in ("410100", "410104", STREET, OTHER_STREET)]
    units += list(Unit.objects.filter(level=Level.COMMUNITY, path__startswith=STREET)[:2])
    units += _grids()[:3]
    return units


@pytest.mark.parametrize("seed", [1, 2])
def test_counts_equal_the_registry_at_every_level_and_month(seed):
    random_registry(seed)
    today = timezone.localdate()
    units = _units_to_check()
    for back in (0, 1, 5, 13, 23):
        month = add_months(month_start(today), -back)
        found = counts.period_counts([u.pk for u in units], Period.of("month", month))
        for unit in units:
            assert found[unit.pk] == dict(oracle(unit.path, month, today)), (unit.code, month)


def test_every_level_is_the_sum_of_its_children():
    random_registry(3)
    counts.refresh()
    month = month_start(timezone.localdate())
    for code in ("410100", "410104", STREET):
        unit = Unit.objects.get(code=code)
        children = list(unit.children.values_list("pk", flat=True))
        found = counts.period_vectors([unit.pk, *children], Period.of("month", month))
        assert (sum(found[c] for c in children) == found[unit.pk]).all(), code
        assert found[unit.pk][counts.KEYS.index("present")] > 0


def test_counting_bit_by_bit_equals_counting_all_at_once():
    random_registry(4)
    counts.refresh()
    before = {
        (u, m): bytes(v) for u, m, v in UnitMonth.objects.values_list("unit_id", "month", "vector")
    }
    counts.rebuild()
    after = {
        (u, m): bytes(v) for u, m, v in UnitMonth.objects.values_list("unit_id", "month", "vector")
    }
    assert {k: counts.unpack(v).tolist() for k, v in before.items()} == {
        k: counts.unpack(v).tolist() for k, v in after.items()
    }
    assert not GridChange.objects.exists()


def test_a_move_within_the_city_is_not_an_arrival_and_keeps_the_length_of_residence():
    actor = User.objects.get(username="city_admin")
    grid_a, grid_b = _grids()[:2]
    today = timezone.localdate()
    arrival = today - timedelta(days=500)
    person = register(actor, "迁移测试", grid_unit=grid_a, arrival=arrival)
    stay = services.stay_move(
        actor=actor, person=person, move_date=today, grid=grid_b, reason="work"
    )
    assert stay.arrived_by_move and stay.resident_since == arrival
    city = Unit.objects.get(code="410100")
    month = Period.of("month", today)
    before = oracle(city.path, month.start, today)
    found = counts.period_counts([city.pk, grid_a.pk, grid_b.pk], month)
    assert found[city.pk]["move_in"] == found[city.pk]["move_out"] >= 1
    assert found[grid_b.pk]["move_in"] >= 1 and found[grid_a.pk]["move_out"] >= 1
    assert found[city.pk] == dict(before)
    # Counted from the first arrival, 500 days ago: one to three years, not "under six months".
    grid_b_now = oracle(grid_b.path, month.start, today)
    assert grid_b_now["los:1to3y"] >= 1


def test_a_correction_recounts_every_month_the_person_was_there():
    actor = User.objects.get(username="city_admin")
    grid = _grids()[0]
    today = timezone.localdate()
    person = register(
        actor, "更正测试", grid_unit=grid, arrival=today - timedelta(days=400), ethnicity="05"
    )
    year_ago = Period.of("month", add_months(month_start(today), -12))
    assert counts.period_counts([grid.pk], year_ago)[grid.pk].get("eth:05", 0) >= 1
    uyghur_before = counts.period_counts([grid.pk], year_ago)[grid.pk]["eth:05"]
    services.person_update(
        actor=actor, person=person, values={"ethnicity": "17"}, reason="更正民族"
    )
    after = counts.period_counts([grid.pk], year_ago)[grid.pk]
    assert after.get("eth:05", 0) == uyghur_before - 1
    assert after == dict(oracle(grid.path, year_ago.start, today))


def test_a_name_change_leaves_the_counts_alone():
    actor = User.objects.get(username="city_admin")
    person = Person.objects.filter(present=True).first()
    counts.refresh()
    services.person_update(actor=actor, person=person, values={"name": "改名测试"}, reason="更正")
    assert not GridChange.objects.exists()


def test_the_running_month_is_counted_as_of_today_and_again_the_next_day():
    actor = User.objects.get(username="city_admin")
    grid = _grids()[0]
    today = timezone.localdate()
    # Born the day after tomorrow, years ago: a birthday that comes with the next days.
    birth = (today + timedelta(days=2)).replace(year=today.year - 15)
    register(actor, "生日测试", grid_unit=grid, arrival=today - timedelta(days=30), birth=birth)
    month = Period.of("month", today)
    now = counts.period_counts([grid.pk], month, today)[grid.pk]
    assert now == dict(oracle(grid.path, month.start, today))
    later = today + timedelta(days=3)
    if later.month == today.month:
        after = counts.period_counts([grid.pk], month, later)[grid.pk]
        assert after.get("age:15", 0) == now.get("age:15", 0) + 1
        assert after == dict(oracle(grid.path, month.start, later))


def test_a_long_journal_is_read_and_cleared_whole():
    # A big import journals a row per grid and batch: more rows than SQLite takes
    # parameters in one statement.
    grids = _grids()
    since = timezone.localdate().replace(day=1)
    GridChange.objects.bulk_create(
        [GridChange(grid=grids[i % len(grids)], since=since) for i in range(2500)]
    )
    assert counts.refresh() > 0
    assert not GridChange.objects.exists()
