"""The fast XLSX writer: what it writes must read back the same in openpyxl and in our own
reader (calamine), at any length, with any characters."""

import io
import zipfile
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from tongxin.exchange.readers import open_table
from tongxin.exchange.xlsx_writer import (
    BOLD,
    EXCEL_MAX_CELL,
    NOTE,
    Properties,
    write_xlsx,
)


def written(rows, **options) -> bytes:
    buffer = io.BytesIO()
    write_xlsx(buffer, rows, sheet_title=options.pop("sheet_title", "名单"), **options)
    return buffer.getvalue()


def read_with_calamine(data: bytes) -> list[list]:
    """As our importer (and Excel) read it: calamine decodes Excel's _xHHHH_ escapes."""
    from python_calamine import CalamineWorkbook

    sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
    return [list(row) for row in sheet.to_python(skip_empty_area=False)] if data else []


def trimmed(rows: list[list]) -> list[list]:
    """Rows without trailing empty cells and trailing empty rows (calamine leaves off both)."""
    rows = [list(row) for row in rows]
    for row in rows:
        while row and row[-1] == "":
            row.pop()
    while rows and not rows[-1]:
        rows.pop()
    return rows


def read_back(data: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    return [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]


def test_awkward_text_reads_back_exactly_and_is_never_a_formula(tmp_path):
    rows = [
        ["=SUM(A1:A9)", "+1", "-2", "@x", "a & b < c > d"],
        [" leading and trailing ", "line\nbreak", "tab\there", "carriage\rreturn", ""],
        ["410105198001011234", "0013900001111", "维吾尔族", "阿依古丽·买买提", "🙂"],
        ["12", None, date(2025, 1, 2), "3.5", True],
    ]
    data = written(rows)
    expected = [[str(v) if v is not None else "" for v in row] for row in rows]
    assert read_back(data) == expected
    # Our own importer's reader (calamine) agrees; text is text, formulas included.
    path = tmp_path / "awkward.xlsx"
    path.write_bytes(written([["列1", "列2", "列3", "列4", "列5"], *rows]))
    table = open_table(path)
    assert [cells for _n, cells in table.rows] == expected
    book = load_workbook(io.BytesIO(data))
    assert book.active["A1"].data_type == "s" and book.active["A1"].value == "=SUM(A1:A9)"


def test_numbers_are_numbers_and_text_that_looks_like_one_stays_text():
    data = written([[7, 2.5, "7", float("nan"), -3]])
    sheet = load_workbook(io.BytesIO(data)).active
    assert [(c.value, c.data_type) for c in sheet[1]] == [
        (7, "n"),
        (2.5, "n"),
        ("7", "s"),
        ("nan", "s"),
        (-3, "n"),
    ]


def test_excels_own_escapes_in_text_are_kept_as_typed():
    rows = [["_x0041_", "a_x000D_b", "_x004g_", "x_x0041_"]]
    assert read_with_calamine(written(rows)) == rows


def test_cells_and_rows_carry_their_references_and_the_sheet_its_dimension():
    data = written([["a", "b", "c"], ["d", 5]], heading=[(["x", "y", "z"], BOLD)])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert '<dimension ref="A1:C3"/>' in sheet
    assert '<row r="3">' in sheet and '<c r="B3"><v>5</v></c>' in sheet
    assert '<c r="C2" t="inlineStr">' in sheet


def test_numbers_of_any_kind_are_written_as_excel_holds_them():
    import enum

    class Level(enum.IntEnum):
        HIGH = 3

    huge = 10**20
    data = written([[Level.HIGH, huge, 2**53 - 1, 10**400]])
    row = [(c.value, c.data_type) for c in load_workbook(io.BytesIO(data)).active[1]]
    # Past 2**53 Excel would round the number: kept as text instead.
    assert row == [(3, "n"), (str(huge), "s"), (2**53 - 1, "n"), (str(10**400), "s")]


def test_rows_given_as_iterators_are_written_whole():
    assert read_back(written([iter(["a", "b"]), (x for x in ["c", "d"])])) == [
        ["a", "b"],
        ["c", "d"],
    ]


def test_characters_xml_cannot_hold_are_dropped_and_long_cells_cut():
    rows = [["a\x00b\x1fc\x0bd", "x" * (EXCEL_MAX_CELL + 10), "𠮷" * EXCEL_MAX_CELL]]
    # Excel counts UTF-16 units: a character beyond the BMP counts twice.
    expected = [["abcd", "x" * EXCEL_MAX_CELL, "𠮷" * (EXCEL_MAX_CELL // 2)]]
    assert read_back(written(rows)) == expected


def test_heading_rows_are_styled_frozen_and_the_properties_set():
    data = written(
        [["马明", "男"]],
        heading=[(["导出人：officer"], NOTE), (["姓名", "性别"], BOLD)],
        widths=[16, 6],
        properties=Properties(
            creator="officer", title="人员名单", description="用途：核对", keywords="已脱敏"
        ),
    )
    book = load_workbook(io.BytesIO(data))
    sheet = book.active
    assert sheet.title == "名单"
    assert sheet["A1"].font.i and sheet["A2"].font.b and not sheet["A3"].font.b
    assert sheet.freeze_panes == "A3"
    assert sheet.column_dimensions["A"].width == 16
    props = book.properties
    assert (props.creator, props.title, props.description, props.keywords) == (
        "officer",
        "人员名单",
        "用途：核对",
        "已脱敏",
    )


def test_rows_beyond_a_sheet_continue_on_more_sheets_each_with_the_heading():
    rows = [[f"第{i}行"] for i in range(10)]
    data = written(rows, heading=[(["表头"], BOLD)], max_rows=4)
    book = load_workbook(io.BytesIO(data), read_only=True)
    assert book.sheetnames == ["名单", "名单 (2)", "名单 (3)", "名单 (4)"]
    sheets = [[r[0] for r in book[name].iter_rows(values_only=True)] for name in book.sheetnames]
    assert all(sheet[0] == "表头" for sheet in sheets)
    assert [v for sheet in sheets for v in sheet[1:]] == [r[0] for r in rows]


def test_the_archive_is_the_plain_kind_every_reader_opens():
    data = written([["x"]] * 100)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        # Sizes in the local headers: no data descriptors, no ZIP64 for a small sheet.
        assert all(not info.flag_bits & 0x08 for info in archive.infolist())
        assert all(info.extract_version < 45 for info in archive.infolist())
        assert "[Content_Types].xml" in archive.namelist()


def test_an_empty_list_is_a_valid_workbook_with_its_heading():
    assert read_back(written([], heading=[(["姓名"], BOLD)])) == [["姓名"]]


@pytest.mark.parametrize(
    "title, expected",
    [
        ("a/b:c*[d]?" * 5, "a b c  d  a b c  d  a b c"),
        ("'引号'", "引号"),
        ('说"明"', '说"明"'),
        ("History", "History 1"),
        ("", "Sheet"),
    ],
)
def test_a_sheet_name_excel_would_refuse_is_cleaned(title, expected):
    book = load_workbook(io.BytesIO(written([["x"]], sheet_title=title)))
    assert book.active.title == expected


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.lists(st.text(max_size=40), min_size=3, max_size=3),
        max_size=8,
    )
)
def test_any_text_reads_back_as_written_less_what_xml_cannot_hold(rows):
    import re

    illegal = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
    expected = [[illegal.sub("", v) for v in row] for row in rows]
    data = written(rows)
    assert read_back(data) == expected
    assert trimmed(read_with_calamine(data)) == trimmed(expected)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.lists(
            st.one_of(
                st.text(max_size=12),
                st.integers(min_value=-(2**60), max_value=2**60),
                st.booleans(),
            ),
            min_size=3,
            max_size=3,
        ),
        max_size=6,
    )
)
def test_rows_of_text_and_whole_numbers_read_back_as_given(rows):
    """Such rows (the household list's counts beside its names) take the quick path: numbers
    stay numbers up to 2**53, past it text, as cell by cell."""
    import re

    illegal = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

    def expected(v):
        if isinstance(v, bool):
            return str(v)
        if isinstance(v, int):
            return v if abs(v) < 2**53 else str(v)
        return illegal.sub("", v)

    got = read_with_calamine(written(rows))  # a number written as text would be "3", not 3
    assert trimmed(got) == trimmed([[expected(v) for v in row] for row in rows])


@pytest.mark.parametrize("count", [0, 1, 2500])
def test_row_count_is_returned(count):
    buffer = io.BytesIO()
    assert write_xlsx(buffer, ([str(i)] for i in range(count)), sheet_title="x") == count


def test_cells_beyond_excels_last_column_are_left_off():
    from tongxin.exchange.xlsx_writer import EXCEL_MAX_COLUMNS

    data = written([["x"] * (EXCEL_MAX_COLUMNS + 5)])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert '<dimension ref="A1:XFD1"/>' in sheet and 'r="XFD1"' in sheet
    assert 'r="XFE1"' not in sheet
