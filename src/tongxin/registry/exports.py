"""What an exported person list holds, shared by the CSV and XLSX exports.

Rows are read as plain values in keyset pages (not model instances), so a million-row export
streams with flat memory at the speed of the database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from functools import lru_cache

from django.db import connection
from django.db.models import CharField, Func
from django.utils import timezone

from tongxin.core import crypto
from tongxin.core.cells import neutralise
from tongxin.core.codes import ETHNICITY_NAMES

from .codes import StayReason
from .models import mask_phone

HEADERS = [
    "姓名",
    "性别",
    "出生日期",
    "民族",
    "证件号码",
    "手机号码",
    "流出地",
    "流出地代码",
    "网格",
    "网格编码",
    "来本地日期",
    "流动原因",
    "状态",
]
WIDTHS = [16, 6, 12, 10, 22, 15, 24, 10, 18, 16, 12, 10, 8]
COLUMNS = [
    "id",
    "name",
    "sex",
    "birth_date",
    "ethnicity",
    "id_number_masked",
    "id_number_enc",
    "phone_enc",
    "origin_code",
    "unit_path",
    "arrival_date",
    "stay_reason",
    "present",
]
SEX = {"1": "男", "2": "女"}
REASONS = {value: str(label) for value, label in StayReason.choices}
PAGE = 2000


class IsoDate(Func):
    """A date column as its YYYY-MM-DD text, made by the database: no date object is built
    and formatted again for each of a million rows."""

    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra):
        # Stored as that text; an expression, not the bare column, so that the driver does
        # not parse it (it converts by declared column type).
        return self.as_sql(compiler, connection, template="(%(expressions)s || '')", **extra)

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="to_char(%(expressions)s, 'YYYY-MM-DD')", **extra
        )


class LocalDay(Func):
    """A datetime column as the YYYY-MM-DD of its day in the current time zone. PostgreSQL
    converts it; SQLite hands over its stored UTC text to the minute, converted once per
    distinct minute (Django's TruncDate calls a Python function per row there, and a
    datetime built, made aware and converted for each row cost more than the rest of a
    household's exported row)."""

    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="substr(%(expressions)s, 1, 16)", **extra)

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = self.as_sql(
            compiler,
            connection,
            template="to_char(%(expressions)s AT TIME ZONE %%s, 'YYYY-MM-DD')",
            **extra,
        )
        return sql, (*params, timezone.get_current_timezone_name())

    def get_db_converters(self, connection):
        if connection.vendor != "sqlite":
            return super().get_db_converters(connection)
        day = _local_day_of(timezone.get_current_timezone())
        return [lambda value, _expression, _connection: value and day(value)]


def _local_day_of(zone):
    @lru_cache(maxsize=4096)
    def day(utc_minute: str) -> str:
        moment = datetime.fromisoformat(utc_minute).replace(tzinfo=UTC)
        return moment.astimezone(zone).date().isoformat()

    return day


def _value_rows(persons):
    """Plain value tuples, newest first, streamed: one server-side cursor on PostgreSQL;
    keyset pages on SQLite (measured faster there than one long chunked query)."""
    values = persons.order_by("-pk").values_list(
        *[IsoDate(c) if c.endswith("_date") else c for c in COLUMNS]
    )
    if connection.vendor == "postgresql":
        yield from values.iterator(chunk_size=PAGE)
        return
    after = None
    while True:
        page = list((values.filter(pk__lt=after) if after else values)[:PAGE])
        yield from page
        if len(page) < PAGE:
            return
        after = page[-1][0]


def export_rows(persons, *, full: bool) -> Iterator[list[str]]:
    """The rows of a person queryset as exported cells, with flat memory at any size."""
    from tongxin.geo.divisions import county_level_name
    from tongxin.geo.models import Level, Unit

    cipher = crypto.FieldCrypto.current()
    # Names as the list page shows them, beside the codes (a grid's path is its code).
    grids = dict(Unit.objects.filter(level=Level.GRID).values_list("path", "name"))
    origin_name = lru_cache(maxsize=4096)(lambda code: county_level_name(code) or "")
    for (
        _pk,
        name,
        sex,
        birth,
        eth,
        masked,
        id_enc,
        phone_enc,
        origin,
        unit,
        arrival,
        reason,
        present,
    ) in _value_rows(persons):
        phone = cipher.decrypt(phone_enc)
        yield [
            neutralise(name),
            SEX.get(sex, ""),
            birth,
            ETHNICITY_NAMES.get(eth, ""),
            cipher.decrypt(id_enc) if full else masked,
            phone if full else mask_phone(phone),
            origin_name(origin) if origin else "",
            origin,
            grids.get(unit, ""),
            unit,
            arrival or "",
            REASONS.get(reason, ""),
            "在本地" if present else "已离开",
        ]
