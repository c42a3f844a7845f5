"""`tongxin bench import`: the import measured against its lower bound and the usual tool.

In one process, on the same generated rows:
- the app: `Importer` end to end (parse, validate, encrypt, deduplicate, write with history);
- the lower bound: the same rows the app writes (person, stay, their history rows, the name
  index), already validated, encrypted and laid out, written the cheapest raw way (the rows
  by `executemany` on SQLite or `COPY` on PostgreSQL, their history copied by the database)
  into empty copies of the app's tables with the same indexes;
- the bare insert, stricter still: the persons' rows alone into a table with no index;
- what a Django developer would pick: django-import-export with a ModelResource on the same
  file (on a sample: it is two orders of magnitude slower).
"""

from __future__ import annotations

import csv
import os
import random
import resource
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

from django.db import connection, transaction

from tongxin.geo.models import Level, Unit
from tongxin.registry.models import Person, Stay

from .importer import Importer, job_for_file

HEADERS = "姓名 性别 民族 公民身份号码 出生日期 联系电话 户籍地址 流出地 现居住地址 网格编码 来本地日期 流动原因 职业 工作单位".split()
ETHNIC_NAMES = {
    "03": "回族",
    "05": "维吾尔族",
    "04": "藏族",
    "10": "朝鲜族",
    "02": "蒙古族",
    "11": "满族",
    "06": "苗族",
    "08": "壮族",
    "15": "土家族",
    "14": "白族",
    "17": "哈萨克族",
}


def write_rows(path: Path, count: int, *, seed: int, grids: list[str], start: int = 0) -> Path:
    """A standard-template CSV of `count` valid, distinct persons."""
    from tongxin.registry.demo import ORIGINS, _name, citizen_id

    rng = random.Random(seed)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADERS)
        for i in range(start, start + count):
            region, ethnicity = ORIGINS[i % len(ORIGINS)]
            # A distinct (birth date, sequence) per row within each region.
            k = i // len(ORIGINS)
            birth = date(1950, 1, 1) + timedelta(days=k % 18000)
            sequence = (k // 18000) * 2 + 1
            writer.writerow(
                [
                    _name(rng, ethnicity),
                    "男",
                    ETHNIC_NAMES.get(ethnicity, ethnicity),
                    citizen_id(region, birth, sequence),
                    birth.isoformat(),
                    f"13{i % 10**9:09d}",
                    "原籍地址",
                    region,
                    "现住址",
                    grids[i % len(grids)],
                    "2025-03-01",
                    "务工",
                    "4",
                    "某公司",
                ]
            )
    return path


def bench_grids(limit: int = 500) -> list[str]:
    grids = list(
        Unit.objects.filter(level=Level.GRID)
        .order_by("path")
        .values_list("code", flat=True)[:limit]
    )
    if grids:
        return grids
    from tongxin.geo.services import divisions_load, grids_draw

    divisions_load("410104")
    grids_draw(
        actor=None, communities=list(Unit.objects.filter(level=Level.COMMUNITY)), per_community=2
    )
    return list(
        Unit.objects.filter(level=Level.GRID)
        .order_by("path")
        .values_list("code", flat=True)[:limit]
    )


class PeakRss:
    """How much this process's resident memory grew at most while the block ran, sampled
    every 20 ms. `ru_maxrss` only ever rises: once the import has raised it, an export's
    growth would not show in it."""

    def __enter__(self) -> PeakRss:
        self.base = self.peak = _rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="bench-rss", daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, _rss_mb())

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_mb())

    @property
    def grown_mb(self) -> float:
        return max(self.peak - self.base, 0.0)


def _rss_mb() -> float:
    """Resident memory now (Linux); elsewhere the peak so far, which is all there is."""
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[1])
    except OSError:
        return _peak_rss_mb()
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_app(path: Path) -> dict:
    job = job_for_file(path, actor=None, source=f"bench-{path.stem}", filename=path.name)
    started = time.perf_counter()
    job = Importer(job, actor=None).run()
    seconds = time.perf_counter() - started
    return {
        "rows": job.total,
        "created": job.created,
        "seconds": seconds,
        "rows_per_s": job.total / seconds,
        "status": job.status,
        "message": job.message,
    }


def _prepared_rows(path: Path) -> tuple[Importer, list]:
    """The file's rows validated and encrypted by the app (outside any clock)."""
    from .importer import resolve_columns
    from .readers import open_table

    importer = Importer(
        job_for_file(path, actor=None, source="bench-lower", filename=path.name), actor=None
    )
    table = open_table(path)
    columns = resolve_columns(table.headers, None)
    prepared = [
        p
        for n, cells in table.rows
        if not isinstance(p := importer.prepare(n, cells, columns), tuple) and p
    ]
    return importer, prepared


def run_bare_insert(prepared: list) -> dict:
    """The strictest bound: only the persons table's rows, in one statement, into a copy of
    the table without a single index."""
    from tongxin.core.bulk import Inserter

    tuples = [(i + 1, *p.person) for i, p in enumerate(prepared)]
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_lower_person")
        cursor.execute(
            "CREATE TABLE bench_lower_person AS SELECT * FROM registry_person WHERE 1 = 0"
        )
    inserter = Inserter(Person, table="bench_lower_person")
    started = time.perf_counter()
    with transaction.atomic():
        inserter.insert_tuples(tuples)
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_lower_person")
    return {"rows": len(tuples), "seconds": seconds, "rows_per_s": len(tuples) / seconds}


# The tables an import writes for a new person, in the order their copies are made.
WRITTEN = (
    "registry_person",
    "registry_stay",
    "registry_historicalperson",
    "registry_historicalstay",
)
COPY_PREFIX = "bench_lower_"


def _copy_tables() -> None:
    """Empty copies of the written tables with the same columns, keys and indexes (and, on
    SQLite, the same full-text index of names), referring to each other."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for name in WRITTEN:
                cursor.execute(f"CREATE TABLE {COPY_PREFIX}{name} (LIKE {name} INCLUDING ALL)")
            # LIKE copies no foreign key: add them, the copies referring to each other.
            for name in WRITTEN:
                cursor.execute(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
                    " WHERE conrelid = %s::regclass AND contype = 'f'",
                    [name],
                )
                for constraint, definition in cursor.fetchall():
                    for table in WRITTEN:
                        definition = definition.replace(
                            f"REFERENCES {table}(", f"REFERENCES {COPY_PREFIX}{table}("
                        )
                    cursor.execute(
                        f"ALTER TABLE {COPY_PREFIX}{name} ADD CONSTRAINT "
                        f"{COPY_PREFIX}{constraint} {definition}"
                    )
            return
        for name in WRITTEN:
            cursor.execute(
                "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = %s AND sql IS NOT NULL"
                " AND type IN ('table', 'index') ORDER BY type DESC",
                [name],
            )
            for kind, object_name, sql in cursor.fetchall():
                for table in WRITTEN:
                    sql = sql.replace(f'"{table}"', f'"{COPY_PREFIX}{table}"')
                if kind == "index":
                    sql = sql.replace(f'"{object_name}"', f'"{COPY_PREFIX}{object_name}"', 1)
                cursor.execute(sql)
        cursor.execute(
            f"CREATE VIRTUAL TABLE {COPY_PREFIX}registry_person_fts USING fts5(search_chars, "
            f"content='{COPY_PREFIX}registry_person', content_rowid='id', tokenize='unicode61')"
        )


def _drop_copies() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"DROP TABLE IF EXISTS {COPY_PREFIX}registry_person_fts")
        else:
            # Inside an outer transaction (a test) the copies' deferred foreign-key checks
            # are still pending, and PostgreSQL drops no table with pending checks.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for name in reversed(WRITTEN):
            cursor.execute(f"DROP TABLE IF EXISTS {COPY_PREFIX}{name}")


def run_lower_bound(importer: Importer, prepared: list) -> dict:
    """The issue's lower bound: the same rows the app writes for new persons, pre-validated
    and laid out, written the cheapest raw way into empty tables equivalent to the app's
    (same columns, keys and indexes), committed in the app's batches: the persons and
    stays sent with `executemany` (SQLite) or `COPY` (PostgreSQL); their history rows, and
    on SQLite the full-text index of names, copied by the database from them. Only the
    writing and committing are timed."""
    from tongxin.core.bulk import BackgroundCheckpoints, Inserter, history_from_rows

    from .importer import BATCH_SIZE, STAY_PERSON

    when = connection.ops.adapt_datetimefield_value(importer.now)
    person_insert = Inserter(Person, table=COPY_PREFIX + "registry_person")
    stay_insert = Inserter(Stay, table=COPY_PREFIX + "registry_stay")
    persons, stays = [], []
    for pk, p in enumerate(prepared, start=1):
        persons.append((pk, *p.person))
        stay = [pk, *p.stay]
        stay[STAY_PERSON] = pk
        stays.append(stay)
    names = (
        f"INSERT INTO {COPY_PREFIX}registry_person_fts (rowid, search_chars) "  # noqa: S608
        f"SELECT id, search_chars FROM {COPY_PREFIX}registry_person WHERE id BETWEEN %s AND %s"
    )
    _drop_copies()
    _copy_tables()
    try:
        started = time.perf_counter()
        # As the app does: SQLite's log copied back in a thread, not by the committer.
        with BackgroundCheckpoints() as checkpoints:
            for start in range(0, len(persons), BATCH_SIZE):
                first, last = start + 1, min(start + BATCH_SIZE, len(persons))
                with transaction.atomic(), connection.cursor() as cursor:
                    person_insert.insert_tuples(persons[start:last])
                    stay_insert.insert_tuples(stays[start:last])
                    # The app's own way: copied by the database from the rows just written.
                    for model, name in ((Person, "registry_person"), (Stay, "registry_stay")):
                        history_from_rows(
                            model,
                            list(range(first, last + 1)),
                            when=when,
                            kind="+",
                            reason=importer.reason,
                            user_id=None,
                            tables=(
                                COPY_PREFIX + name,
                                COPY_PREFIX + name.replace("registry_", "registry_historical"),
                            ),
                        )
                    if connection.vendor == "sqlite":
                        cursor.execute(names, [first, last])
                checkpoints.committed()
        seconds = time.perf_counter() - started
        with connection.cursor() as cursor:
            written = {}
            for name in WRITTEN:
                cursor.execute(f"SELECT count(*) FROM {COPY_PREFIX}{name}")  # noqa: S608
                written[name] = cursor.fetchone()[0]
    finally:
        _drop_copies()
    return {
        "rows": len(persons),
        "seconds": seconds,
        "rows_per_s": len(persons) / seconds,
        "written": written,
    }


def run_import_export(path: Path, sample: int) -> dict:
    """django-import-export 4 with a ModelResource on the first `sample` rows of the file."""
    import tablib
    from import_export import fields, resources

    from tongxin.core import crypto
    from tongxin.registry.models import mask_document
    from tongxin.registry.search_keys import search_keys

    class PersonResource(resources.ModelResource):
        name = fields.Field(attribute="name", column_name="姓名")
        birth_date = fields.Field(attribute="birth_date", column_name="出生日期")

        class Meta:
            model = Person
            import_id_fields = ["id_number_hash"]
            fields = ["name", "birth_date", "id_number_hash"]
            skip_unchanged = True

        def before_import_row(self, row, **kwargs):
            number = row["公民身份号码"]
            row["id_number_hash"] = crypto.blind_index(number, purpose="id_number")
            self._extra = {
                "sex": "1" if row["性别"] == "男" else "2",
                "ethnicity": "05",
                "id_number_enc": crypto.encrypt(number),
                "id_number_masked": mask_document(number),
                "phone_enc": crypto.encrypt(row["联系电话"]),
                "unit_path": row["网格编码"],
                **search_keys(row["姓名"]),
            }

        def import_instance(self, instance, row, **kwargs):
            super().import_instance(instance, row, **kwargs)
            for key, value in self._extra.items():
                setattr(instance, key, value)

    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        headers = next(reader)
        data = [r for _i, r in zip(range(sample), reader, strict=False)]
    dataset = tablib.Dataset(*data, headers=headers)
    dataset.append_col([""] * len(data), header="id_number_hash")
    started = time.perf_counter()
    result = PersonResource().import_data(dataset, dry_run=False, raise_errors=True)
    seconds = time.perf_counter() - started
    return {
        "rows": len(data),
        "seconds": seconds,
        "rows_per_s": len(data) / seconds,
        "errors": result.has_errors(),
    }


def run_export() -> dict:
    """Stream every person through the CSV export path (masked), counting rows and bytes."""
    from tongxin.registry.exports import export_rows

    writer = csv.writer(_Sink())
    with PeakRss() as memory:
        started = time.perf_counter()
        count = 0
        for row in export_rows(Person.objects.filter(merged_into__isnull=True), full=False):
            writer.writerow(row)
            count += 1
        seconds = time.perf_counter() - started
    return {
        "rows": count,
        "seconds": seconds,
        "rows_per_s": count / max(seconds, 1e-9),
        "peak_rss_mb_delta": memory.grown_mb,
    }


def run_xlsx_export(sample: int) -> dict:
    """Every person through the Excel export path (masked) into a file on disk, as the page
    does; and, for comparison, openpyxl's write-only mode on the first `sample` of them."""
    from itertools import islice
    from types import SimpleNamespace

    from openpyxl import Workbook

    from tongxin.registry.exports import HEADERS, export_rows

    from .exports import write_person_xlsx

    persons = Person.objects.filter(merged_into__isnull=True)
    with tempfile.TemporaryFile() as target, PeakRss() as memory:
        started = time.perf_counter()
        count = write_person_xlsx(
            target, SimpleNamespace(username="bench"), persons, full=False, purpose="bench"
        )
        seconds = time.perf_counter() - started
        size = target.tell()
    result: dict[str, object] = {
        "rows": count,
        "seconds": seconds,
        "rows_per_s": count / max(seconds, 1e-9),
        "megabytes": size / 1e6,
        "peak_rss_mb_delta": memory.grown_mb,
    }
    if sample:
        with tempfile.TemporaryFile() as target:
            started = time.perf_counter()
            book = Workbook(write_only=True)
            sheet = book.create_sheet("人员名单")
            sheet.append(HEADERS)
            rows = 0
            for row in islice(export_rows(persons, full=False), sample):
                sheet.append(row)
                rows += 1
            book.save(target)
            seconds = time.perf_counter() - started
        result["openpyxl"] = {"rows": rows, "rows_per_s": rows / max(seconds, 1e-9)}
    return result


class _Sink:
    def write(self, value):
        return len(value)


def bench_import(rows: int, *, seed: int = 1, sample: int = 3000, progress=print) -> dict:
    grids = bench_grids()
    workdir = Path(tempfile.mkdtemp(prefix="tongxin-bench-"))
    offset = Person.objects.count() * 7 + 1_000_000 * seed
    progress(f"writing {rows} rows …")
    app_file = write_rows(workdir / "app.csv", rows, seed=seed, grids=grids, start=offset)
    rss_before = _peak_rss_mb()
    progress("app import …")
    app = run_app(app_file)
    app["peak_rss_mb_delta"] = max(_peak_rss_mb() - rss_before, 0.0)
    progress("lower bound …")
    lower_file = write_rows(
        workdir / "lower.csv", rows, seed=seed + 1, grids=grids, start=offset + rows
    )
    importer, prepared = _prepared_rows(lower_file)
    lower = run_lower_bound(importer, prepared)
    progress("bare insert …")
    bare = run_bare_insert(prepared)
    result = {
        "rows": rows,
        "database": connection.vendor,
        "app": app,
        "lower_bound": lower,
        "app_vs_lower_bound": lower["rows_per_s"] / app["rows_per_s"],
        "bare_insert": bare,
        "app_vs_bare_insert": bare["rows_per_s"] / app["rows_per_s"],
    }
    progress("export …")
    result["export"] = run_export()
    result["xlsx_export"] = run_xlsx_export(min(rows, max(sample, 1000) * 10) if sample else 0)
    if sample:
        progress(f"django-import-export on {sample} rows …")
        ie_file = write_rows(
            workdir / "ie.csv", sample, seed=seed + 2, grids=grids, start=offset + 2 * rows
        )
        ie = run_import_export(ie_file, sample)
        result["django_import_export"] = ie
        result["app_vs_django_import_export"] = app["rows_per_s"] / ie["rows_per_s"]
    return result
