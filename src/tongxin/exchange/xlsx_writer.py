"""Large spreadsheets written fast: XLSX (SpreadsheetML) built as text, a row at a time.

openpyxl's write-only mode builds an object per cell, ≈ 10,000 rows/s of the person list;
a million rows took minutes. Here a row is one string of inline-string cells, the sheet is
spooled to a temporary file and then deflated into the workbook, so memory stays flat at
any size and the archive is the plain kind every reader opens (sizes in the local headers,
no data descriptors; ZIP64 only for a sheet past 2 GB).

A value given as text stays text (document numbers stay exact, nothing is read as a
formula); an int or float is a number. A sheet
holds at most Excel's 1,048,576 rows; a longer list continues on further sheets, each
starting with the heading rows again.
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
from typing import IO

EXCEL_MAX_ROWS = 1_048_576
FLUSH_ROWS = 2000
PLAIN, BOLD, NOTE = 0, 1, 2  # the cell styles of styles.xml below

EXCEL_MAX_CELL = 32_767  # characters; Excel calls a longer cell a corrupt file

# XML 1.0 cannot carry these at all (openpyxl raises on them); they are dropped.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# A bare carriage return would be read back as a line feed.
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_NEEDS_WORK = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

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
    if _NEEDS_WORK.search(value) is None and len(value) <= EXCEL_MAX_CELL:
        return value
    return _ILLEGAL.sub("", value)[:EXCEL_MAX_CELL].translate(_ESCAPES)


_OPEN = '<c t="inlineStr"><is><t xml:space="preserve">'
_CLOSE = "</t></is></c>"
_BETWEEN = _CLOSE + _OPEN


def _cell(value: object, style: int = PLAIN) -> str:
    """One cell: a number for an int or float, else text."""
    s = f' s="{style}"' if style else ""
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return f"<c{s}><v>{value!r}</v></c>"
    return f'<c t="inlineStr"{s}><is><t xml:space="preserve">{text(value)}</t></is></c>'


def _cells(values: Sequence[object], style: int = PLAIN) -> str:
    if style:
        return "<row>" + "".join(_cell(v, style) for v in values) + "</row>"
    try:
        # The common case, a row of plain text, checked and joined whole: 3× quicker than
        # cell by cell (the check reads the values alone, not the markup).
        plain = "".join(values)  # type: ignore[arg-type]
    except TypeError:  # not all text
        return "<row>" + "".join(map(_cell, values)) + "</row>"
    if len(plain) > EXCEL_MAX_CELL or _NEEDS_WORK.search(plain) is not None:
        return "<row>" + "".join(map(_cell, values)) + "</row>"
    return f"<row>{_OPEN}{_BETWEEN.join(values)}{_CLOSE}</row>" if values else "<row/>"  # type: ignore[arg-type]


class _Sheet:
    """One worksheet's XML, spooled to disk."""

    def __init__(self, heading: list[tuple[Sequence[object], int]], widths: Sequence[float]):
        self.spool: IO[bytes] = tempfile.TemporaryFile(prefix="tongxin-sheet-")
        self.rows = 0
        self.pending: list[str] = []
        frozen = len(heading)
        parts = [_HEAD, f'<worksheet xmlns="{_MAIN}"><sheetViews><sheetView workbookViewId="0">']
        if frozen:
            parts.append(
                f'<pane ySplit="{frozen}" topLeftCell="A{frozen + 1}" activePane="bottomLeft"'
                ' state="frozen"/>'
            )
        parts.append("</sheetView></sheetViews>")
        if widths:
            parts.append("<cols>")
            parts += [
                f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
                for i, w in enumerate(widths, start=1)
            ]
            parts.append("</cols>")
        parts.append("<sheetData>")
        self.spool.write("".join(parts).encode())
        for values, style in heading:
            self.add(_cells(values, style))

    def add(self, row_xml: str) -> None:
        self.pending.append(row_xml)
        self.rows += 1
        if len(self.pending) >= FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        self.spool.write("".join(self.pending).encode())
        self.pending = []

    def finish(self) -> int:
        self.flush()
        self.spool.write(b"</sheetData></worksheet>")
        size = self.spool.tell()
        self.spool.seek(0)
        return size


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
            sheets[-1].add(_cells(values))
            written += 1
        _package(target, sheets, sheet_title, properties or Properties())
    finally:
        for sheet in sheets:
            sheet.spool.close()
    return written


def _sheet_names(title: str, count: int) -> list[str]:
    # Excel's limits on a sheet name: 31 characters, none of : \ / ? * [ ]
    title = re.sub(r"[:\\/?*\[\]]", " ", title).strip()[:25] or "Sheet"
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
                f'<sheet name="{text(name)}" sheetId="{i}" r:id="rId{i}"/>'
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
            size = sheet.finish()  # known: ZIP64 only if the sheet needs it
            large = size * 1.05 > zipfile.ZIP64_LIMIT
            with book.open(f"xl/worksheets/sheet{i}.xml", "w", force_zip64=large) as member:
                shutil.copyfileobj(sheet.spool, member, 1 << 20)


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
