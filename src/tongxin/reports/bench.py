"""`tongxin bench stats --persons N`: what the statistics cost with N persons and five years
of stays, measured in one process against what the same figures cost without the counts.

On a throw-away database only: it loads the demo city (divisions, grids, accounts) and N
demo persons with their households, housing and stays (the demo generator), unless the
database already holds exactly N persons of a previous run. Then, in the same process:

- the first build of the monthly counts (every unit, every month since the first arrival);
- the city's monthly form (`tables.compute`, as the form page and the API run it) and the
  dashboard's data (`analytics.data.dashboard`), each repeated;
- one change in the registry (a departure recorded through the service) and the refresh
  that follows it;
- baselines, without the counts: the same month's structure for the city's districts
  counted from the registry (every stay read and folded, the best way we know to do it on
  demand), and the plainer `GROUP BY` of present persons by district and ethnicity that
  `performance-facts.md` measures. Each baseline is checked against the form's numbers.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import date

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.geo.models import Level, Unit
from tongxin.registry import demo as registry_demo
from tongxin.registry import services as registry
from tongxin.registry.models import Person, Stay

from . import counts, tables
from .models import CountedMonth, UnitMonth
from .periods import Period, last_complete


def _timed(fn: Callable[[], object], repeat: int) -> dict:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "p50_ms": statistics.median(times),
        "p95_ms": times[min(len(times) - 1, int(len(times) * 0.95))],
        "runs": repeat,
    }


def prepare(persons: int, seed: int, progress: Callable[[str], None]) -> float | None:
    """Load the demo city and its persons (seconds), or reuse a previous run's (None)."""
    existing = Person.objects.count()
    if existing:
        if existing != persons or not Unit.objects.filter(code=registry_demo.CITY).exists():
            raise ValueError(
                f"数据库中已有 {existing} 名人员，不是同一规模（{persons}）的基准测试数据；"
                "请使用空数据库，例如 DATABASE_URL=sqlite:///var/bench-stats.sqlite3。"
            )
        progress(f"reusing the {existing} persons of a previous run")
        return None
    started = time.perf_counter()
    with transaction.atomic():
        registry_demo._load_city(settings.DEMO_PASSWORD)
    registry_demo.load_demo_persons(
        persons,
        seed=seed,
        progress=lambda n: progress(f"  {n:,} persons ({time.perf_counter() - started:.0f} s)"),
    )
    return time.perf_counter() - started


def _registry_fold(city: Unit, period: Period) -> dict[int, np.ndarray]:
    """Baseline 1: the city's districts counted from the registry for one month, no counts
    table: every stay of the city read and folded per district (numpy)."""
    grids = list(Unit.objects.filter(level=Level.GRID, path__startswith=city.path))
    district_of = {g.pk: g.path[:6] for g in grids}
    ids = [g.pk for g in grids]
    totals: dict[str, np.ndarray] = {}
    for start in range(0, len(ids), 200):  # a few hundred thousand stays in memory at once
        chunk = ids[start : start + 200]
        stays = counts._Stays(counts._stay_rows(chunk, period.start, period.end), chunk)
        table = stays.count(period.start, period.end)
        for i, grid_id in enumerate(chunk):
            key = district_of[grid_id]
            totals[key] = totals.get(key, counts.zeros()) + table[i]
    by_code = {u.path: u.pk for u in Unit.objects.filter(parent=city)}
    return {by_code[path]: vector for path, vector in totals.items() if path in by_code}


def _registry_group_by(city: Unit, day: date) -> dict[tuple[str, str], int]:
    """Baseline 2: present persons by district and ethnicity at the month's end, one SQL
    GROUP BY over the registry (what performance-facts.md measures)."""
    sql = """
        SELECT substr(s.unit_path, 1, 6), p.ethnicity, COUNT(*)
        FROM registry_stay s JOIN registry_person p ON p.id = s.person_id
        WHERE p.merged_into_id IS NULL AND s.unit_path >= %s AND s.unit_path < %s
          AND s.arrival_date <= %s AND (s.departure_date IS NULL OR s.departure_date > %s)
        GROUP BY 1, 2
    """
    upper = city.path[:-1] + str(int(city.path[-1]) + 1)
    with connection.cursor() as cursor:
        cursor.execute(sql, [city.path, upper, day, day])
        return {(d, e): n for d, e, n in cursor.fetchall()}


def bench_stats(
    persons: int,
    *,
    seed: int = 1,
    repeat: int = 20,
    progress: Callable[[str], None] = print,
    fill: Callable[[], tuple[float | None, str, str]] | None = None,
) -> dict:
    """`fill` (optional) loads other data and returns (seconds or None, the city's code, the
    username of an officer who sees all of it); by default the demo city and its persons."""
    if fill is None:
        fill_seconds = prepare(persons, seed, progress)
        city_code, admin_name = registry_demo.CITY, "city_admin"
    else:
        fill_seconds, city_code, admin_name = fill()
    city = Unit.objects.get(code=city_code)
    admin = User.objects.get(username=admin_name)
    today = timezone.localdate()
    period = last_complete("month", today)
    result: dict = {
        "database": connection.vendor,
        "persons": persons,
        "stays": Stay.objects.count(),
        "grids": Unit.objects.filter(level=Level.GRID).count(),
        "fill_seconds": fill_seconds,
        "period": period.key,
    }

    progress("first build of the counts …")
    with transaction.atomic():
        UnitMonth.objects.all().delete()
        CountedMonth.objects.all().delete()
    started = time.perf_counter()
    counts.refresh(today)
    result["build_seconds"] = time.perf_counter() - started
    result["months"] = CountedMonth.objects.count()
    result["unit_months"] = UnitMonth.objects.count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(SUM(LENGTH(vector)), 0) FROM reports_unitmonth")
        result["counts_mb"] = cursor.fetchone()[0] / 1e6

    progress("the city's monthly form and the dashboard …")
    result["form"] = _timed(lambda: tables.compute(city, period), repeat)
    from tongxin.analytics.data import dashboard

    result["dashboard"] = _timed(lambda: dashboard(admin, city, period), repeat)

    progress("baselines without the counts …")
    folded: dict = {}
    result["baseline_fold"] = _timed(
        lambda: folded.update(_registry_fold(city, period)), max(repeat // 5, 2)
    )
    grouped: dict = {}
    result["baseline_group_by"] = _timed(
        lambda: grouped.update(_registry_group_by(city, period.end)), max(repeat // 5, 2)
    )
    form = tables.compute(city, period)
    by_code = {r.unit_code: r.values for r in form.rows}
    districts = {u.pk: u for u in Unit.objects.filter(parent=city)}
    present = counts.KEYS.index("present")
    hui = counts.KEYS.index("eth:03")
    result["baselines_agree"] = all(
        int(vector[present]) == by_code[districts[pk].code]["present"]
        and int(vector[hui])
        == by_code[districts[pk].code]["eth_hui"]
        == grouped.get((districts[pk].path, "03"), 0)
        for pk, vector in folded.items()
    )
    result["form_vs_fold"] = result["baseline_fold"]["p50_ms"] / result["form"]["p50_ms"]
    result["form_vs_group_by"] = result["baseline_group_by"]["p50_ms"] / result["form"]["p50_ms"]

    progress("one change and the refresh after it …")
    present_persons = list(
        Person.objects.filter(present=True, unit_path__startswith=city.path)
        .order_by("pk")
        .values_list("pk", flat=True)[: max(repeat // 2, 2)]
    )
    refreshes = []
    for pk in present_persons:
        # Rolled back afterwards: the bench data stay as loaded for the next run.
        with transaction.atomic():
            person = Person.objects.get(pk=pk)
            registry.stay_close(actor=admin, person=person, departure_date=today)
            started = time.perf_counter()
            counts.refresh(today)
            refreshes.append((time.perf_counter() - started) * 1000)
            transaction.set_rollback(True)
    refreshes.sort()
    result["refresh_after_one_change"] = {
        "p50_ms": statistics.median(refreshes),
        "p95_ms": refreshes[min(len(refreshes) - 1, int(len(refreshes) * 0.95))],
        "runs": len(refreshes),
    }
    return result
