"""Counts of persons per unit and month, kept current from the registry (ADR 0014).

A page never scans the registry: forms and dashboards read `UnitMonth` rows — one per unit
and month, a few dozen per page. Grid rows are computed from the stays (with the person,
housing and schooling facts they count); every other unit's row is the sum of its children.
`refresh()` brings them up to date: it recomputes the grids and months named in the
registry's change journal (`registry.GridChange`, written in the same transaction as each
change), recomputes the months whose day has moved on (the running month, which is counted
as of today, and a month that has just ended), then re-adds the ancestors of what changed.

Keys (what one person present at the month's end, or one stay beginning or ending in the
month, adds to):

- `present`; flows in the month: `in` (arrived in the city), `move_in` (moved here from
  elsewhere in the city), `out` (left the city), `move_out` (moved elsewhere in the city);
- `sex:1|2`; `eth:NN` (GB/T 3304); `age:N` (0–100, 100 meaning 100 and over) and
  `pyr:S:B` (sex and five-year band 0, 5, … 85 for the age–sex pyramid), ages on the
  month's last day; `rsn:<reason>`; `hk:<housing kind>` (`hk:none`: no housing recorded);
  `orig:PP` (origin province, `orig:00` unknown); `los:lt6m|6to12m|1to3y|gt3y` (length of
  residence in the city, counted from the first arrival before any moves);
  `school_age` (6–14), `enrolled` (of those, in primary, junior or senior school),
  `insured` (any social insurance).
"""

from __future__ import annotations

import hashlib
import zlib
from collections import defaultdict
from collections.abc import Iterable
from datetime import date

import numpy as np
from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone

from tongxin.core.bulk import Inserter, analyze
from tongxin.core.codes import ETHNICITY_CHOICES
from tongxin.geo.models import Level, Unit
from tongxin.registry.codes import HousingKind, Schooling, StayReason
from tongxin.registry.models import GridChange, HouseholdMember, Housing, Person, Stay

from .models import CountedMonth, CountsState, UnitMonth
from .periods import Period, add_months, month_end, month_start

FLOWS = ["in", "move_in", "out", "move_out"]
SEXES = ["1", "2"]
ETHNICITIES = [code for code, _label in ETHNICITY_CHOICES]
MAX_AGE = 100
PYRAMID_BANDS = list(range(0, 90, 5))  # 85 means 85 and over
REASONS = list(StayReason.values)
HOUSING = [*HousingKind.values, "none"]
PROVINCES = (
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 "
    "64 65 71 81 82 00"
).split()
LENGTHS = ["lt6m", "6to12m", "1to3y", "gt3y"]  # the registry's ExpectedDuration codes
FLAGS = ["school_age", "enrolled", "insured"]
ENROLLED = (Schooling.PRIMARY, Schooling.JUNIOR, Schooling.SENIOR)

# Every key in one order: a unit's counts for a month are a row of this length.
KEYS: list[str] = (
    ["present", *FLOWS]
    + [f"sex:{s}" for s in SEXES]
    + [f"eth:{e}" for e in ETHNICITIES]
    + [f"age:{a}" for a in range(MAX_AGE + 1)]
    + [f"pyr:{s}:{b}" for s in SEXES for b in PYRAMID_BANDS]
    + [f"rsn:{r}" for r in REASONS]
    + [f"hk:{h}" for h in HOUSING]
    + [f"orig:{p}" for p in PROVINCES]
    + [f"los:{x}" for x in LENGTHS]
    + FLAGS
)
STRUCTURE_KEYS = [k for k in KEYS if k not in FLOWS]
_OFFSET = {key: i for i, key in enumerate(KEYS)}
_FLOW_MASK = np.isin(np.arange(len(KEYS)), [_OFFSET[k] for k in FLOWS])
# Changes whenever KEYS does: months counted under another layout are counted again.
LAYOUT = hashlib.sha256(" ".join(KEYS).encode()).hexdigest()[:16]
NO_DEPARTURE = 99991231
# Months before this are not counted (a stay that began earlier is present from then on): a
# mistyped arrival in 1926 must not make every refresh count a century of months.
EARLIEST_MONTH = date(2000, 1, 1)


def pack(vector: np.ndarray) -> bytes:
    return zlib.compress(vector.astype("<i4").tobytes(), 1)


def unpack(data: bytes | memoryview) -> np.ndarray:
    return np.frombuffer(zlib.decompress(bytes(data)), dtype="<i4").astype(np.int64)


def zeros() -> np.ndarray:
    return np.zeros(len(KEYS), dtype=np.int64)


def ymd(day: date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


# --- computing grids -------------------------------------------------------------------------


def _ymd_sql(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(TO_CHAR({column}, 'YYYYMMDD') AS INTEGER)"
    return f"CAST(REPLACE({column}, '-', '') AS INTEGER)"


def _stay_rows(grid_ids: list[int], first: date, last: date) -> list[tuple]:
    """Every stay on these grids that overlaps first..last, with what the counts need of its
    person (merged duplicates left out), housing and schooling."""
    schooling = ", ".join(f"'{s}'" for s in ENROLLED)
    sql = f"""
        SELECT s.grid_id, {_ymd_sql("s.arrival_date")},
               COALESCE({_ymd_sql("s.departure_date")}, {NO_DEPARTURE}),
               {_ymd_sql("s.resident_since")}, s.arrived_by_move, s.left_by_move,
               p.sex, p.ethnicity, {_ymd_sql("p.birth_date")}, s.reason,
               COALESCE(h.kind, 'none'), p.origin_province,
               CASE WHEN p.insurance_kinds <> '' THEN 1 ELSE 0 END,
               CASE WHEN EXISTS (SELECT 1 FROM registry_householdmember m
                                 WHERE m.person_id = p.id AND m.schooling IN ({schooling}))
                    THEN 1 ELSE 0 END
        FROM registry_stay s
        JOIN registry_person p ON p.id = s.person_id
        LEFT JOIN registry_housing h ON h.id = s.housing_id
        WHERE p.merged_into_id IS NULL AND s.grid_id IN ({", ".join(["%s"] * len(grid_ids))})
          AND s.arrival_date <= %s AND (s.departure_date IS NULL OR s.departure_date >= %s)
    """  # noqa: S608 — only placeholders and fixed names are interpolated
    with connection.cursor() as cursor:
        cursor.execute(sql, [*grid_ids, last, first])
        return cursor.fetchall()


def _index(values: Iterable, vocabulary: list[str], default: int) -> np.ndarray:
    lookup = {v: i for i, v in enumerate(vocabulary)}
    return np.fromiter((lookup.get(v, default) for v in values), dtype=np.int64)


class _Stays:
    """The stays of a set of grids as columns (numbers), ready to be counted for any day."""

    def __init__(self, rows: list[tuple], grid_ids: list[int]):
        position = {g: i for i, g in enumerate(grid_ids)}
        cols = list(zip(*rows, strict=True)) if rows else [()] * 14
        as_int = lambda c: np.fromiter(c, dtype=np.int64, count=len(rows))  # noqa: E731
        self.grid = np.fromiter((position[g] for g in cols[0]), dtype=np.int64, count=len(rows))
        self.arrival, self.departure, self.since = as_int(cols[1]), as_int(cols[2]), as_int(cols[3])
        self.arrived_by_move = as_int(cols[4]).astype(bool)
        self.left_by_move = as_int(cols[5]).astype(bool)
        self.sex = _index(cols[6], SEXES, 0)
        self.ethnicity = _index(cols[7], ETHNICITIES, ETHNICITIES.index("97"))
        self.birth = as_int(cols[8])
        self.reason = _index(cols[9], REASONS, REASONS.index(StayReason.OTHER))
        self.housing = _index(cols[10], HOUSING, HOUSING.index("none"))
        self.origin = _index(cols[11], PROVINCES, PROVINCES.index("00"))
        self.insured = as_int(cols[12]).astype(bool)
        self.enrolled = as_int(cols[13]).astype(bool)
        self.grids = len(grid_ids)

    def count(self, start: date, as_of: date) -> np.ndarray:
        """grids × KEYS: who is present at the end of `as_of`, and the stays that began or
        ended between `start` and `as_of`. One bincount over (grid, key) cells."""
        n, width = self.grids, len(KEYS)
        d, s = ymd(as_of), ymd(start)
        cells: list[np.ndarray] = []

        arrived = (self.arrival >= s) & (self.arrival <= d)
        left = (self.departure >= s) & (self.departure <= d)
        for key, mask in (
            ("in", arrived & ~self.arrived_by_move),
            ("move_in", arrived & self.arrived_by_move),
            ("out", left & ~self.left_by_move),
            ("move_out", left & self.left_by_move),
        ):
            cells.append(self.grid[mask] * width + _OFFSET[key])

        present = (self.arrival <= d) & (self.departure > d)
        row = self.grid[present] * width
        # Age in whole years from the dates as YYYYMMDD numbers: a birthday not yet reached
        # this year leaves the difference short of the next 10000.
        age = np.clip((d - self.birth[present]) // 10000, 0, MAX_AGE)
        sex = self.sex[present]
        since = self.since[present]
        months = (d // 10000 * 12 + d // 100 % 100) - (since // 10000 * 12 + since // 100 % 100)
        months -= (d % 100) < (since % 100)
        length = np.select([months < 6, months < 12, months < 36], [0, 1, 2], default=3)
        school_age = (age >= 6) & (age <= 14)
        band = np.minimum(age // 5, len(PYRAMID_BANDS) - 1)
        cells += [
            row + _OFFSET["present"],
            row + _OFFSET["sex:1"] + sex,
            row + _OFFSET[f"eth:{ETHNICITIES[0]}"] + self.ethnicity[present],
            row + _OFFSET["age:0"] + age,
            row + _OFFSET[f"pyr:1:{PYRAMID_BANDS[0]}"] + sex * len(PYRAMID_BANDS) + band,
            row + _OFFSET[f"rsn:{REASONS[0]}"] + self.reason[present],
            row + _OFFSET[f"hk:{HOUSING[0]}"] + self.housing[present],
            row + _OFFSET[f"orig:{PROVINCES[0]}"] + self.origin[present],
            row + _OFFSET[f"los:{LENGTHS[0]}"] + length,
            row[school_age] + _OFFSET["school_age"],
            row[school_age & self.enrolled[present]] + _OFFSET["enrolled"],
            row[self.insured[present]] + _OFFSET["insured"],
        ]
        counted = np.bincount(np.concatenate(cells), minlength=n * width)
        return counted.reshape(n, width)


def as_dict(row: np.ndarray) -> dict[str, int]:
    return {KEYS[i]: int(row[i]) for i in np.flatnonzero(row)}


def _months(first: date, today: date) -> list[tuple[date, date]]:
    """(month, as-of day) from `first`'s month to the running month."""
    result, month = [], month_start(first)
    while month <= today:
        result.append((month, min(month_end(month), today)))
        month = add_months(month, 1)
    return result


class _Tree:
    """The jurisdiction as the counts need it: grids by street, parents, paths."""

    def __init__(self) -> None:
        rows = list(Unit.objects.values_list("id", "parent_id", "level", "path"))
        self.parent = {pk: parent for pk, parent, _level, _path in rows}
        self.path = {pk: path for pk, _parent, _level, path in rows}
        self.grids = [pk for pk, _parent, level, _path in rows if level == Level.GRID]
        self.grids_of_street: dict[int, list[int]] = defaultdict(list)
        for grid in self.grids:
            community = self.parent.get(grid)
            street = self.parent.get(community) if community else None
            self.grids_of_street[street or 0].append(grid)

    def street_of(self, grid: int) -> int:
        community = self.parent.get(grid)
        return (self.parent.get(community) if community else None) or 0


def _write(units: list[int], tables: list[tuple[date, np.ndarray]], tree: _Tree) -> None:
    """Insert, for each (month, table with one row per unit), the rows that count anything
    (set-wise, as imports do: the ORM's bulk_create took most of a full recount's time)."""
    rows = [
        {
            "unit_id": units[i],
            "unit_path": tree.path[units[i]],
            "month": month,
            "vector": pack(t[i]),
        }
        for month, t in tables
        for i in np.flatnonzero(t.any(axis=1))
    ]
    Inserter(UnitMonth, include_pk=False).insert(rows)


def _count_streets(streets: Iterable[int], months: list[tuple[date, date]], tree: _Tree) -> None:
    """Recount whole streets from the registry for these months: their grids, their
    communities and the street itself (one query of stays per street)."""
    if not months:
        return
    month_list = [m for m, _d in months]
    for street in streets:
        grids = tree.grids_of_street[street]
        if not grids:
            continue
        # Grids come in path order, so each community's grids are consecutive.
        starts = [
            i for i, g in enumerate(grids) if i == 0 or tree.parent[g] != tree.parent[grids[i - 1]]
        ]
        communities = [tree.parent[grids[i]] for i in starts]
        units = grids + communities + ([street] if street else [])
        UnitMonth.objects.filter(unit_id__in=units, month__in=month_list).delete()
        stays = _Stays(_stay_rows(grids, months[0][0], months[-1][1]), grids)
        if not len(stays.grid):
            continue
        tables = []
        for month, as_of in months:
            table = stays.count(month, as_of)
            parts = [table, np.add.reduceat(table, starts, axis=0)]
            if street:
                parts.append(table.sum(axis=0, keepdims=True))
            tables.append((month, np.vstack(parts)))
        _write(units, tables, tree)


def _count_grids(grids: list[int], months: list[tuple[date, date]], tree: _Tree) -> None:
    """Recount a few grids from the registry for these months (their ancestors after)."""
    if not months:
        return
    UnitMonth.objects.filter(unit_id__in=grids, month__in=[m for m, _d in months]).delete()
    stays = _Stays(_stay_rows(grids, months[0][0], months[-1][1]), grids)
    _write(grids, [(m, stays.count(m, d)) for m, d in months], tree)


def _sum_ancestors(units: Iterable[int], months: list[date], tree: _Tree) -> None:
    """Re-add, bottom up, every ancestor of these units for these months from its children
    (one read, one delete and one insert per level, for all the months at once)."""
    parents = {tree.parent[u] for u in units if tree.parent.get(u)}
    while parents and months:
        totals: dict[tuple[int, date], np.ndarray] = {
            (p, m): zeros() for p in parents for m in months
        }
        children = UnitMonth.objects.filter(month__in=months, unit__parent_id__in=parents)
        for parent_id, month, vector in children.values_list("unit__parent_id", "month", "vector"):
            if parent_id is not None:
                totals[(parent_id, month)] += unpack(vector)
        UnitMonth.objects.filter(month__in=months, unit_id__in=parents).delete()
        ids = sorted(parents)
        _write(ids, [(m, np.array([totals[(p, m)] for p in ids])) for m in months], tree)
        parents = {tree.parent[p] for p in parents if tree.parent.get(p)}


# --- keeping them current --------------------------------------------------------------------

# Past this many changed grids, whole streets are recounted (one query per street) rather
# than grid by grid.
MANY_GRIDS = 50
# A journal this long means a bulk write: the tables' statistics are refreshed first.
BULK_JOURNAL = 20_000


def pending(today: date | None = None) -> bool:
    """Whether `refresh` has anything to do (a cheap read, without taking the lock)."""
    today = today or timezone.localdate()
    if GridChange.objects.exists():
        return True
    last = CountedMonth.objects.order_by("-month").first()
    if last is None:
        return Stay.objects.exists()
    return (
        last.layout != LAYOUT
        or last.month < month_start(today)
        or last.as_of < min(month_end(last.month), today)
    )


def refresh(today: date | None = None) -> int:
    """Bring the counts up to date; returns how many grid-months were recounted."""
    today = today or timezone.localdate()
    if not pending(today):
        return 0
    with transaction.atomic():
        # The row lock makes a second refresh wait, then find nothing left to do.
        CountsState.objects.get_or_create(pk=1)
        CountsState.objects.select_for_update().filter(pk=1).update(refreshed_at=timezone.now())
        journal = list(GridChange.objects.values_list("pk", "grid_id", "since"))
        done = [pk for pk, _g, _s in journal]
        if len(journal) > BULK_JOURNAL or not CountedMonth.objects.exists():
            # A bulk load just happened (or this is the first count): fresh statistics first.
            analyze(Stay, Person, Housing, HouseholdMember)
        first_stay = Stay.objects.aggregate(first=Min("arrival_date"))["first"]
        if first_stay is None:
            _clear(done)
            return 0
        tree = _Tree()
        all_months = _months(max(first_stay, EARLIEST_MONTH), today)
        counted = {m.month: m.as_of for m in CountedMonth.objects.filter(layout=LAYOUT)}
        # Months recounted everywhere: never counted, or counted before their day came.
        stale = [(m, d) for m, d in all_months if counted.get(m) != d]
        stale_months = {m for m, _d in stale}
        streets = list(tree.grids_of_street)
        _count_streets(streets, stale, tree)
        _sum_ancestors(streets, sorted(stale_months), tree)
        work = len(tree.grids) * len(stale)

        changed: dict[int, date] = {}
        for _pk, grid, since in journal:
            since = max(month_start(since), all_months[0][0])
            if grid in tree.path and (grid not in changed or since < changed[grid]):
                changed[grid] = since
        by_since: dict[date, list[int]] = defaultdict(list)
        for grid, since in changed.items():
            by_since[since].append(grid)
        for since, grids in sorted(by_since.items()):
            months = [(m, d) for m, d in all_months if m >= since and m not in stale_months]
            if len(grids) > MANY_GRIDS:
                affected = sorted({tree.street_of(g) for g in grids})
                _count_streets(affected, months, tree)
                _sum_ancestors(affected, [m for m, _d in months], tree)
                work += sum(len(tree.grids_of_street[s]) for s in affected) * len(months)
            else:
                _count_grids(grids, months, tree)
                _sum_ancestors(grids, [m for m, _d in months], tree)
                work += len(grids) * len(months)

        now = timezone.now()
        for month, as_of in stale:
            CountedMonth.objects.update_or_create(
                month=month, defaults={"as_of": as_of, "computed_at": now, "layout": LAYOUT}
            )
        _clear(done)
        return work


def _clear(journal_ids: list[int]) -> None:
    """Delete exactly the journal rows this refresh read (a row committed meanwhile, even
    with a lower id on PostgreSQL, waits for the next refresh), in chunks small enough for
    SQLite's limit on query parameters."""
    for start in range(0, len(journal_ids), 500):
        GridChange.objects.filter(pk__in=journal_ids[start : start + 500]).delete()


def rebuild(today: date | None = None) -> int:
    """Forget every count and compute them all again (after a restore, or to check)."""
    with transaction.atomic():
        UnitMonth.objects.all().delete()
        CountedMonth.objects.all().delete()
    return refresh(today)


# --- reading ---------------------------------------------------------------------------------


def month_vectors(
    unit_ids: Iterable[int], months: Iterable[date]
) -> dict[tuple[int, date], np.ndarray]:
    """{(unit id, month): vector} for the rows that exist (a missing row counts nothing)."""
    rows = UnitMonth.objects.filter(unit_id__in=list(unit_ids), month__in=list(months))
    return {(u, m): unpack(v) for u, m, v in rows.values_list("unit_id", "month", "vector")}


def period_vectors(
    unit_ids: list[int], period: Period, today: date | None = None
) -> dict[int, np.ndarray]:
    """{unit id: vector} for a period: the structure as of its last day (today while it
    runs), the flows added up over its months. Refreshes first."""
    today = today or timezone.localdate()
    refresh(today)
    months = [m for m in period.months() if m <= today]
    found = month_vectors(unit_ids, months)
    result: dict[int, np.ndarray] = {}
    for unit_id in unit_ids:
        vector = zeros()
        for month in months:
            if (unit_id, month) in found:
                vector[_FLOW_MASK] += found[(unit_id, month)][_FLOW_MASK]
        if months and (unit_id, months[-1]) in found:
            last = found[(unit_id, months[-1])]
            vector[~_FLOW_MASK] = last[~_FLOW_MASK]
        result[unit_id] = vector
    return result


def period_counts(unit_ids: list[int], period: Period, today: date | None = None) -> dict:
    """{unit id: {key: n}} (zeros left out) for a period; see `period_vectors`."""
    return {u: as_dict(v) for u, v in period_vectors(unit_ids, period, today).items()}


def monthly_series(unit_id: int, first: date, last: date, keys: list[str]) -> list[dict]:
    """[{"month": date, key: n, …}] for each month first..last of one unit."""
    rows = dict(
        UnitMonth.objects.filter(unit_id=unit_id, month__gte=first, month__lte=last).values_list(
            "month", "vector"
        )
    )
    positions = [_OFFSET[k] for k in keys]
    series, month = [], month_start(first)
    while month <= last:
        vector = unpack(rows[month]) if month in rows else zeros()
        series.append(
            {"month": month, **{k: int(vector[i]) for k, i in zip(keys, positions, strict=True)}}
        )
        month = add_months(month, 1)
    return series
