"""Reading whatever departments send: encodings, Excel, and hostile files."""

import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tongxin.exchange.readers import MAX_CELL_CHARS, ReadError, open_table

from .files import HEADERS, person_row, rewritten, write_csv, write_xlsx


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings_are_detected(tmp_path, encoding):
    path = write_csv(tmp_path / "a.csv", [person_row(1, 姓名="马明")], encoding=encoding)
    table = open_table(path)
    assert table.headers == HEADERS
    rows = list(table.rows)
    assert rows[0][0] == 2 and rows[0][1][0] == "马明"


def test_gb18030_four_byte_characters_survive(tmp_path):
    path = write_csv(tmp_path / "a.csv", [person_row(1, 姓名="𠮷祥")], encoding="gb18030")
    assert list(open_table(path).rows)[0][1][0] == "𠮷祥"


def test_xlsx_is_read_with_typed_cells(tmp_path):
    from datetime import date

    path = write_xlsx(tmp_path / "a.xlsx", [person_row(1, 出生日期=date(1985, 4, 2), 职业=4)])
    table = open_table(path)
    row = list(table.rows)[0][1]
    assert table.kind == "xlsx"
    assert row[HEADERS.index("出生日期")] == date(1985, 4, 2)
    assert row[HEADERS.index("职业")] == 4


TRADITIONAL = (
    "姓名,性別,民族,公民身份號碼,現居住地址,工作單位\n"
    "艾力·買買提,男,維吾爾族,652801198001011234,新華社區3號院,清真拉麵館\n"
)


def test_gbk_with_pinyin_full_width_forms_and_minority_scripts_is_not_taken_for_gibberish(
    tmp_path,
):
    text = (
        "姓名,性别,现居住地址,备注\n"
        "Mǎ Míng,男,新华社区３号院（东）,ئەلى مۇھەممەت\n"
        "艾力·买买提,男,金水区ཀཁགང་,Ëli Muhemmet\n"
        "张喆　　,男,面积㎡ ①号楼 租金￥,Иван Петров\n"  # rare names, padding, symbols
    ) * 8
    path = tmp_path / "gb.csv"
    path.write_bytes(text.encode("gb18030"))
    assert open_table(path).encoding == "gb18030"
    assert [cells[3] for _n, cells in open_table(path).rows][:2] == [
        "ئەلى مۇھەممەت",
        "Ëli Muhemmet",
    ]


KOREAN = "이름,성별,민족,현주소\n김민수,남,조선족,금수구 신화동 3번지\n박영희,여,조선족,관성구 북하가 12호\n"


def test_a_korean_ledger_in_euc_kr_is_read_as_korean(tmp_path):
    """A Korean community's ledger saved by Korean Windows: its Hangul, read as GBK, would
    be common Chinese characters in gibberish order; it is read as Korean, so its columns
    can be mapped."""
    path = tmp_path / "ledger.csv"
    path.write_bytes(KOREAN.encode("euc-kr"))
    table = open_table(path)
    assert table.encoding == "cp949"
    assert table.headers == ["이름", "성별", "민족", "현주소"]
    assert [cells[0] for _n, cells in table.rows] == ["김민수", "박영희"]
    # With the template's headers in Hanja, as the standard template names them.
    path.write_bytes(
        ("姓名,民族,現居住地址\n" + "김민수,조선족,신화동 3번지\n" * 8).encode("euc-kr")
    )
    assert open_table(path).headers == ["姓名", "民族", "現居住地址"]
    # A short one: its two rows hold fewer Hangul than the headers Hanja and digits.
    short = (
        "姓名,性別,民族,現居住地址\n김민수,남,조선족,신화동 3번지\n박영희,여,조선족,북하가 12호\n"
    )
    path.write_bytes(short.encode("euc-kr"))
    assert [cells[0] for _n, cells in open_table(path).rows] == ["김민수", "박영희"]


def test_a_chinese_file_is_never_taken_for_korean(tmp_path):
    """Read as Korean, half a GBK file's letters are Hangul: a file of one row or of many
    stays GBK."""
    for count in (1, 2, 10, 400):
        rows = [person_row(i, 姓名=f"马{'明志国华'[i % 4]}") for i in range(count)]
        path = write_csv(tmp_path / f"gb{count}.csv", rows, encoding="gb18030")
        assert open_table(path).encoding == "gb18030", count


@pytest.mark.parametrize(
    "content,message",
    [
        (b"", "文件是空的"),
        (b"\n\n\n", "文件是空的"),
        ("姓名,姓名\n马明,马明\n".encode(), "表头“姓名”重复"),
        (b"\x00\x01\x02binary", "二进制"),
        (bytes([0x81, 0x30, 0xFF, 0xFE, 0x80]) * 100, "无法识别文件编码"),
        # Valid GB18030 bytes, but read as GBK they are gibberish.
        (TRADITIONAL.encode("big5"), "无法识别文件编码.*Big5"),
        ((TRADITIONAL * 5).encode("big5") + b"\xa3\xe1", "Big5"),  # with Windows' euro sign
        (
            "氏名,性別,住所\n山田太郎,男,東京都新宿区西新宿二丁目\n".encode("shift_jis"),
            "Big5 或日文",
        ),
    ],
)
def test_bad_csv_files_get_a_clear_message(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(ReadError, match=message):
        table = open_table(path)
        list(table.rows)


def test_a_ten_megabyte_cell_is_refused_with_its_row(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("姓名,性别\n马明,男\n" + "x" * (10 * 1024 * 1024) + ",男\n", encoding="utf-8")
    table = open_table(path)
    with pytest.raises(ReadError, match=f"第 3 行.*{MAX_CELL_CHARS}"):
        list(table.rows)


def test_a_million_blank_rows_are_skipped_quickly(tmp_path):
    path = tmp_path / "blank.csv"
    path.write_text(",".join(HEADERS) + "\n" + ",,,\n" * 1_000_000, encoding="utf-8")
    rows = list(open_table(path).rows)
    assert len(rows) == 1_000_000
    assert all(not any(cells) for _n, cells in rows[:10])


def test_truncated_xlsx_is_refused(tmp_path):
    good = write_xlsx(tmp_path / "good.xlsx", [person_row(1)])
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])
    with pytest.raises(ReadError, match="损坏或不完整"):
        open_table(broken)


def test_an_archive_lying_about_its_sizes_is_refused(tmp_path):
    """The size check reads what the archive declares; a sheet that inflates past its
    declared size is stopped by the reader, not parsed."""
    import struct

    lying = tmp_path / "lying.xlsx"
    with zipfile.ZipFile(lying, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        rows = b"".join(
            b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (i, i) for i in range(1, 200_000)
        )
        archive.writestr(
            "xl/worksheets/sheet1.xml",
            b"<worksheet><sheetData>" + rows + b"</sheetData></worksheet>",
        )
    data = bytearray(lying.read_bytes())
    sheet = zipfile.ZipFile(lying).getinfo("xl/worksheets/sheet1.xml")
    struct.pack_into("<I", data, sheet.header_offset + 22, 1000)  # the local header's size
    central = data.find(b"PK\x01\x02")
    while central != -1:  # and the central directory's entry of the sheet
        length = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46 : central + 46 + length] == b"xl/worksheets/sheet1.xml":
            struct.pack_into("<I", data, central + 24, 1000)
        central = data.find(b"PK\x01\x02", central + 4)
    lying.write_bytes(bytes(data))
    assert sum(i.file_size for i in zipfile.ZipFile(lying).infolist()) < 2000
    with pytest.raises(ReadError, match="损坏或不完整"):
        list(open_table(lying).rows)


def test_zip_bomb_disguised_as_xlsx_is_refused(tmp_path):
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (200 * 1024 * 1024))
    assert bomb.stat().st_size < 1024 * 1024
    with pytest.raises(ReadError, match="压缩炸弹"):
        open_table(bomb)


def test_xlsx_content_under_a_csv_name_is_explained(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", [person_row(1)])
    renamed = tmp_path / "a.csv"
    renamed.write_bytes(path.read_bytes())
    with pytest.raises(ReadError, match="xlsx"):
        open_table(renamed)


def test_old_xls_is_refused(tmp_path):
    path = tmp_path / "a.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    with pytest.raises(ReadError, match=".xls"):
        open_table(path)


def _read_all(path: Path):
    try:
        table = open_table(path)
        for _row in table.rows:
            pass
    except ReadError:
        pass  # a clear refusal is the expected outcome for junk


@settings(
    max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=400))
def test_fuzz_csv_reader_never_crashes(tmp_path, data):
    path = tmp_path / "fuzz.csv"
    path.write_bytes(data)
    _read_all(path)


@settings(
    max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.text(
        alphabet=st.sampled_from(list(',"\n\r马明·x1 \t;') + ["\u2028", "\ufeff"]), max_size=200
    )
)
def test_fuzz_csv_text_never_crashes(tmp_path, text):
    path = tmp_path / "fuzz.csv"
    path.write_bytes(text.encode("utf-8"))
    _read_all(path)


@pytest.fixture(scope="module")
def xlsx_bytes(tmp_path_factory):
    path = write_xlsx(tmp_path_factory.mktemp("x") / "a.xlsx", [person_row(i) for i in range(3)])
    return path.read_bytes()


@settings(
    max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_fuzz_xlsx_reader_never_crashes(tmp_path, xlsx_bytes, data):
    raw = bytearray(xlsx_bytes)
    for _ in range(data.draw(st.integers(1, 8))):
        position = data.draw(st.integers(0, len(raw) - 1))
        raw[position] = data.draw(st.integers(0, 255))
    path = tmp_path / "fuzz.xlsx"
    path.write_bytes(bytes(raw))
    _read_all(path)


def test_a_title_above_the_headings_is_passed_over_and_row_numbers_stay_the_sheets(tmp_path):
    """A ledger with its title and the reporting unit above the headings: the headings were
    taken from the title's one cell and every column but the first was lost."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet["A1"] = "2026年新华社区流动人口台账"
    sheet.merge_cells("A1:C1")
    sheet["A2"] = "填报单位：新华社区居委会"
    sheet.append(["姓名", "性别", "民族"])
    sheet.append(["马明", "男", "回族"])
    book.save(tmp_path / "ledger.xlsx")
    (tmp_path / "ledger.csv").write_text(
        "2026年新华社区流动人口台账,,\n,,\n姓名,性别,民族\n马明,男,回族\n", encoding="utf-8"
    )
    for name in ("ledger.xlsx", "ledger.csv"):
        table = open_table(tmp_path / name)
        assert table.headers == ["姓名", "性别", "民族"], name
        assert [(n, list(cells)) for n, cells in table.rows] == [(4, ["马明", "男", "回族"])]
    # A file of one column keeps its first row as its heading.
    (tmp_path / "names.csv").write_text("姓名\n马明\n", encoding="utf-8")
    assert open_table(tmp_path / "names.csv").headers == ["姓名"]


def test_formula_cells_are_found_whatever_the_writer_put_first(tmp_path):
    """Excel writes a cell's reference first; other writers put its type or style first,
    and a shared formula is written once, its other cells pointing to it."""
    from openpyxl import Workbook

    from tongxin.exchange.readers import Formula, formula_cells

    book = Workbook()
    book.active.append(["姓名", "人数", "合计"])
    book.active.append(["马明", 1, 2])
    book.active.append(["马丽", 2, 3])
    made = tmp_path / "made.xlsx"
    book.save(made)
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="1"><c t="inlineStr" r="A1"><is><t>姓名</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>人数</t></is></c></row>'
        '<row r="2"><c t="str" s="0" r="A2"><f>CONCAT("马","明")</f><v>马明</v></c>'
        '<c r="B2"><f t="shared" ref="B2:B3" si="0">1+1</f><v>2</v></c></row>'
        '<row r="3"><c r="A3" t="inlineStr"><is><t>马丽</t></is></c>'
        '<c r="B3"><f t="shared" si="0"/><v>2</v></c></row></sheetData>'
        '<autoFilter ref="A1:B3"><filterColumn colId="0"/></autoFilter></worksheet>'
    )
    path = rewritten(
        made, tmp_path / "formulas.xlsx", "xl/worksheets/sheet1.xml", lambda _: sheet.encode()
    )
    assert formula_cells(path) == {2: {1: '=CONCAT("马","明")', 2: "=1+1"}, 3: {2: "=1+1"}}
    rows = list(open_table(path).rows)
    assert rows[0][1][0] == '=CONCAT("马","明")' and isinstance(rows[0][1][0], Formula)
    assert rows[1][1] == ["马丽", Formula("=1+1")]


def _ledger_with_instructions(path: Path, *, data_formula: bool = False) -> Path:
    """A ledger as communities send it: instructions first, a hidden sheet of codes, then
    the data; and a wider sheet of unrelated notes after it."""
    from openpyxl import Workbook

    book = Workbook()
    notes = book.active
    notes.title = "填表说明"
    notes.append(["填表说明"])
    notes.append(["1. 按模板填写，每人一行。"])
    notes.append(["2. 民族填写全称。"])
    codes = book.create_sheet("代码")
    codes.sheet_state = "hidden"
    codes.append(["民族", "代码", "姓名", "性别"])  # template headings, but hidden
    data = book.create_sheet("台账")
    data.append(["姓名", "性别", "民族", "备注"])
    data.append(["马明", "男", "回族", "=1+1" if data_formula else ""])
    wide = book.create_sheet("统计")
    wide.append(["社区", "户数", "人数", "男", "女", "备注"])
    book.save(path)
    return path


def test_a_workbook_is_read_from_the_sheet_whose_headings_are_known(tmp_path):
    """Instructions or codes in the first sheet were read as the data (the mapping page
    offered 填表说明 as the only column)."""
    path = _ledger_with_instructions(tmp_path / "ledger.xlsx")
    table = open_table(path, known={"姓名", "性别", "民族", "公民身份号码"})
    assert (table.sheet, table.headers) == ("台账", ["姓名", "性别", "民族", "备注"])
    assert table.sheets == ["填表说明", "台账", "统计"]  # to choose among: not the hidden one
    assert [cells[:3] for _n, cells in table.rows] == [["马明", "男", "回族"]]
    # Headings matching nothing known: the first visible sheet, as before.
    assert open_table(path).sheet == "填表说明"
    # A sheet named (chosen on upload) is read whatever its headings.
    assert open_table(path, sheet="统计", known={"姓名"}).headers[:2] == ["社区", "户数"]
    with pytest.raises(ReadError, match="没有名为“人员”的工作表（现有：填表说明、台账、统计）"):
        open_table(path, sheet="人员")


def test_of_two_sheets_with_known_headings_the_one_with_more_is_read(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "汇总"
    book.active.append(["姓名", "人数"])  # one known heading
    detail = book.create_sheet("明细")
    detail.append(["姓名", "性别"])  # two
    book.save(tmp_path / "two.xlsx")
    assert open_table(tmp_path / "two.xlsx", known={"姓名", "性别", "民族"}).sheet == "明细"


def test_formulas_are_found_in_the_sheet_read_not_only_the_first(tmp_path):
    from tongxin.exchange.readers import Formula

    path = _ledger_with_instructions(tmp_path / "ledger.xlsx", data_formula=True)
    table = open_table(path, known={"姓名", "性别"})
    [(_number, cells)] = list(table.rows)
    assert cells[3] == "=1+1" and isinstance(cells[3], Formula)


def test_a_workbook_rewritten_in_place_is_scanned_again_for_formulas(tmp_path):
    """The scan is remembered per file; a file saved again under the same name is new."""
    from openpyxl import Workbook

    from tongxin.exchange.readers import formula_cells

    path = tmp_path / "book.xlsx"
    book = Workbook()
    book.active.append(["姓名", "人数"])
    book.active.append(["马明", 1])
    book.save(path)
    assert formula_cells(path) == {}
    book.active["B2"] = "=1+1"
    book.save(path)
    assert formula_cells(path) == {2: {2: "=1+1"}}


def _renamed_sheet(path: Path, old: str, new: str) -> Path:
    """The workbook with a sheet's name changed in its XML (openpyxl keeps to Excel's 31
    characters; a crafted file need not)."""
    return rewritten(
        path,
        path.with_name("renamed.xlsx"),
        "xl/workbook.xml",
        lambda data: data.replace(f'name="{old}"'.encode(), f'name="{new}"'.encode()),
    )


def test_a_sheet_name_longer_than_a_job_keeps_is_refused_with_why(tmp_path):
    path = _renamed_sheet(_ledger_with_instructions(tmp_path / "l.xlsx"), "台账", "台" * 120)
    with pytest.raises(ReadError, match="工作表名称超过 100 个字符"):
        open_table(path, known={"姓名", "性别", "民族"})
    with pytest.raises(ReadError, match="没有名为"):
        open_table(path, sheet="台" * 5000)


def test_a_workbook_naming_its_parts_in_another_namespace_gets_no_other_sheets_formulas(
    tmp_path,
):
    """A writer using Strict OOXML's namespaces, its sheets listed in another order than
    their parts are numbered: the sheet's part is still found (by local names), never
    guessed from its position, which put the data's formula on the instructions' cells."""
    import re

    from tongxin.exchange.readers import Formula, formula_cells

    path = _ledger_with_instructions(tmp_path / "l.xlsx", data_formula=True)

    def strict_and_reordered(data: bytes) -> bytes:
        data = data.replace(
            b"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
            b"http://purl.oclc.org/ooxml/officeDocument/relationships",
        )
        sheets = re.findall(rb"<sheet [^>]*/>", data)
        return data.replace(b"".join(sheets), b"".join(reversed(sheets)))

    strict = rewritten(path, tmp_path / "strict.xlsx", "xl/workbook.xml", strict_and_reordered)
    # Listed now: 统计, 台账 (the data, part sheet3.xml), 代码, 填表说明.
    assert formula_cells(strict, 1) == {2: {4: "=1+1"}}
    assert formula_cells(strict, 3) == {}
    table = open_table(strict, known={"姓名", "性别"})
    assert table.sheet == "台账"
    assert [isinstance(c, Formula) for _n, cells in table.rows for c in cells] == [
        False,
        False,
        False,
        True,
    ]
