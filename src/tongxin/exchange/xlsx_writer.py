"""Large spreadsheets written fast: XLSX (SpreadsheetML) built as text, a row at a time.

openpyxl's write-only mode builds an object per cell, ≈ 10,000 rows/s of the person list;
a million rows took minutes. Here a row of text is one join of its values into pieces kept
per row length; each sheet's rows are spooled to a temporary file (under TMPDIR: point it
at a disk, not a RAM file system, for exports of millions of rows) and then deflated into
the workbook, so memory stays flat at any size and the archive is the plain kind every
reader opens (sizes in the local headers, no data descriptors; ZIP64 only for a sheet past
2 GB). Rows and cells carry their references and each sheet its dimension, which stricter
readers (the OpenXML SDK and what is built on it) require.

A value given as text stays text (document numbers stay exact, nothing is read as a
formula); an int or float is a number. A sheet holds at most Excel's 1,048,576 rows; a
longer list continues on further sheets, each starting with the heading rows again.
"""

from __future__ import annotations

import math
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import IO

EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384  # cells beyond are left off: Excel refuses a wider sheet
EXCEL_MAX_CELL = 32_767  # UTF-16 code units; Excel calls a longer cell a corrupt file
FLUSH_ROWS = 2000
_EXACT = 2**53  # integers Excel holds exactly lie strictly within ±_EXACT
PLAIN, BOLD, NOTE = 0, 1, 2  # the cell styles of styles.xml below

# XML 1.0 cannot carry these at all (openpyxl raises on them); they are dropped.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# A bare carriage return would be read back as a line feed.
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
# Excel reads _xHHHH_ in text as the character HHHH: its underscore is escaped the same way.
_EXCEL_ESCAPE = re.compile("_(x[0-9A-Fa-f]{4}_)")
_SPECIAL = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _needs_work(value: str) -> bool:
    # Two plain scans: a character class and a substring are several times quicker than
    # one pattern with an alternative.
    return _SPECIAL.search(value) is not None or (
        "_x" in value and _EXCEL_ESCAPE.search(value) is not None
    )


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


@dataclass
class Properties:
    """The workbook's document properties (File → Info in Excel)."""

    creator: str = ""
    title: str = ""
    description: str = ""
    keywords: str = ""
    created: datetime = field(default_factory=lambda: datetime.now(UTC))


def text(value: object) -> str:
    """A cell's value as XML text: escaped, characters XML cannot hold dropped, cut to
    the most a cell can hold."""
    value = "" if value is None else str(value)
    if len(value) <= EXCEL_MAX_CELL // 2 and not _needs_work(value):
        return value
    value = _ILLEGAL.sub("", value)
    if len(value) > EXCEL_MAX_CELL // 2:  # characters beyond the BMP count twice
        value = value.encode("utf-16-le")[: EXCEL_MAX_CELL * 2].decode("utf-16-le", "ignore")
    return _EXCEL_ESCAPE.sub(r"_x005F_\1", value).translate(_ESCAPES)


@lru_cache(maxsize=64)
def column(index: int) -> str:
    """The letters of a column, 1 → A, 27 → AA."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _number(value: object) -> str | None:
    """A numeric cell's value, or None if the value is not one Excel holds exactly."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(int(value)) if abs(value) < _EXACT else None  # longer: kept as text
    if isinstance(value, float) and math.isfinite(value):
        return repr(float(value))
    return None


def _cell(value: object, ref: str, style: int) -> str:
    s = f' s="{style}"' if style else ""
    number = _number(value)
    if number is not None:
        return f'<c r="{ref}"{s}><v>{number}</v></c>'
    if value is None or value == "":
        return f'<c r="{ref}"{s}/>' if style else ""
    return f'<c r="{ref}" t="inlineStr"{s}><is><t xml:space="preserve">{text(value)}</t></is></c>'


def _slots(numeric: Sequence[bool]) -> list[str]:
    """A row of cells (text, or a number where `numeric` says so) as pieces for "".join,
    with empty slots for the row number (1, then every 4th from 3) and the values (every 4th
    from 5): filling slots and joining is 4× quicker than formatting a template (each cell
    names its row)."""
    pieces = ['<row r="', ""]
    close = '"><c r="'  # ends the row's number, opens the first cell
    for i, is_number in enumerate(numeric, 1):
        opening = '"><v>' if is_number else '" t="inlineStr"><is><t xml:space="preserve">'
        pieces += [close + column(i), "", opening, ""]
        close = ("</v></c>" if is_number else "</t></is></c>") + '<c r="'
    pieces.append(close.removesuffix('<c r="') + "</row>" if numeric else '"/>')
    return pieces


_MIXED = "mixed"  # a key of a sheet's shapes: the list has rows with numbers


def _shape(kinds: tuple[type, ...]) -> tuple[list[str], list[int]]:
    """A row's pieces by the types of its values, with the positions of its numbers; no
    pieces for a kind of row they cannot write (anything but text and integers)."""
    if not set(kinds) <= {str, int}:
        return [], []
    return _slots([kind is int for kind in kinds]), [i for i, k in enumerate(kinds) if k is int]


def _quick(values: Sequence[object], shapes: dict) -> tuple[list[str], Sequence[str], str] | None:
    """A row of plain text (pieces by its length) or of text and whole numbers Excel holds
    exactly (by the types of its values): its pieces, its cells' texts and them joined, to
    be checked whole; None for any other row, written cell by cell."""
    if _MIXED not in shapes:
        try:
            plain = "".join(values)  # type: ignore[arg-type]
        except TypeError:
            # A list with numbers: its later rows go by their types first, the join
            # failing on each being slower than looking at them.
            shapes[_MIXED] = True
        else:
            pieces = shapes.get(len(values)) or shapes.setdefault(
                len(values), _slots([False] * len(values))
            )
            return pieces, values, plain  # type: ignore[return-value]  # all str: joined
    kinds = tuple(map(type, values))
    pieces, numbers = shapes.get(kinds) or shapes.setdefault(kinds, _shape(kinds))
    if not pieces:
        return None
    for i in numbers:
        # Past 2**53 Excel would round a number: such a row goes cell by cell, as text.
        if not -_EXACT < values[i] < _EXACT:  # type: ignore[operator]
            return None
    texts = list(map(str, values)) if numbers else values
    return pieces, texts, "".join(texts)  # type: ignore[arg-type,return-value]


def _row(number: int, values: Sequence[object], style: int, shapes: dict) -> str:
    quick = _quick(values, shapes) if not style and values else None
    if quick is not None:
        pieces, texts, plain = quick
        if len(plain) <= EXCEL_MAX_CELL // 2 and not _needs_work(plain):
            n = str(number)
            pieces[1] = n
            pieces[3::4] = [n] * len(values)
            pieces[5::4] = texts
            return "".join(pieces)
    cells = "".join(_cell(v, f"{column(i)}{number}", style) for i, v in enumerate(values, 1))
    return f'<row r="{number}">{cells}</row>'


class _Sheet:
    """One worksheet: its rows spooled to disk, its head and tail written when packaged."""

    def __init__(self, heading: list[tuple[Sequence[object], int]], widths: Sequence[float]):
        self.spool: IO[bytes] = tempfile.TemporaryFile(prefix="tongxin-sheet-")
        self.rows = 0
        self.columns = 1
        self.frozen = len(heading)
        self.widths = widths
        self.pending: list[str] = []
        self.slots: dict = {}  # per sheet: the pieces are filled in place
        for values, style in heading:
            self.add(values, style)

    def add(self, values: Sequence[object], style: int = PLAIN) -> None:
        if not isinstance(values, list | tuple):
            values = list(values)
        if len(values) > EXCEL_MAX_COLUMNS:
            values = values[:EXCEL_MAX_COLUMNS]
        self.rows += 1
        self.columns = max(self.columns, len(values))
        self.pending.append(_row(self.rows, values, style, self.slots))
        if len(self.pending) >= FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        self.spool.write("".join(self.pending).encode())
        self.pending = []

    def head(self) -> bytes:
        last = f"{column(self.columns)}{self.rows}" if self.rows else "A1"
        parts = [
            _HEAD,
            f'<worksheet xmlns="{_MAIN}"><dimension ref="A1:{last}"/>',
            '<sheetViews><sheetView workbookViewId="0">',
        ]
        if self.frozen:
            parts.append(
                f'<pane ySplit="{self.frozen}" topLeftCell="A{self.frozen + 1}"'
                ' activePane="bottomLeft" state="frozen"/>'
            )
        parts.append("</sheetView></sheetViews>")
        if self.widths:
            parts.append("<cols>")
            parts += [
                f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
                for i, w in enumerate(self.widths, start=1)
            ]
            parts.append("</cols>")
        parts.append("<sheetData>")
        return "".join(parts).encode()

    TAIL = b"</sheetData></worksheet>"


def write_xlsx(
    target: IO[bytes],
    rows: Iterable[Sequence[object]],
    *,
    sheet_title: str,
    heading: list[tuple[Sequence[object], int]] = (),  # type: ignore[assignment]
    widths: Sequence[float] = (),
    properties: Properties | None = None,
    max_rows: int = EXCEL_MAX_ROWS,
) -> int:
    """Write `rows` (sequences of cell values) as a workbook to `target`; the number of
    rows written (heading rows not counted). `heading` rows, each with a style (PLAIN,
    BOLD, NOTE), open every sheet and stay in view when scrolling."""
    heading = list(heading)
    if len(heading) >= max_rows:
        raise ValueError("the heading leaves no room for rows")
    sheets = [_Sheet(heading, widths)]
    written = 0
    try:
        for values in rows:
            if sheets[-1].rows >= max_rows:
                sheets.append(_Sheet(heading, widths))
            sheets[-1].add(values)
            written += 1
        _package(target, sheets, sheet_title, properties or Properties())
    finally:
        for sheet in sheets:
            sheet.spool.close()
    return written


def _attribute(value: str) -> str:
    return text(value).replace('"', "&quot;")


def _sheet_names(title: str, count: int) -> list[str]:
    # Excel's rules for a sheet name: at most 31 characters, none of : \ / ? * [ ], no
    # apostrophe at either end, and not "History" (reserved).
    title = re.sub(r"[:\\/?*\[\]]", " ", title)[:25].strip().strip("'").strip() or "Sheet"
    if title.lower() == "history":
        title += " 1"
    return [title if i == 1 else f"{title} ({i})" for i in range(1, count + 1)]


def _package(target: IO[bytes], sheets: list[_Sheet], title: str, props: Properties) -> None:
    names = _sheet_names(title, len(sheets))
    count = len(sheets)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as book:

        def put(name: str, xml: str) -> None:
            book.writestr(name, _HEAD + xml)

        put("[Content_Types].xml", _content_types(count))
        put(
            "_rels/.rels",
            f'<Relationships xmlns="{_PKG_REL}">'
            f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
            'relationships/metadata/core-properties" Target="docProps/core.xml"/>'
            f'<Relationship Id="rId3" Type="{_REL}/extended-properties"'
            ' Target="docProps/app.xml"/></Relationships>',
        )
        put("docProps/core.xml", _core(props))
        put(
            "docProps/app.xml",
            '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
            'extended-properties"><Application>Tongxin</Application></Properties>',
        )
        put(
            "xl/workbook.xml",
            f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
            + "".join(
                f'<sheet name="{_attribute(name)}" sheetId="{i}" r:id="rId{i}"/>'
                for i, name in enumerate(names, start=1)
            )
            + "</sheets></workbook>",
        )
        put(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{_PKG_REL}">'
            + "".join(
                f'<Relationship Id="rId{i}" Type="{_REL}/worksheet"'
                f' Target="worksheets/sheet{i}.xml"/>'
                for i in range(1, count + 1)
            )
            + f'<Relationship Id="rId{count + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
            "</Relationships>",
        )
        put("xl/styles.xml", _STYLES)
        for i, sheet in enumerate(sheets, start=1):
            sheet.flush()
            head = sheet.head()
            size = len(head) + sheet.spool.tell() + len(sheet.TAIL)
            large = size * 1.05 > zipfile.ZIP64_LIMIT  # known: ZIP64 only if needed
            sheet.spool.seek(0)
            with book.open(f"xl/worksheets/sheet{i}.xml", "w", force_zip64=large) as member:
                member.write(head)
                shutil.copyfileobj(sheet.spool, member, 1 << 20)
                member.write(sheet.TAIL)


def _content_types(sheets: int) -> str:
    ct = "application/vnd.openxmlformats-officedocument"
    return (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{ct}.spreadsheetml.sheet.main+xml"/>'
        + "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml"'
            f' ContentType="{ct}.spreadsheetml.worksheet+xml"/>'
            for i in range(1, sheets + 1)
        )
        + f'<Override PartName="/xl/styles.xml" ContentType="{ct}.spreadsheetml.styles+xml"/>'
        '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-'
        'package.core-properties+xml"/>'
        f'<Override PartName="/docProps/app.xml" ContentType="{ct}.extended-properties+xml"/>'
        "</Types>"
    )


def _core(props: Properties) -> str:
    created = props.created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
        'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:creator>{text(props.creator)}</dc:creator>"
        f"<dc:title>{text(props.title)}</dc:title>"
        f"<dc:description>{text(props.description)}</dc:description>"
        f"<cp:keywords>{text(props.keywords)}</cp:keywords>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{created}</dcterms:created>'
        "</cp:coreProperties>"
    )


_STYLES = (
    f'<styleSheet xmlns="{_MAIN}">'
    '<fonts count="3"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font>'
    '<font><i/><sz val="11"/><color rgb="FF808080"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
