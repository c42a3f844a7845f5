"""`tongxin bench search --persons N`: search and list benchmarks on synthetic persons
(`bench import --rows N`: exchange/bench.py; `bench stats --persons N`: reports/bench.py).

Meant for a throw-away database, never a real one::

    export DATABASE_URL=sqlite:///var/bench.sqlite3
    tongxin migrate -v0
    tongxin bench search --persons 1000000

The command refuses to run unless the database holds no persons, or exactly the N persons a
previous bench run of the same N left there (every person under the bench province "99");
a second run with the same N reuses them. The persons are written with raw `executemany` in
one transaction on SQLite (`COPY`, one transaction per batch, on PostgreSQL), with encrypted
and hashed ID and phone numbers and the search keys the services would compute; no change
history. An interrupted PostgreSQL fill leaves a partial count: drop the database.

Every query kind is timed through the application's own code path
(`keyset_page(person_list_for(user, PersonFilters(...)), after=None)`) and, interleaved in the
same process, through a hand-written raw SQL query returning the same ids (the baseline).
The report gives p50/p95 in milliseconds and the ratio app / baseline: ratios, not absolute
times, are what to compare across machines. Results: docs/performance.md.
"""

# ruff: noqa: S608 -- the SQL below is assembled from constants only; values are parameters.

from __future__ import annotations

import json
import json as _json
import math
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.accounts.roles import DataScope, Role
from tongxin.accounts.services import user_create
from tongxin.core import crypto
from tongxin.core.bulk import deferred_indexes
from tongxin.geo.models import Level, Unit, path_upper_bound
from tongxin.registry import demo
from tongxin.registry.codes import StayReason
from tongxin.registry.models import Person, mask_document
from tongxin.registry.search_keys import NON_KEY, latin_key, pinyin_keys, spaced_chars
from tongxin.registry.selectors import (
    AGE_BANDS,
    PersonFilters,
    birth_range,
    keyset_page,
    person_list_for,
)

# The bench jurisdiction: a province code no real division uses, 5 districts × 10 streets
# × 10 communities × 4 grids = 50 streets, 500 communities, 2,000 grids.
BENCH_PROVINCE = "99"
BENCH_CITY = "9901"
DISTRICTS, STREETS_PER_DISTRICT, COMMUNITIES_PER_STREET, GRIDS_PER_COMMUNITY = 5, 10, 10, 4
BENCH_ADMIN = "bench_admin"
BENCH_STREET_OFFICER = "bench_street_officer"
PAGE = 50
BATCH = 10_000
FTS_TRIGGER = "registry_person_fts_ai"


# Jurisdiction and users ---------------------------------------------------------------------


def bench_units() -> tuple[list[Unit], list[Unit]]:
    """The bench province's streets and grids, created on first use."""
    if not Unit.objects.filter(code=f"{BENCH_PROVINCE}0000").exists():
        province = Unit.objects.create(
            code=f"{BENCH_PROVINCE}0000",
            name="基准测试省",
            level=Level.PROVINCE,
            path=BENCH_PROVINCE,
        )
        city = Unit.objects.create(
            code=f"{BENCH_CITY}00",
            name="基准测试市",
            level=Level.CITY,
            parent=province,
            path=BENCH_CITY,
        )
        districts = Unit.objects.bulk_create(
            [
                Unit(code=c, name=f"第{d}区", level=Level.DISTRICT, parent=city, path=c)
                for d in range(1, DISTRICTS + 1)
                for c in [f"{BENCH_CITY}{d:02d}"]
            ]
        )
        streets = Unit.objects.bulk_create(
            [
                Unit(
                    code=c,
                    name=f"{district.name}第{s}街道",
                    level=Level.STREET,
                    parent=district,
                    path=c,
                )
                for district in districts
                for s in range(1, STREETS_PER_DISTRICT + 1)
                for c in [f"{district.code}{s:03d}"]
            ]
        )
        communities = Unit.objects.bulk_create(
            [
                Unit(
                    code=c,
                    name=f"{street.name}第{m}社区",
                    level=Level.COMMUNITY,
                    parent=street,
                    path=c,
                )
                for street in streets
                for m in range(1, COMMUNITIES_PER_STREET + 1)
                for c in [f"{street.code}{m:03d}"]
            ],
            batch_size=500,
        )
        Unit.objects.bulk_create(
            [
                Unit(
                    code=c,
                    name=f"{community.name}第{g}网格",
                    level=Level.GRID,
                    parent=community,
                    path=c,
                )
                for community in communities
                for g in range(1, GRIDS_PER_COMMUNITY + 1)
                for c in [f"{community.code}{g:03d}"]
            ],
            batch_size=500,
        )
    bench = Unit.objects.filter(path__startswith=BENCH_CITY)
    return (
        list(bench.filter(level=Level.STREET).order_by("path")),
        list(bench.filter(level=Level.GRID).order_by("path")),
    )


def bench_users(street: Unit) -> tuple[User, User]:
    """A bureau officer seeing everything and a street officer seeing one street."""
    password = crypto.encrypt(str(random.random()))  # never used to log in
    city = Unit.objects.get(code=f"{BENCH_CITY}00")
    made = []
    for username, unit, role, scope in (
        (BENCH_ADMIN, city, Role.BUREAU_OFFICER, DataScope.ALL),
        (BENCH_STREET_OFFICER, street, Role.STREET_OFFICER, DataScope.SUBTREE),
    ):
        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_create(
                actor=None,
                username=username,
                password=password,
                unit=unit,
                roles={role},
                data_scope=scope,
                full_name=username,
                validate=False,
            )
        made.append(User.objects.select_related("unit").get(pk=user.pk))
    return made[0], made[1]


# Filling ------------------------------------------------------------------------------------


def _birth(rng: random.Random, today: date) -> date:
    """About 20 % children, 70 % of working age, 10 % 60 and over."""
    band = rng.choices(((0, 17), (18, 59), (60, 85)), weights=(20, 70, 10))[0]
    earliest, latest = birth_range(today, *band)
    return earliest + timedelta(days=rng.randrange((latest - earliest).days + 1))


def person_rows(count: int, *, seed: int, grids: list[Unit]) -> Iterator[dict[str, Any]]:
    """`count` synthetic persons as column → value dicts (values in Python types)."""
    rng = random.Random(seed)
    today = timezone.localdate()
    now = timezone.now()
    base: dict[str, Any] = {}
    for f in Person._meta.concrete_fields:
        if f.primary_key:
            continue
        base[f.column] = f.get_default() if f.has_default() else ("" if not f.null else None)
    base.update(created_at=now, updated_at=now)
    keys_cache: dict[str, tuple[str, str, str]] = {}
    sequences: dict[tuple[str, date, str], int] = {}
    reasons = list(StayReason.values)
    paths = [g.path for g in grids]
    for _ in range(count):
        region, ethnicity = rng.choice(demo.ORIGINS)
        name = demo._name(rng, ethnicity)
        sex = rng.choice("12")
        while True:
            birth = _birth(rng, today)
            k = sequences.get((region, birth, sex), 0)
            if k < 499:
                break
        sequences[(region, birth, sex)] = k + 1
        number = demo.citizen_id(region, birth, 2 * k + (1 if sex == "1" else 2))
        adult = today.year - birth.year >= 16
        phone = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}" if adult else ""
        keys = keys_cache.get(name)
        if keys is None:
            full, initials = pinyin_keys(name)
            keys = keys_cache[name] = (spaced_chars(name), full, initials)
        arrival = today - timedelta(days=rng.randrange(1, 365 * 6))
        row = dict(base)
        row.update(
            name=name,
            sex=sex,
            birth_date=birth,
            ethnicity=ethnicity,
            id_number_enc=crypto.encrypt(number),
            id_number_hash=crypto.blind_index(number.upper(), purpose="id_number"),
            id_number_masked=mask_document(number),
            phone_enc=crypto.encrypt(phone),
            phone_hash=crypto.blind_index(phone, purpose="phone") if phone else "",
            hukou_code=region,
            origin_code=region,
            origin_province=region[:2],
            education=rng.choice(["80", "70", "70", "60", "30", "20"]),
            occupation=rng.choice("124466668") if adult else "0",
            marital_status="20" if today.year - birth.year >= 25 else "10",
            languages="zh"
            if ethnicity == "03"
            else "zh," + {"05": "ug", "04": "bo", "10": "ko", "02": "mn"}.get(ethnicity, "zh"),
            search_chars=keys[0],
            pinyin_full=keys[1],
            pinyin_initials=keys[2],
            latin_key=latin_key(""),
            unit_path=rng.choice(paths),
            present=rng.random() < 0.9,
            arrival_date=arrival,
            stay_reason=rng.choice(reasons),
        )
        yield row


def fill_persons(
    count: int,
    *,
    seed: int = 1,
    grids: list[Unit] | None = None,
    batch: int = BATCH,
    progress: Callable[[int, float], None] | None = None,
    defer_indexes: bool = False,
) -> float:
    """Insert `count` synthetic persons with raw executemany (COPY on PostgreSQL), one
    transaction per batch; the full-text triggers fill the index. Returns rows per second.

    `defer_indexes` (PostgreSQL): the persons' secondary indexes are dropped for the fill and
    built again at the end (`core.bulk.deferred_indexes`), as a first load is done. Keeping
    every index current row by row made ten million persons take over an hour (7,600 rows/s
    at one million, 2,100 at eight)."""
    if defer_indexes and connection.vendor == "postgresql":
        started = time.perf_counter()
        with deferred_indexes(Person):
            fill_persons(count, seed=seed, grids=grids, batch=batch, progress=progress)
        return count / max(time.perf_counter() - started, 1e-9)
    if grids is None:
        grids = bench_units()[1]
    columns = [f.column for f in Person._meta.concrete_fields if not f.primary_key]
    date_columns = {
        f.column for f in Person._meta.concrete_fields if f.get_internal_type() == "DateField"
    }
    time_columns = {
        f.column for f in Person._meta.concrete_fields if f.get_internal_type() == "DateTimeField"
    }
    ops = connection.ops
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    insert = f"INSERT INTO registry_person ({quoted}) VALUES ({', '.join(['%s'] * len(columns))})"

    def adapt(row: dict[str, Any]) -> tuple:
        for c in date_columns:
            row[c] = ops.adapt_datefield_value(row[c])
        for c in time_columns:
            row[c] = ops.adapt_datetimefield_value(row[c])
        return tuple(row[c] for c in columns)

    started = time.perf_counter()
    rows = person_rows(count, seed=seed, grids=grids)
    if connection.vendor == "postgresql":
        done = 0
        while done < count:
            chunk = [adapt(next(rows)) for _ in range(min(batch, count - done))]
            with transaction.atomic(), connection.cursor() as cursor:
                with cursor.cursor.copy(f"COPY registry_person ({quoted}) FROM STDIN") as copy:
                    for values in chunk:
                        copy.write_row(values)
            done += len(chunk)
            if progress is not None:
                progress(done, time.perf_counter() - started)
    else:
        _sqlite_fill(rows, count, insert, adapt, batch, progress, started)
    return count / max(time.perf_counter() - started, 1e-9)


def _sqlite_fill(rows, count, insert, adapt, batch, progress, started) -> None:
    """One transaction: the full-text trigger is dropped while the rows go in and the new
    rows are indexed in one statement at the end (4× faster than row by row through the
    trigger), then the trigger is put back as it was. A bigger page cache for this
    connection only, so index pages stay in memory; the queries run with the default."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        cache_size = cursor.fetchone()[0]
        cursor.execute("PRAGMA cache_size = -1048576")  # 1 GiB
        cursor.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = %s", [FTS_TRIGGER]
        )
        trigger = cursor.fetchone()[0]
        cursor.execute("SELECT coalesce(max(id), 0) FROM registry_person")
        last_id = cursor.fetchone()[0]
        cursor.execute(f"DROP TRIGGER {FTS_TRIGGER}")
        done = 0
        while done < count:
            chunk = [adapt(next(rows)) for _ in range(min(batch, count - done))]
            cursor.executemany(insert, chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, time.perf_counter() - started)
        cursor.execute(
            "INSERT INTO registry_person_fts (rowid, search_chars) "
            "SELECT id, search_chars FROM registry_person WHERE id > %s",
            [last_id],
        )
        cursor.execute(trigger)
        cursor.execute(f"PRAGMA cache_size = {int(cache_size)}")
    if not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def synthetic_stays() -> int:
    """One stay per bench person without one, from the person's own grid, arrival, reason
    and presence (a departure between the arrival and yesterday for those gone), written by
    the database in one statement. For `bench stats --fill synthetic`."""
    if connection.vendor == "postgresql":
        departure = "LEAST(p.arrival_date + (1 + p.id %% 700)::int, CURRENT_DATE - 1)"
        no, yes = "false", "true"
    else:
        departure = (
            "MIN(date(p.arrival_date, '+' || (1 + p.id %% 700) || ' days'), date('now', '-1 day'))"
        )
        no, yes = "0", "1"
    sql = f"""
        INSERT INTO registry_stay (person_id, housing_id, address, grid_id, unit_path,
            arrival_date, resident_since, arrived_by_move, left_by_move, reason,
            expected_duration, departure_date, destination, source, created_by_id)
        SELECT p.id, NULL, '', g.id, p.unit_path, p.arrival_date, p.arrival_date, {no}, {no},
            p.stay_reason, 'unknown',
            CASE WHEN p.present = {yes} THEN NULL ELSE {departure} END, '', 'import', NULL
        FROM registry_person p JOIN geo_unit g ON g.path = p.unit_path
        WHERE NOT EXISTS (SELECT 1 FROM registry_stay s WHERE s.person_id = p.id)
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [])
        return cursor.rowcount


# Queries ------------------------------------------------------------------------------------


@dataclass
class Query:
    """One query of a kind: the app's filters and the equivalent raw SQL."""

    filters: PersonFilters
    sql: str
    params: list[Any]


@dataclass
class Result:
    user: str
    kind: str
    app: list[float] = field(default_factory=list)
    base: list[float] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    mismatches: int = 0

    def summary(self) -> dict[str, Any]:
        app50, app95 = percentile(self.app, 50), percentile(self.app, 95)
        base50, base95 = percentile(self.base, 50), percentile(self.base, 95)
        return {
            "user": self.user,
            "kind": self.kind,
            "queries": len(self.app),
            "p50_ms": round(app50, 3),
            "p95_ms": round(app95, 3),
            "base_p50_ms": round(base50, 3),
            "base_p95_ms": round(base95, 3),
            "ratio_p50": round(app50 / base50, 1) if base50 else None,
            "ratio_p95": round(app95 / base95, 1) if base95 else None,
            "mean_rows": round(statistics.fmean(self.rows), 1) if self.rows else 0,
            "mismatches": self.mismatches,
        }


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


KINDS = [
    "id",
    "phone",
    "name1",
    "name2",
    "name3",
    "initials",
    "pinyin",
    "street+ethnicity",
    "street+present",
    "age+origin",
]


def _unit_sql(path: str) -> tuple[str, list[str]]:
    upper = path_upper_bound(path)
    return "unit_path >= %s AND unit_path < %s", [path, upper or "~"]


def _scope_sql(user: User) -> tuple[str, list[str]]:
    """What the app adds for the user: no merged persons, and the unit subtree."""
    if user.data_scope == DataScope.ALL:
        return "merged_into_id IS NULL", []
    unit_sql, params = _unit_sql(user.unit.path)  # type: ignore[union-attr]
    return f"merged_into_id IS NULL AND {unit_sql}", params


def _phrase_sql() -> str:
    if connection.vendor == "postgresql":
        return "to_tsvector('simple', search_chars) @@ phraseto_tsquery('simple', %s)"
    return "id IN (SELECT rowid FROM registry_person_fts WHERE registry_person_fts MATCH %s)"


def _fts_baseline(chars: str, scope: tuple[str, list[str]]) -> tuple[str, list[Any]]:
    """The raw lower bound of a phrase search: the index alone, newest first, one page."""
    if connection.vendor == "postgresql":
        return (
            f"SELECT id FROM registry_person WHERE {_phrase_sql()} AND {scope[0]} "
            f"ORDER BY id DESC LIMIT {PAGE + 1}",
            [chars, *scope[1]],
        )
    phrase = '"' + chars + '"'
    if not scope[1]:
        return (
            "SELECT rowid FROM registry_person_fts WHERE registry_person_fts MATCH %s "
            f"ORDER BY rowid DESC LIMIT {PAGE + 1}",
            [phrase],
        )
    return (
        "SELECT p.id FROM registry_person_fts f JOIN registry_person p ON p.id = f.rowid "
        f"WHERE registry_person_fts MATCH %s AND p.{scope[0].replace(' AND ', ' AND p.')} "
        f"ORDER BY f.rowid DESC LIMIT {PAGE + 1}",
        [phrase, *scope[1]],
    )


def make_queries(
    kind: str, *, user: User, count: int, rng: random.Random, streets: list[Unit]
) -> list[Query]:
    """`count` queries of one kind, drawn from persons the user can see."""
    scope = _scope_sql(user)
    limit = f"ORDER BY id DESC LIMIT {PAGE + 1}"
    visible = [s for s in streets if user.data_scope == DataScope.ALL or s.pk == user.unit_id]
    queries: list[Query] = []
    if kind in ("street+ethnicity", "street+present", "age+origin"):
        today = timezone.localdate()
        for _ in range(count):
            street = rng.choice(visible)
            unit_sql, unit_params = _unit_sql(street.path)
            if kind == "street+ethnicity":
                ethnicity = rng.choice(demo.ORIGINS)[1]
                queries.append(
                    Query(
                        PersonFilters(unit=street.code, ethnicity=ethnicity),
                        f"SELECT id FROM registry_person WHERE {scope[0]} AND {unit_sql} "
                        f"AND ethnicity = %s {limit}",
                        [*scope[1], *unit_params, ethnicity],
                    )
                )
            elif kind == "street+present":
                present = rng.random() < 0.7
                queries.append(
                    Query(
                        PersonFilters(unit=street.code, present=present),
                        f"SELECT id FROM registry_person WHERE {scope[0]} AND {unit_sql} "
                        f"AND present = %s {limit}",
                        [*scope[1], *unit_params, present],
                    )
                )
            else:
                band = rng.choice(list(AGE_BANDS))
                province = rng.choice(demo.ORIGINS)[0][:2]
                earliest, latest = birth_range(today, *AGE_BANDS[band])
                queries.append(
                    Query(
                        PersonFilters(age_band=band, origin_province=province),
                        f"SELECT id FROM registry_person WHERE {scope[0]} AND origin_province = %s "
                        f"AND birth_date >= %s AND birth_date <= %s {limit}",
                        [
                            *scope[1],
                            province,
                            connection.ops.adapt_datefield_value(earliest),
                            connection.ops.adapt_datefield_value(latest),
                        ],
                    )
                )
        return queries
    # Search kinds: draw persons the user can see and derive the query from them.
    sample = _sample_persons(user, count * 3, rng)
    for person in sample:
        if len(queries) == count:
            break
        chars = NON_KEY.sub("", person["name"])
        if kind == "id":
            number = crypto.decrypt(person["id_number_enc"])
            queries.append(
                Query(
                    PersonFilters(q=number),
                    f"SELECT id FROM registry_person WHERE id_number_hash = %s AND {scope[0]} {limit}",
                    [person["id_number_hash"], *scope[1]],
                )
            )
        elif kind == "phone":
            phone = crypto.decrypt(person["phone_enc"])
            if not phone:
                continue
            queries.append(
                Query(
                    PersonFilters(q=phone),
                    f"SELECT id FROM registry_person WHERE phone_hash = %s AND {scope[0]} {limit}",
                    [person["phone_hash"], *scope[1]],
                )
            )
        elif kind in ("name1", "name2", "name3"):
            size = int(kind[-1])
            if len(chars) < size:
                continue
            start = rng.randrange(len(chars) - size + 1)
            text = chars[start : start + size]
            sql, params = _fts_baseline(spaced_chars(text), scope)
            queries.append(Query(PersonFilters(q=text), sql, params))
        else:
            if kind == "initials":
                key = person["pinyin_initials"][: rng.choice((2, 3))]
                if len(key) < 2:
                    continue
            else:
                full = person["pinyin_full"]
                key = full[: rng.randrange(min(4, len(full)), len(full) + 1)]
            columns = ("pinyin_initials", "pinyin_full", "latin_key")
            if connection.vendor == "sqlite":  # the faster form for each database
                ids = " UNION ALL ".join(
                    f"SELECT id FROM registry_person WHERE {c} >= %s AND {c} < %s" for c in columns
                )
                condition = f"id IN ({ids})"
            else:
                condition = "(" + " OR ".join(f"({c} >= %s AND {c} < %s)" for c in columns) + ")"
            queries.append(
                Query(
                    PersonFilters(q=key),
                    f"SELECT id FROM registry_person WHERE {condition} AND {scope[0]} {limit}",
                    [key, key + "{"] * 3 + scope[1],
                )
            )
    if len(queries) < count:
        raise CommandError(f"不足以生成 {count} 个“{kind}”查询：人员太少。")
    return queries


def _sample_persons(user: User, count: int, rng: random.Random) -> list[dict[str, Any]]:
    """Up to `count` random persons the user can see."""
    fields = ["id", "name", "id_number_enc", "id_number_hash", "phone_enc", "phone_hash"]
    fields += ["pinyin_full", "pinyin_initials"]
    if user.data_scope != DataScope.ALL:
        visible = person_list_for(user, PersonFilters())
        ids = list(visible.values_list("id", flat=True))
        chosen = rng.sample(ids, min(count, len(ids)))
        return list(Person.objects.filter(id__in=chosen).values(*fields))
    bounds = Person.objects.order_by("id").values_list("id", flat=True)
    low, high = bounds.first(), bounds.last()
    if low is None or high is None:
        return []
    picked: dict[int, dict[str, Any]] = {}
    for _attempt in range(20):
        ids = [rng.randint(low, high) for _ in range(count)]
        for row in Person.objects.filter(id__in=ids).values(*fields):
            picked.setdefault(row["id"], row)
        if len(picked) >= count:
            break
    rows = list(picked.values())
    rng.shuffle(rows)
    return rows[:count]


def app_ids(user: User, filters: PersonFilters) -> list[int]:
    rows, _next = keyset_page(person_list_for(user, filters), after=None, size=PAGE)
    return [p.pk for p in rows]


def raw_ids(query: Query) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(query.sql, query.params)
        return [r[0] for r in cursor.fetchall()][:PAGE]


def measure(user: User, label: str, kind: str, queries: list[Query], warmup: int = 5) -> Result:
    result = Result(label, kind)
    for query in queries[:warmup]:
        app_ids(user, query.filters)
        raw_ids(query)
    clock = time.perf_counter
    for query in queries:
        t0 = clock()
        got = app_ids(user, query.filters)
        t1 = clock()
        expected = raw_ids(query)
        t2 = clock()
        result.app.append((t1 - t0) * 1000)
        result.base.append((t2 - t1) * 1000)
        result.rows.append(len(got))
        if got != expected:
            result.mismatches += 1
    return result


def explain(query: Query, user: User) -> str:
    """The query plan of the app's SQL for one query."""
    qs = person_list_for(user, query.filters)[: PAGE + 1]
    sql, params = qs.query.sql_with_params()
    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql, params)
        rows = cursor.fetchall()
    if connection.vendor == "sqlite":
        return "\n".join(f"    {r[-1]}" for r in rows)
    return "\n".join(f"    {r[0]}" for r in rows)


# The command --------------------------------------------------------------------------------


class Command(BaseCommand):
    help = "Benchmarks on synthetic data (use a throw-away DATABASE_URL, e.g. var/bench.sqlite3)."

    def add_arguments(self, parser):
        subparsers = parser.add_subparsers(dest="subcommand", required=True)
        search = subparsers.add_parser(
            "search",
            help="search and first-page list timings, app versus raw SQL baseline",
        )
        search.add_argument("--persons", type=int, required=True)
        search.add_argument("--seed", type=int, default=1)
        search.add_argument("--queries", type=int, default=200, help="queries per kind")
        search.add_argument("--kinds", default=",".join(KINDS), help="comma-separated kinds")
        search.add_argument(
            "--analyze",
            action="store_true",
            help="run ANALYZE first on SQLite (see docs: it can hurt); always done on PostgreSQL",
        )
        search.add_argument(
            "--explain", dest="show_plans", action="store_true", help="print each kind's plan"
        )
        search.add_argument("--json", action="store_true", help="end with one line of JSON")
        bulk = subparsers.add_parser(
            "import",
            help="import throughput: the app versus raw bulk insert and django-import-export",
        )
        bulk.add_argument("--rows", type=int, required=True)
        bulk.add_argument("--seed", type=int, default=1)
        bulk.add_argument(
            "--sample", type=int, default=3000, help="rows for django-import-export (0 to skip)"
        )
        bulk.add_argument("--json", action="store_true", help="end with one line of JSON")
        stats = subparsers.add_parser(
            "stats",
            help="statistics: the monthly form and the dashboard from the counts, versus counting the registry",
        )
        stats.add_argument("--persons", type=int, required=True)
        stats.add_argument("--seed", type=int, default=1)
        stats.add_argument("--repeat", type=int, default=20, help="runs of each timing")
        stats.add_argument(
            "--fill",
            choices=["demo", "synthetic"],
            default="demo",
            help="demo: the demo city with families, housing and five years of stays (slow to "
            "load); synthetic: the search bench's persons (COPY) with one stay each, for 10M",
        )
        stats.add_argument("--json", action="store_true", help="end with one line of JSON")

    def handle(self, *args, subcommand: str, **options):
        if subcommand == "search":
            self.search(**options)
        elif subcommand == "import":
            self.bulk_import(**options)
        elif subcommand == "stats":
            self.stats(**options)

    def stats(
        self, *, persons: int, seed: int, repeat: int, fill: str, json: bool, **_options
    ) -> None:
        from tongxin.reports.bench import bench_stats

        if persons < 1 or repeat < 1:
            raise CommandError("--persons 和 --repeat 必须为正数。")

        def synthetic() -> tuple[float | None, str, str]:
            # The statistics do not read the persons' search indexes while filling; a first
            # load builds them once at the end (the rate reported includes that build).
            rate = self._prepare(persons, seed, defer_indexes=True)
            started = time.perf_counter()
            stays = synthetic_stays()
            self.log(f"{stays:,} stays in {time.perf_counter() - started:.0f} s")
            bench_users(bench_units()[0][0])
            return (persons / rate if rate else None), f"{BENCH_CITY}00", BENCH_ADMIN

        try:
            result = bench_stats(
                persons,
                seed=seed,
                repeat=repeat,
                progress=self.log,
                fill=synthetic if fill == "synthetic" else None,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        w = self.stdout.write
        w(
            f"database           {result['database']}, {result['persons']:,} persons, {result['stays']:,} stays, {result['grids']:,} grids"
        )
        if result["fill_seconds"] is not None:
            w(f"fill               {result['fill_seconds']:.0f} s")
        w(
            f"counts, first build {result['build_seconds']:.1f} s: {result['months']} months, "
            f"{result['unit_months']:,} unit-months, {result['counts_mb']:.1f} MB"
        )
        for key, label in (
            ("form", "city monthly form"),
            ("dashboard", "dashboard data"),
            ("refresh_after_one_change", "refresh, 1 change"),
            ("baseline_fold", "registry fold"),
            ("baseline_group_by", "registry GROUP BY"),
        ):
            r = result[key]
            w(
                f"{label:<19}p50 {r['p50_ms']:>9.1f} ms   p95 {r['p95_ms']:>9.1f} ms   ({r['runs']} runs)"
            )
        w(
            f"form from the counts: {result['form_vs_fold']:.1f}× faster than folding the registry, "
            f"{result['form_vs_group_by']:.1f}× faster than one GROUP BY; "
            f"baselines agree: {result['baselines_agree']}"
        )
        if json:
            self.stdout.write(_json.dumps(result, ensure_ascii=False, default=str))

    def bulk_import(self, *, rows: int, seed: int, sample: int, json: bool, **_options) -> None:
        from tongxin.exchange.bench import bench_import

        if rows < 1 or sample < 0:
            raise CommandError("--rows 必须为正数，--sample 不能为负数。")
        result = bench_import(rows, seed=seed, sample=sample, progress=self.log)
        app, lower = result["app"], result["lower_bound"]
        self.stdout.write(f"database           {result['database']}")
        self.stdout.write(
            f"app import         {app['rows_per_s']:>10,.0f} rows/s  ({app['rows']} rows, {app['seconds']:.1f} s, peak +{app['peak_rss_mb_delta']:.0f} MB)"
        )
        self.stdout.write(
            f"raw bulk insert    {lower['rows_per_s']:>10,.0f} rows/s  (lower bound: the same rows into equivalent tables; app is {result['app_vs_lower_bound']:.1f}× slower)"
        )
        bare = result["bare_insert"]
        self.stdout.write(
            f"bare insert        {bare['rows_per_s']:>10,.0f} rows/s  (persons only, no index; app is {result['app_vs_bare_insert']:.1f}× slower)"
        )
        if "django_import_export" in result:
            ie = result["django_import_export"]
            self.stdout.write(
                f"django-import-export {ie['rows_per_s']:>8,.0f} rows/s  (app is {result['app_vs_django_import_export']:.1f}× faster)"
            )
        export = result["export"]
        self.stdout.write(
            f"CSV export         {export['rows_per_s']:>10,.0f} rows/s  ({export['rows']} rows, peak +{export['peak_rss_mb_delta']:.0f} MB)"
        )
        xlsx = result["xlsx_export"]
        self.stdout.write(
            f"XLSX export        {xlsx['rows_per_s']:>10,.0f} rows/s  ({xlsx['rows']} rows, {xlsx['megabytes']:.1f} MB, peak +{xlsx['peak_rss_mb_delta']:.0f} MB)"
        )
        if "openpyxl" in xlsx:
            opx = xlsx["openpyxl"]
            self.stdout.write(
                f"  openpyxl write-only {opx['rows_per_s']:>7,.0f} rows/s  ({opx['rows']} rows; app is {xlsx['rows_per_s'] / opx['rows_per_s']:.1f}× faster)"
            )
        if json:
            self.stdout.write(_json.dumps(result, ensure_ascii=False))

    def log(self, message: str) -> None:
        self.stderr.write(message)
        sys.stderr.flush()

    def _prepare(self, persons: int, seed: int, defer_indexes: bool = False) -> float | None:
        """Fill the bench persons, or reuse those of a previous run with the same N."""
        existing = Person.objects.count()
        if existing:
            foreign = Person.objects.exclude(unit_path__startswith=BENCH_CITY).exists()
            if foreign or existing != persons:
                raise CommandError(
                    f"数据库中已有 {existing} 名人员，不是同一规模（{persons}）的基准测试数据。"
                    "基准测试只能在空数据库上运行，例如 "
                    "DATABASE_URL=sqlite:///var/bench.sqlite3 tongxin migrate && tongxin bench …"
                )
            self.log(f"reusing the {existing} persons of a previous bench run")
            return None
        self.log(f"filling {persons} persons ({connection.vendor})…")
        _streets, grids = bench_units()

        def progress(done: int, seconds: float) -> None:
            if done % 100_000 == 0 or done == persons:
                self.log(f"  {done:>9} persons  {done / seconds:,.0f} rows/s")

        rate = fill_persons(
            persons, seed=seed, grids=grids, progress=progress, defer_indexes=defer_indexes
        )
        self.log(f"filled at {rate:,.0f} rows/s")
        return rate

    def search(
        self,
        *,
        persons: int,
        seed: int,
        queries: int,
        kinds: str,
        analyze: bool,
        show_plans: bool,
        json: bool,
        **_options,
    ) -> None:
        if persons < 1 or queries < 1:
            raise CommandError("--persons 和 --queries 必须为正数。")
        chosen = [k.strip() for k in kinds.split(",") if k.strip()]
        unknown = set(chosen) - set(KINDS)
        if unknown:
            raise CommandError(f"未知的查询类型：{', '.join(sorted(unknown))}")
        rate = self._prepare(persons, seed)
        streets, _grids = bench_units()
        admin, officer = bench_users(streets[0])
        if analyze or connection.vendor == "postgresql":
            # PostgreSQL: autovacuum analyzes a freshly filled table within a minute or so;
            # without statistics the planner takes the partial "not merged" indexes for
            # selective ones (a 1M-entry bitmap scan beside each ID lookup, 30 ms).
            self.log("ANALYZE…")
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE registry_person" if not analyze else "ANALYZE")
        rng = random.Random(seed)
        results: list[Result] = []
        plans: dict[str, str] = {}
        for label, user in (("all", admin), ("street", officer)):
            for kind in chosen:
                batch = make_queries(kind, user=user, count=queries, rng=rng, streets=streets)
                if show_plans:
                    plans[f"{label}/{kind}"] = plan = explain(batch[0], user)
                    shown = {k: v for k, v in vars(batch[0].filters).items() if v}
                    self.log(f"{label}/{kind}: {shown}\n{plan}")
                result = measure(user, label, kind, batch)
                summary = result.summary()
                self.log(
                    f"  {label:6} {kind:17} p50 {summary['p50_ms']:8.2f}  p95 {summary['p95_ms']:8.2f} ms"
                    f"  (baseline {summary['base_p95_ms']:.2f})"
                )
                results.append(result)
        self._report(results, persons=persons, rate=rate, plans=plans, as_json=json)

    def _report(
        self,
        results: list[Result],
        *,
        persons: int,
        rate: float | None,
        plans: dict[str, str],
        as_json: bool,
    ) -> None:
        summaries = [r.summary() for r in results]
        head = (
            f"{'user':6} {'kind':17} {'p50 ms':>8} {'p95 ms':>8} {'base p50':>9} {'base p95':>9}"
            f" {'ratio50':>8} {'ratio95':>8} {'rows':>6} {'diff':>5}"
        )
        self.stdout.write(
            f"{persons} persons, {connection.vendor}, {len(results[0].app)} queries per kind"
        )
        self.stdout.write(head)
        for s in summaries:
            self.stdout.write(
                f"{s['user']:6} {s['kind']:17} {s['p50_ms']:8.2f} {s['p95_ms']:8.2f}"
                f" {s['base_p50_ms']:9.3f} {s['base_p95_ms']:9.3f} {s['ratio_p50'] or 0:8.1f}"
                f" {s['ratio_p95'] or 0:8.1f} {s['mean_rows']:6.1f} {s['mismatches']:5}"
            )
        worst = max(s["p95_ms"] for s in summaries)
        self.stdout.write(f"worst p95: {worst:.2f} ms")
        if as_json:
            self.stdout.write(
                json_dumps(
                    {
                        "persons": persons,
                        "vendor": connection.vendor,
                        "fill_rows_per_s": round(rate) if rate else None,
                        "worst_p95_ms": worst,
                        "results": summaries,
                        "plans": plans,
                    }
                )
            )


def json_dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False)
