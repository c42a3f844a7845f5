"""The import's fast row preparation says exactly what the registry's validation says.

`RowPreparer` cleans each distinct cell of a repeating column once and checks IDs and phones
itself; any row it is unsure of goes to `Importer.prepare`. These tests hold it to that: on
rows mixing good and bad cells of every kind (CSV text and XLSX's numbers, dates and
booleans), whatever it accepts is what `Importer.clean` accepts, value for value.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.utils.timezone import localdate
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tongxin.core import crypto
from tongxin.exchange.fastprep import RowPreparer
from tongxin.exchange.importer import (
    PERSON_COLUMNS,
    Importer,
    Prepared,
    job_for_file,
    resolve_columns,
)

from ..registry.factories import GRID_A, GRID_B, citizen_id
from .files import HEADERS, person_row, write_csv

BIRTHS = [date(1985, 2, 28), date(1992, 11, 3), date(2000, 2, 29), date(1799, 12, 31)]


def _ids(birth: date) -> list[object]:
    good_male = citizen_id("652801", birth, 17)
    good_female = citizen_id("540102", birth, 18)
    wrong_check = good_male[:17] + ("0" if good_male[17] != "0" else "1")
    legacy = good_male[:6] + good_male[8:17]  # the 15-digit form of the male number
    # A man's number whose check character is X, written with a small x as people do.
    ends_in_x = next(
        number
        for sequence in range(1, 1000, 2)
        if (number := citizen_id("652801", birth, sequence)).endswith("X")
    )
    return [
        good_male,
        good_female,
        ends_in_x,
        ends_in_x.lower(),
        f" {good_male} ",
        good_male[:9] + " " + good_male[9:],
        wrong_check,
        legacy,
        citizen_id("652801", birth + timedelta(days=1), 17),  # disagrees with the birth date
        "１" + good_male[1:],  # a full-width digit
        int(good_male[:17]),  # Excel's number
        "E12345678",
        "",
    ]


def _variants(b: date) -> dict[str, list]:
    """Each column's cells, the first one good for birth date `b`."""
    return {
        "姓名": (["马明", "艾力·买买提", "艾力.买买提", " 卓玛 ", "", "李1", "·阿依", "A·B"]),
        "性别": (["男", "女", "1", "2", 1, 2, 1.0, True, "3", "", "男性"]),
        "民族": (["回族", "回", "03", "3", 3, "HU", "hu", "97", "99", ""]),
        "公民身份号码": _ids(b),
        "出生日期": (
            [
                b.isoformat(),
                b.strftime("%Y%m%d"),
                f"{b.year}/{b.month}/{b.day}",
                datetime(b.year, b.month, b.day),  # noqa: DTZ001 (as openpyxl reads it)
                str((b - date(1899, 12, 30)).days),
                "2020-02-30",
                (localdate() + timedelta(days=3)).isoformat(),
                "",
            ]
        ),
        "联系电话": (
            [
                "13912345678",
                "",
                "  ",
                "+86 139 1234 5678",
                "139-1234-5678",
                "12912345678",
                "1391234567",
                "１3912345678",
                13912345678,
            ]
        ),
        "户籍地址": (["新疆库尔勒市", "", " 拉萨市 ", "长" * 400, 12]),
        "流出地": (["652801", "540102", "999999", "库尔勒市", ""]),
        "现居住地址": (["新华社区3号院", "", "巷" * 350]),
        "网格编码": ([GRID_A, GRID_B, "410104001001999", "", 12]),
        "来本地日期": (
            [
                "2024-03-15",
                "20240315",
                "2024/3/15",
                datetime(2024, 3, 15),  # noqa: DTZ001
                "2099-01-01",
                "x",
            ]
        ),
        "流动原因": (["经商", "务工", "work", "打工", "", "旅游"]),
        "职业": (["4", "", "99", 4]),
        "工作单位": (["清真拉面馆", "", "  某公司  "]),
    }


@st.composite
def _rows(draw) -> dict[str, object]:
    """A good row with up to three cells drawn from their column's variants."""
    variants = _variants(draw(st.sampled_from(BIRTHS)))
    row = {header: cells[0] for header, cells in variants.items()}
    for header in draw(st.lists(st.sampled_from(HEADERS), max_size=3, unique=True)):
        row[header] = draw(st.sampled_from(variants[header]))
    return row


@pytest.fixture
def importer(tmp_path, db):
    path = write_csv(tmp_path / "rows.csv", [person_row(1)])
    job = job_for_file(path, actor=None, source="fast", filename=path.name)
    return Importer(job, actor=None)


@pytest.mark.django_db
@settings(
    max_examples=800, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(_rows(), min_size=1, max_size=4))
def test_whatever_the_fast_pass_accepts_the_registry_accepts_identically(importer, rows):
    columns = resolve_columns(HEADERS, None)
    preparer = RowPreparer(importer, columns)
    # Several rows through one preparer: its caches carry from row to row.
    for number, row in enumerate(rows, start=2):
        cells = [row[h] for h in HEADERS]
        fast = preparer.clean(cells)
        slow = importer.clean(number, cells, columns)
        if fast is not None:
            assert isinstance(slow, tuple) and isinstance(slow[0], dict), (row, slow)
            assert fast == slow
        prepared = preparer.prepare(number, cells)
        expected = importer.prepare(number, cells, columns)
        if isinstance(expected, Prepared):
            assert isinstance(prepared, Prepared)
            assert _readable(prepared) == _readable(expected)
        else:
            assert prepared == expected  # the same reason, or both blank


def _readable(p: Prepared) -> tuple:
    """A prepared row with its ciphertexts decrypted (each encryption draws a new nonce)."""
    person = list(p.person)
    for column in ("id_number_enc", "phone_enc"):
        at = PERSON_COLUMNS.index(column) - 1  # a prepared row has no id
        person[at] = crypto.decrypt(person[at])
    return p.row, p.id_type, p.id_hash, tuple(person), p.stay


@pytest.mark.django_db
def test_ordinary_rows_take_the_fast_pass_and_bad_ones_get_the_registry_reason(importer):
    columns = resolve_columns(HEADERS, None)
    preparer = RowPreparer(importer, columns)
    # IDs as people write them, check character X in lower case too.
    good = [person_row(n) for n in range(40)]
    for row in good:
        row["公民身份号码"] = str(row["公民身份号码"]).lower()
    assert any(str(row["公民身份号码"]).endswith("x") for row in good)
    for number, row in enumerate(good, start=2):
        assert isinstance(preparer.prepare(number, [row[h] for h in HEADERS]), Prepared)
    assert preparer.fallbacks == 0
    bad = person_row(41, 出生日期="1990-01-01")
    outcome = preparer.prepare(99, [bad[h] for h in HEADERS])
    assert preparer.fallbacks == 1
    assert outcome[0] == 99 and "出生日期与公民身份号码不一致" in outcome[1]


@pytest.mark.django_db
def test_a_mapped_layout_without_optional_columns_is_prepared_the_same(importer):
    headers = ["姓名", "性别", "民族", "身份证", "生日", "网格", "来本地", "原因", "曾用名"]
    mapping = {
        "姓名": "name",
        "性别": "sex",
        "民族": "ethnicity",
        "身份证": "id_number",
        "生日": "birth_date",
        "网格": "grid",
        "来本地": "arrival_date",
        "原因": "reason",
        "曾用名": "former_names",
    }
    columns = resolve_columns(headers, mapping)
    preparer = RowPreparer(importer, columns)
    row = person_row(3)
    cells = [row["姓名"], "男", "维吾尔族", row["公民身份号码"], row["出生日期"], GRID_A]
    cells += ["2024-03-15", "经商", "艾力.买买提"]
    fast = preparer.clean(cells)
    assert fast is not None
    assert fast == importer.clean(2, cells, columns)
    assert fast[0]["phone"] == "" and fast[0]["former_names"] == "艾力·买买提"
