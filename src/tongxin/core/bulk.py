"""Set-based writes for imports: pre-allocated ids, executemany on SQLite, COPY on
PostgreSQL. The ORM's bulk_create manages ~14,000 rows/s on SQLite (the 999-parameter cap
gives 71 rows per INSERT); these paths run near the database's own bulk-insert rate."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import partial
from operator import itemgetter
from typing import Any

from django.db import DatabaseError, connection, models, transaction
from django.db.models.expressions import RawSQL


def allocate_ids(model: type[models.Model], count: int) -> list[int]:
    """Ids for `count` new rows. Call inside the transaction that inserts them: on SQLite the
    transaction holds the write lock (IMMEDIATE), on PostgreSQL the sequence hands them out."""
    if count == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {connection.ops.quote_name(table)}")  # noqa: S608
        start = cursor.fetchone()[0] + 1
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        if row is not None and row[0] >= start:
            start = row[0] + 1
        return list(range(start, start + count))


def ids_where_in(model: type[models.Model], column: str, values: list) -> list[int]:
    """Ids of the rows whose `column` is one of `values`, without the ORM: for an import's
    lookup of thousands of documents at once, building the `IN` list through the ORM cost
    more than the lookup (PostgreSQL gets one array parameter instead)."""
    table = connection.ops.quote_name(model._meta.db_table)
    quoted = connection.ops.quote_name(column)
    found: list[int] = []
    # SQLite builds may allow only 999 parameters a statement (Django assumes so).
    size = min(2000, connection.features.max_query_params or 2000)
    with connection.cursor() as cursor:
        for start in range(0, len(values), size):
            chunk = values[start : start + size]
            if connection.vendor == "postgresql":
                cursor.execute(f"SELECT id FROM {table} WHERE {quoted} = ANY(%s)", [chunk])  # noqa: S608
            else:
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(f"SELECT id FROM {table} WHERE {quoted} IN ({marks})", chunk)  # noqa: S608
            found.extend(row[0] for row in cursor.fetchall())
    return found


def id_set(ids: Iterable[int]) -> RawSQL:
    """Ids for an `__in` filter as one parameter (a JSON array on SQLite, an array on
    PostgreSQL): the ORM prepares an `IN` list value by value, which cost an export more than
    the grouped queries it fed (900 ids a chunk, three queries a chunk)."""
    values = [int(pk) for pk in ids]
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [values])
    return RawSQL("SELECT value FROM json_each(%s)", [json.dumps(values)])


class Inserter:
    """Insert rows (dicts keyed by column name) into one model's table, fast."""

    def __init__(
        self, model: type[models.Model], *, include_pk: bool = True, table: str | None = None
    ):
        """`table`: another table of the same columns (the benchmark's copies)."""
        self.model = model
        fields = [f for f in model._meta.concrete_fields if include_pk or not f.primary_key]
        self.columns = [f.column for f in fields]
        getter = itemgetter(*self.columns)
        # itemgetter of a single column returns the bare value, not a 1-tuple.
        self.getter = getter if len(self.columns) > 1 else (lambda row: (getter(row),))
        ops = connection.ops
        self.adapters: dict[str, Any] = {}
        for f in fields:
            kind = f.get_internal_type()
            if kind == "DateField":
                self.adapters[f.column] = ops.adapt_datefield_value
            elif kind == "DateTimeField":
                self.adapters[f.column] = ops.adapt_datetimefield_value
            elif kind == "JSONField":
                self.adapters[f.column] = partial(f.get_db_prep_save, connection=connection)
        quoted = ", ".join(ops.quote_name(c) for c in self.columns)
        self.table = ops.quote_name(table or model._meta.db_table)
        self.sql = (
            f"INSERT INTO {self.table} ({quoted}) VALUES ({', '.join(['%s'] * len(self.columns))})"  # noqa: S608
        )
        self.copy_sql = f"COPY {self.table} ({quoted}) FROM STDIN"

    def tuples(self, rows: Iterable[dict[str, Any]]) -> list[tuple]:
        """Parameters in column order; keys that are not columns are ignored, missing
        columns are NULL."""
        adapters, columns, getter = list(self.adapters.items()), self.columns, self.getter
        out = []
        for row in rows:
            for column, adapt in adapters:
                value = row.get(column)
                if value is not None and not isinstance(value, str):
                    row[column] = adapt(value)
            try:
                out.append(getter(row))
            except KeyError:
                out.append(tuple(row.get(c) for c in columns))
        return out

    def insert(self, rows: list[dict[str, Any]]) -> int:
        if not rows:
            return 0
        return self.insert_tuples(self.tuples(rows))

    def insert_tuples(self, values: list) -> int:
        """Insert rows already in column order (tuples or lists), as `tuples` makes them."""
        if not values:
            return 0
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(self.copy_sql) as copy:
                    for row in values:
                        copy.write_row(row)
            else:
                cursor.executemany(self.sql, values)
        return len(values)


def history_from_rows(
    model: type[models.Model],
    ids: list[int],
    *,
    when: Any,
    kind: str,
    reason: str,
    user_id: int | None,
    tables: tuple[str, str] | None = None,
) -> None:
    """The history rows (django-simple-history) of rows just written, copied by the database
    from the rows themselves: nothing is built or sent per row. `when` as the database takes
    it (`adapt_datetimefield_value`). `tables`: (table, history table) of the same columns
    elsewhere (the benchmark's copies)."""
    if not ids:
        return
    history = model.history.model  # type: ignore[attr-defined]
    ops = connection.ops
    own = {f.column for f in model._meta.concrete_fields}
    copied = [f.column for f in history._meta.concrete_fields if f.column in own]
    names = ", ".join(ops.quote_name(c) for c in copied)
    source, target = tables or (model._meta.db_table, history._meta.db_table)
    insert = (
        f"INSERT INTO {ops.quote_name(target)} ({names}, history_date, "  # noqa: S608
        f"history_type, history_change_reason, history_user_id) "
        f"SELECT {names}, %s, %s, %s, %s FROM {ops.quote_name(source)} "
    )
    fixed = [when, kind, reason, user_id]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(insert + "WHERE id = ANY(%s)", [*fixed, list(ids)])
        elif ids[-1] - ids[0] + 1 == len(ids) and sorted(ids) == ids:
            # allocate_ids hands out a run of ids under SQLite's write lock.
            cursor.execute(insert + "WHERE id BETWEEN %s AND %s", [*fixed, ids[0], ids[-1]])
        else:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(insert + f"WHERE id IN ({marks})", [*fixed, *chunk])


def update_rows(model: type[models.Model], columns: list[str], rows: list[dict[str, Any]]) -> None:
    """UPDATE table SET columns WHERE id = row['id'], for many rows at once."""
    if not rows:
        return
    ops = connection.ops
    fields = {f.column: f for f in model._meta.concrete_fields}
    sets = ", ".join(f"{ops.quote_name(c)} = %s" for c in columns)
    sql = f"UPDATE {ops.quote_name(model._meta.db_table)} SET {sets} WHERE id = %s"  # noqa: S608
    params = []
    for row in rows:
        values = []
        for c in columns:
            value = row.get(c)
            kind = fields[c].get_internal_type()
            if value is not None and not isinstance(value, str):
                if kind == "DateField":
                    value = ops.adapt_datefield_value(value)
                elif kind == "DateTimeField":
                    value = ops.adapt_datetimefield_value(value)
            values.append(value)
        params.append((*values, row["id"]))
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def analyze(*models: type[models.Model]) -> None:
    """Refresh PostgreSQL's statistics of tables a bulk write just filled. Until autovacuum
    gets to them the planner takes a million-row table for a few hundred rows and chooses
    plans (hash joins over whole tables) that are a hundred times slower. Not on SQLite,
    whose planner does well without statistics here and worse with some (performance.md)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def secondary_indexes(model: type[models.Model]) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the table's indexes that back no constraint: what a bulk
    load may drop and build again. Unique indexes stay (they are the constraints the load
    relies on to refuse duplicates)."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes "
                "WHERE schemaname = current_schema() AND tablename = %s "
                "AND indexdef NOT LIKE 'CREATE UNIQUE%%' AND indexname NOT IN "
                "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass) "
                "ORDER BY indexname",
                [table, connection.ops.quote_name(table)],
            )
        else:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%%' ORDER BY name",
                [table],
            )
        return [(name, definition) for name, definition in cursor.fetchall()]


def _check_deferred_constraints(cursor) -> None:
    """PostgreSQL refuses to create or drop an index on a table with foreign-key checks still
    pending in the transaction (Django's are deferred to the commit): run them now."""
    if connection.vendor == "postgresql":
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def drop_indexes(*tables: type[models.Model]) -> int:
    """Drop the tables' secondary indexes, recording each (`core.DeferredIndex`) in the same
    transaction. Returns how many were dropped."""
    from tongxin.core.models import DeferredIndex

    dropped = 0
    with transaction.atomic(), connection.cursor() as cursor:
        _check_deferred_constraints(cursor)
        for model in tables:
            for name, definition in secondary_indexes(model):
                DeferredIndex.objects.create(
                    table=model._meta.db_table, name=name, definition=definition
                )
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
                dropped += 1
    return dropped


def restore_indexes() -> int:
    """Build every index a bulk load dropped (including one killed halfway), one
    transaction each. Returns how many were built."""
    from tongxin.core.models import DeferredIndex

    built = 0
    for pk in DeferredIndex.objects.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic(), connection.cursor() as cursor:
            # Its record locked: a second process building the same index waits here and
            # then finds it gone (two CREATE INDEX IF NOT EXISTS at once fail on PostgreSQL).
            deferred = DeferredIndex.objects.select_for_update().filter(pk=pk).first()
            if deferred is None:
                continue
            _check_deferred_constraints(cursor)
            # IF NOT EXISTS: built by hand, or before a kill between the build and the delete.
            cursor.execute(
                deferred.definition.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1)
            )
            deferred.delete()
        built += 1
    return built


@contextmanager
def deferred_indexes(*tables: type[models.Model]) -> Iterator[None]:
    """A first load into (nearly) empty tables: their secondary indexes are dropped while the
    rows go in and built once from the loaded data at the end — several times faster than
    keeping them current row by row (performance.md: ten million persons on PostgreSQL went
    from 2,100 to 13,600 rows/s)."""
    drop_indexes(*tables)
    try:
        yield
    finally:
        restore_indexes()


class BackgroundCheckpoints:
    """SQLite in WAL mode copies its log back into the database file at the commit that
    takes the log past 1,000 pages, and the committing connection waits for it, fsync
    included: a quarter of an import's time. During a bulk write the copying runs instead in
    a thread with its own connection, after each commit (`committed()`), while the writer
    goes on preparing its next batch; SQLite releases Python's lock while it works. A
    PASSIVE checkpoint never blocks the writer.

    The log only starts again from its beginning when a write begins after a checkpoint has
    copied all of it; a writer that always begins its next batch while the thread is still
    copying would grow it without end (477 MB for 100,000 persons). So once the log passes
    `log_limit`, `committed()` waits for a checkpoint of everything committed so far: the
    wait is short, most of the log having been copied already.

    Nothing happens on other databases or when the database is not in WAL mode (an
    in-memory test database). If the thread fails, the writer goes back to checkpointing
    itself at its next commit."""

    # 256 MB: on a quick disk the writer then rarely waits (a 100,000-row import 12 % faster
    # than with 64 MB; 512 MB and 1 GB gained nothing more; docs/performance.md).
    def __init__(self, log_limit: int = 256 << 20) -> None:
        self.log_limit = log_limit
        self.thread: threading.Thread | None = None
        self.log_path = ""
        self.changed = threading.Condition()
        self.requested = 0  # checkpoints asked for (one per commit) …
        self.done = 0  # … and the latest one a finished checkpoint covered
        self.stop = False
        self.failed = False
        self.autocheckpoint = 1000  # the connection's own setting, put back at the end

    def __enter__(self) -> BackgroundCheckpoints:
        if connection.vendor != "sqlite":
            return self
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            if cursor.fetchone()[0].lower() != "wal":
                return self
            cursor.execute("PRAGMA wal_autocheckpoint")
            self.autocheckpoint = cursor.fetchone()[0]
            cursor.execute("PRAGMA wal_autocheckpoint = 0")
        path = str(connection.settings_dict["NAME"])
        self.log_path = path + "-wal"
        self.thread = threading.Thread(
            target=self._run, args=(path,), name="wal-checkpoints", daemon=True
        )
        self.thread.start()
        return self

    def committed(self) -> None:
        if self.thread is None:
            return
        if self.failed:
            self._restore()
            self.thread = None
            return
        with self.changed:
            self.requested += 1
            target = self.requested
            self.changed.notify_all()
            if self._log_size() > self.log_limit:
                self.changed.wait_for(lambda: self.done >= target or self.failed)

    def _log_size(self) -> int:
        try:
            return os.path.getsize(self.log_path)
        except OSError:
            return 0

    def _run(self, path: str) -> None:
        try:
            own = sqlite3.connect(path, timeout=20, check_same_thread=False)
        except sqlite3.Error:
            self._fail()
            return
        try:
            while True:
                with self.changed:
                    self.changed.wait_for(lambda: self.stop or self.requested > self.done)
                    if self.stop:
                        return
                    target = self.requested  # every commit up to here is in the log
                own.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                with self.changed:
                    self.done = target
                    self.changed.notify_all()
        except sqlite3.Error:
            self._fail()  # the writer checkpoints itself again from its next commit
        finally:
            own.close()

    def _fail(self) -> None:
        with self.changed:
            self.failed = True
            self.changed.notify_all()

    def _restore(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA wal_autocheckpoint = {int(self.autocheckpoint)}")
            cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def __exit__(self, exc_type, *exc_info) -> None:
        if self.thread is None:
            return
        with self.changed:
            self.stop = True
            self.changed.notify_all()
        self.thread.join()
        try:
            self._restore()
        except DatabaseError:
            if exc_type is None:
                raise
            # Already failing (a broken transaction): the original error is what matters,
            # and the setting ends with the connection.
