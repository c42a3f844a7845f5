"""Reading departments' spreadsheets: CSV in whatever encoding they came in, and XLSX.

Every problem with the file itself becomes a `ReadError` with a Chinese message; nothing
here crashes on hostile input (zip bombs, binary junk, endless rows, huge cells).
"""

from __future__ import annotations

import codecs
import csv
import html
import itertools
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from xml.etree import ElementTree

from django.utils.translation import gettext as _

from tongxin.core.cells import FORMULA_STARTS

MAX_CELL_CHARS = 10_000
MAX_XLSX_UNCOMPRESSED = 2 * 1024**3  # 2 GiB of XML is about 10 million rows
MAX_XLSX_RATIO = 150  # real sheets compress 5–20×; bombs compress thousands of times
SNIFF_BYTES = 1 << 20
MISREAD_SAMPLE = 1 << 16  # characters looked at for a misread encoding
SETTLED_AT = 3  # headings a sheet shares with the known ones to be taken without looking on
MAX_SHEETS = 30  # sheets looked at for the one holding the data
MAX_SHEET_NAME = 100  # `ImportJob.sheet`


class ReadError(Exception):
    """The file cannot be read; the message says why, in Chinese."""


class Formula(str):
    """A cell Excel computes, as its formula ("=…") rather than the value Excel last showed
    (or none, if it was never opened in Excel): refused with what it is, never imported as
    a result no one typed."""


class FormulaRow(list):
    """The cells of a row holding a formula: it takes the full path, which says so."""


@dataclass
class Table:
    headers: list[str]
    rows: Iterator[tuple[int, list]]  # (row number as the user sees it, cells)
    kind: str  # "csv" or "xlsx"
    encoding: str = ""
    sheet: str = ""  # the workbook's sheet read
    sheets: list[str] = field(default_factory=list)  # the sheets one may choose among


def detect_encoding(path: Path) -> str:
    with path.open("rb") as fh:
        sample = fh.read(SNIFF_BYTES)
    if not sample.strip():
        raise ReadError(_("文件是空的。"))
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in sample:
        raise ReadError(
            _("文件不是文本格式的 CSV（含有二进制内容）。如为 Excel 文件，请使用 .xlsx 扩展名。")
        )
    for encoding in ("utf-8", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            text = decoder.decode(sample, final=len(sample) < SNIFF_BYTES)
        except UnicodeDecodeError:
            continue
        if encoding == "gb18030" and _korean(sample):
            return "cp949"
        if encoding == "gb18030" and _misread(sample, text[:MISREAD_SAMPLE]):
            raise ReadError(
                _(
                    "无法识别文件编码：按 GBK 读出来是乱码（可能是繁体 Big5 或日文编码）。"
                    "请另存为 UTF-8 或 GBK（GB18030）编码的 CSV 文件。"
                )
            )
        return encoding
    raise ReadError(_("无法识别文件编码。请另存为 UTF-8 或 GBK（GB18030）编码的 CSV 文件。"))


def _misread(sample: bytes, text: str) -> bool:
    """Whether bytes GB18030 decoded (it decodes nearly any) are most likely another
    encoding: Big5 (traditional Chinese) or Shift-JIS (Japanese) when, read that way, they
    are nearly all that script's common characters and, read as GBK, much less often common
    simplified ones. A simplified-Chinese file reads as common GB2312 characters nearly
    throughout, so it is never taken for another, however many rare names it holds."""
    in_gbk = _common_share(text, "gb2312")
    for encoding in ("cp950", "cp932"):
        other = _read_as(sample, encoding)
        if other is None:
            continue  # not that encoding either
        in_other = _common_share(other, encoding)
        if in_other >= 0.9 and in_other - in_gbk >= 0.2:
            return True
    return False


def _korean(sample: bytes) -> bool:
    """Whether bytes GB18030 decoded are Korean (EUC-KR / cp949: a Korean community's
    ledger). KS X 1001 puts its 2,350 Hangul syllables on the bytes of GB2312's commonest
    characters, so read as GBK they are common simplified characters and `_misread` cannot
    tell; read as Korean, nearly all its letters are Hangul (Hanja headers aside). Chinese
    read as Korean gives Hangul for about half its letters (those of GB2312's rows B0–C8):
    in windows of the seed documents at most 0.91 of 20 letters, 0.81 of 40, 0.74 of 80,
    0.70 of 200. Read strictly as EUC-KR: cp949's extra syllables would make Hangul of
    Shift-JIS kanji too. The file is then read as cp949, which also holds those.

    The rows are also judged without the first line: a ledger made from the standard
    template has its headers in Hanja (姓名, 民族), which in a short file outweigh the Hangul."""
    text = _read_as(sample, "euc_kr")
    if text is None:
        return False
    return _mostly_hangul(text) or _mostly_hangul(text.partition("\n")[2])


def _mostly_hangul(text: str) -> bool:
    found = _letters(text)
    letters, hangul = len(found), sum("\uac00" <= char <= "\ud7a3" for char in found)
    if letters >= 80:
        return hangul >= 0.85 * letters
    return letters >= 20 and hangul >= 0.97 * letters


def _is_common(char: str, encoding: str) -> bool:
    """One of the commonest characters of the encoding's script: GB2312's first level
    (3,755 simplified), Big5's 常用字 (5,401 traditional), or Shift-JIS's kana and first
    level of kanji."""
    try:
        encoded = char.encode(encoding)
    except UnicodeEncodeError:
        return False
    lead = encoded[0]
    if encoding == "gb2312":
        return 0xB0 <= lead <= 0xD7
    if encoding == "cp950":
        return 0xA4 <= lead <= 0xC6
    return len(encoded) == 1 or 0x82 <= lead <= 0x83 or 0x88 <= lead <= 0x98  # cp932


def _common_share(text: str, encoding: str) -> float:
    """The share of the letters beyond ASCII (not punctuation, spaces or symbols) that are
    common characters of `encoding`; 0 for fewer than 20."""
    found = _letters(text)
    common = sum(_is_common(char, encoding) for char in found)
    return common / len(found) if len(found) >= 20 else 0.0


def _read_as(sample: bytes, encoding: str) -> str | None:
    """The sample's start read in `encoding`, or None if more than one character in fifty
    is not of it (a stray euro sign or a private character aside)."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    text = decoder.decode(sample[: MISREAD_SAMPLE * 2], final=False)
    return None if text.count("\ufffd") > len(text) / 50 else text


def _letters(text: str) -> list[str]:
    """The letters beyond ASCII: not punctuation, spaces, symbols or undecodable bytes."""
    return [
        char
        for char in text
        if char >= "\x80" and unicodedata.category(char)[0] not in "PZS" and char != "\ufffd"
    ]


def _clean_header(cell) -> str:
    return str(cell if cell is not None else "").replace("\ufeff", "").strip()


TITLE_ROWS = 10  # rows above the headings looked at for a title ("2026年流动人口台账")


def _filled(cells: list) -> int:
    return sum(1 for c in cells if c is not None and str(c).strip())


def _heading_row(rows: Iterator[tuple[int, list]]) -> Iterator[tuple[int, list]]:
    """The rows from the headings on. A ledger often opens with a title or a note in one
    cell (a merged title, "填报单位：…") above its headings: the headings are the first row
    of two cells or more among the first non-empty rows; a file of one column has its
    first non-empty row."""
    leading: list[tuple[int, list]] = []
    for number, cells in rows:
        if not _filled(cells):
            continue
        leading.append((number, cells))
        if _filled(cells) >= 2:
            return itertools.chain([(number, cells)], rows)
        if len(leading) >= TITLE_ROWS:
            break
    return itertools.chain(leading, rows)


def _split_header(rows: Iterator[tuple[int, list]]) -> tuple[list[str], Iterator[tuple[int, list]]]:
    rows = _heading_row(rows)
    for _number, cells in rows:
        if any(str(c).strip() for c in cells if c is not None):
            headers = [_clean_header(c) for c in cells]
            while headers and not headers[-1]:
                headers.pop()
            seen: dict[str, int] = {}
            for index, header in enumerate(headers, start=1):
                if not header:
                    raise ReadError(_("第 %(col)d 列没有表头。") % {"col": index})
                if header in seen:
                    raise ReadError(
                        _("表头“%(h)s”重复（第 %(a)d 列和第 %(b)d 列）。")
                        % {"h": header, "a": seen[header], "b": index}
                    )
                seen[header] = index
            return headers, rows
    raise ReadError(_("文件中没有表头，也没有数据。"))


def _csv_rows(path: Path, encoding: str) -> Iterator[tuple[int, list]]:
    csv.field_size_limit(MAX_CELL_CHARS)
    number = 0
    with path.open("r", encoding=encoding, newline="", errors="strict") as fh:
        reader = csv.reader(fh)
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise ReadError(
                    _("第 %(row)d 行无法读取：%(why)s（单元格不能超过 %(n)d 个字符）。")
                    % {"row": reader.line_num, "why": exc, "n": MAX_CELL_CHARS}
                ) from exc
            except UnicodeDecodeError as exc:
                raise ReadError(
                    _("第 %(row)d 行附近含有不属于 %(enc)s 编码的字节，文件可能混用了多种编码。")
                    % {"row": number + 1, "enc": encoding}
                ) from exc
            number += 1
            if "'" in "".join(cells):  # rare: one look at the row, not one per cell
                cells = [_unquoted(c) for c in cells]
            yield number, cells


def check_xlsx(path: Path) -> None:
    """Refuse corrupt archives and zip bombs before any XML is parsed."""
    try:
        if not zipfile.is_zipfile(path):
            raise ReadError(_("Excel 文件已损坏或不完整（不是有效的 .xlsx 文件）。"))
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            names = {i.filename for i in infos}
            if "xl/workbook.xml" not in names:
                raise ReadError(_("文件不是 Excel 工作簿（缺少 xl/workbook.xml）。"))
            total = sum(i.file_size for i in infos)
            packed = sum(i.compress_size for i in infos) or 1
    except ReadError:
        raise
    except (zipfile.BadZipFile, NotImplementedError, OSError, ValueError, EOFError) as exc:
        # Damaged or hostile archives fail in many ways (unsupported versions, bad headers).
        raise ReadError(_("Excel 文件已损坏或不完整。")) from exc
    if total > MAX_XLSX_UNCOMPRESSED or total / packed > MAX_XLSX_RATIO:
        raise ReadError(_("Excel 文件解压后异常巨大，疑似压缩炸弹，已拒绝读取。"))


_NEUTRALISED = frozenset("'" + start for start in FORMULA_STARTS)


def _unquoted(value: str) -> str:
    # Our own reports quote text a spreadsheet would take for a formula ('+86…,
    # '=HYPERLINK…, `core.cells.neutralise`); an officer corrects such a report and uploads
    # it again, as it is or saved as CSV, so the quote is taken off, as Excel does with one
    # typed.
    return value[1:] if value[:2] in _NEUTRALISED else value


def _xlsx_value(value):
    if type(value) is str:
        return _unquoted(value)
    if isinstance(value, datetime):
        return value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


_FORMULA_TAG = re.compile(rb"<f[ >/]")
# A cell element (not self-closing) with what it holds; only read where a formula is. Its
# reference may come after other attributes (writers differ).
_CELL = re.compile(rb"<c\b([^>]*)(?<!/)>(.*?)</c>", re.S)
_REFERENCE = re.compile(rb'\br="([A-Z]{1,3})([0-9]+)"')
_FORMULA = re.compile(rb"<f([^>]*?)(?:/>|>(.*?)</f>)", re.S)
_SHARED_INDEX = re.compile(rb'si="([0-9]+)"')


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _sheet_part(archive: zipfile.ZipFile, index: int) -> str | None:
    """The archive path of the workbook's sheet at `index` (calamine's order: the
    workbook's own), or None when the workbook does not say. Names are matched without
    their namespaces: Strict OOXML and some writers use others than Excel's."""
    book = ElementTree.fromstring(archive.read("xl/workbook.xml"))  # noqa: S314 - checked
    sheets = [e for e in book.iter() if _local(e.tag) == "sheet"]
    if index >= len(sheets):
        return None
    wanted = next(
        (value for name, value in sheets[index].attrib.items() if name.endswith("}id")), None
    )
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))  # noqa: S314
    for relation in rels:
        if wanted is not None and relation.get("Id") == wanted:
            target = relation.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return None  # never another sheet's formulas on this one's cells


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


FORMULA_CACHE_CELLS = 50_000  # scans of at most this many formulas are remembered
_formula_cache: dict[tuple, dict[int, dict[int, str]]] = {}


def formula_cells(path: Path, index: int = 0) -> dict[int, dict[int, str]]:
    """The formulas of the sheet at `index`: row number → column number (1 for A) →
    "=formula". calamine gives only values; the sheet's XML is scanned for formula
    elements, a chunk at a time, and cells are parsed only in chunks that hold one — a
    sheet without formulas costs one pass of decompression (≈ 2 s at a million rows).

    The last two scans are remembered, by the file's path, modification time and size (a
    file rewritten in place is scanned again), as upload, column preview, run and report
    open one file again; not one of a file full of formulas (≈ 380 MB a million)."""
    stat = path.stat()
    key = (str(path), index, stat.st_mtime_ns, stat.st_size)
    if key in _formula_cache:
        return _formula_cache[key]
    found = _scan_formulas(path, index)
    if sum(map(len, found.values())) <= FORMULA_CACHE_CELLS:
        while len(_formula_cache) >= 2:
            del _formula_cache[next(iter(_formula_cache))]
        _formula_cache[key] = found
    return found


def _scan_formulas(path: Path, index: int) -> dict[int, dict[int, str]]:
    found: dict[int, dict[int, str]] = {}
    shared: dict[bytes, str] = {}  # a shared formula's text, from its first cell

    def scan(body: bytes) -> None:
        for cell in _CELL.finditer(body):
            formula = _FORMULA.search(cell.group(2))
            reference = _REFERENCE.search(cell.group(1))
            if formula is None or reference is None:
                continue
            attributes, text = formula.group(1), formula.group(2) or b""
            index = _SHARED_INDEX.search(attributes)
            written = "=" + html.unescape(text.decode("utf-8", "replace"))
            if index and text:
                shared[index.group(1)] = written
            elif index and not text:
                written = shared.get(index.group(1), "=…")
            row, column = int(reference.group(2)), _column_number(reference.group(1))
            found.setdefault(row, {})[column] = written

    try:
        with zipfile.ZipFile(path) as archive:
            part = _sheet_part(archive, index)
            if part is None:
                return {}
            with archive.open(part) as xml:
                carry = b""
                while chunk := xml.read(1 << 20):
                    data = carry + chunk
                    cut = data.rfind(b"<c ")  # the last cell may go on in the next chunk
                    body, carry = (data[:cut], data[cut:]) if cut > 0 else (b"", data)
                    if _FORMULA_TAG.search(body):
                        scan(body)
                if _FORMULA_TAG.search(carry):
                    scan(carry)
    except (
        KeyError,  # a part the workbook names is missing
        zipfile.BadZipFile,
        zlib.error,  # damaged deflate data
        EOFError,
        NotImplementedError,  # a compression method zipfile lacks
        RuntimeError,  # an encrypted part
        ElementTree.ParseError,
        OSError,
        ValueError,
    ):
        return {}  # calamine reads the sheet, or says why it cannot
    return found


def _headings(rows: Iterator[tuple[int, list]]) -> list[str]:
    for _number, cells in _heading_row(rows):
        return [_clean_header(c) for c in cells]
    return []


def _choose_sheet(workbook, wanted: str | None, known: Collection[str]):
    """The sheet to read, and its index. A named one (the sheet chosen when the file was
    uploaded); otherwise, among the visible worksheets, the first whose headings hold
    `SETTLED_AT` known ones, else the one holding most, else the first: a ledger often
    opens with a sheet of instructions (填表说明) or codes before its data. Each sheet looked
    at is loaded whole (calamine reads no part of one), so the search stops early."""
    from python_calamine import SheetTypeEnum

    metadata = workbook.sheets_metadata
    names = [m.name for m in metadata]
    worksheets = [i for i, m in enumerate(metadata) if m.typ == SheetTypeEnum.WorkSheet]
    if wanted:
        if wanted not in names:
            raise ReadError(
                _("工作簿中没有名为“%(sheet)s”的工作表（现有：%(names)s）。")
                % {"sheet": wanted[:MAX_SHEET_NAME], "names": "、".join(_offered(workbook))}
            )
        index = names.index(wanted)
        if index not in worksheets:
            raise ReadError(_("“%(sheet)s”是图表，不是数据表。") % {"sheet": wanted})
        return workbook.get_sheet_by_index(index), index
    candidates = [i for i in worksheets if _visible(metadata[i])][:MAX_SHEETS]
    candidates = candidates or worksheets[:1] or [0]
    known = set(known)
    best = None  # (known headings, index, sheet)
    for index in candidates:
        sheet = workbook.get_sheet_by_index(index)
        score = len(known.intersection(_headings(_numbered(sheet.iter_rows()))))
        if score >= SETTLED_AT or len(candidates) == 1:
            return sheet, index
        if best is None or score > best[0]:
            best = (score, index, sheet)
    assert best is not None
    return best[2], best[1]


def _visible(metadata) -> bool:
    from python_calamine import SheetVisibleEnum

    return metadata.visible == SheetVisibleEnum.Visible


def _offered(workbook) -> list[str]:
    """The sheets an officer may choose among: the visible worksheets (not charts)."""
    from python_calamine import SheetTypeEnum

    return [
        m.name
        for m in workbook.sheets_metadata
        if m.typ == SheetTypeEnum.WorkSheet and _visible(m) and len(m.name) <= MAX_SHEET_NAME
    ]


def _numbered(rows) -> Iterator[tuple[int, list]]:
    return ((number, cells) for number, cells in enumerate(rows, start=1))


def _open_workbook(path: Path, sheet: str | None, known: Collection[str]):
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        chosen, index = _choose_sheet(workbook, sheet, known)
        offered = _offered(workbook)
    except ReadError:
        raise
    except Exception as exc:  # calamine raises its own error types for broken files
        raise ReadError(_("Excel 文件已损坏或不完整：%(why)s") % {"why": str(exc)[:200]}) from exc
    if len(chosen.name) > MAX_SHEET_NAME:  # Excel allows 31; the job keeps 100
        raise ReadError(
            _("工作表名称超过 %(n)d 个字符，请在 Excel 中改短后再上传。") % {"n": MAX_SHEET_NAME}
        )
    if chosen.name not in offered:
        offered.append(chosen.name)  # a hidden sheet read: shown as the one read
    return chosen, index, offered


def _xlsx_rows(path: Path, sheet, index: int) -> Iterator[tuple[int, list]]:
    formulas = formula_cells(path, index)
    try:
        first_column = sheet.start[1] if sheet.start else 0  # calamine's rows start there
        for number, cells in enumerate(sheet.iter_rows(), start=1):
            values = [_xlsx_value(c) for c in cells]
            if number in formulas:
                for column, written in formulas[number].items():
                    position = column - 1 - first_column
                    if 0 <= position < len(values):
                        values[position] = Formula(written)
                values = FormulaRow(values)
            for c in values:
                if isinstance(c, str) and len(c) > MAX_CELL_CHARS:
                    raise ReadError(
                        _("第 %(row)d 行有单元格超过 %(n)d 个字符。")
                        % {"row": number, "n": MAX_CELL_CHARS}
                    )
            yield number, values
    except ReadError:
        raise
    except Exception as exc:  # calamine raises its own error types for broken files
        raise ReadError(_("Excel 文件已损坏或不完整：%(why)s") % {"why": str(exc)[:200]}) from exc


def open_table(
    path: Path | str,
    filename: str | None = None,
    *,
    sheet: str | None = None,
    known: Collection[str] = (),
) -> Table:
    """The file's headings and rows. Of a workbook, the sheet named `sheet`, or else the one
    whose headings are most among `known` (`_choose_sheet`)."""
    path = Path(path)
    name = (filename or path.name).lower()
    if not path.exists() or path.stat().st_size == 0:
        raise ReadError(_("文件是空的。"))
    if name.endswith((".xlsx", ".xlsm")):
        check_xlsx(path)
        chosen, index, sheets = _open_workbook(path, sheet, known)
        headers, rows = _split_header(_xlsx_rows(path, chosen, index))
        return Table(headers, rows, "xlsx", sheet=chosen.name, sheets=sheets)
    if name.endswith((".xls",)):
        raise ReadError(_("不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 或 CSV。"))
    with path.open("rb") as fh:
        if fh.read(4) == b"PK\x03\x04":
            raise ReadError(_("这是一个 Excel（.xlsx）文件，请使用 .xlsx 扩展名上传。"))
    encoding = detect_encoding(path)
    headers, rows = _split_header(_csv_rows(path, encoding))
    return Table(headers, rows, "csv", encoding)


def cell_text(value) -> str:
    """A cell as text: dates as YYYY-MM-DD, whole numbers without '.0'."""
    if type(value) is str:  # every CSV cell: the common case first
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


__all__ = ["ReadError", "Table", "cell_text", "open_table"]
