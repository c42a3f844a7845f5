"""A form as a government document: the Excel workbook (title, unit and period, two header
rows with merged group headings, one row per unit, the total, preparer, reviewer and date)
and the A4 landscape PDF; the print page uses the same column chunks as the PDF."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.geo.models import Unit

from . import tables
from .columns import Column, header_groups, header_rows
from .models import FormStatus, StatForm
from .periods import Period


@dataclass
class DocRow:
    unit_code: str
    name: str
    values: dict[str, int]
    note: str = ""
    own_level: bool = False


@dataclass
class Document:
    title: str
    unit: Unit
    period: Period
    columns: list[Column]
    rows: list[DocRow]
    total: dict[str, int]
    preparer: str
    reviewer: str
    day: date | None
    status: str  # what the document is: submitted and its review, or a preview
    state: str  # the form's status, or "not_submitted"
    as_of: str  # the day the values describe

    @property
    def groups(self) -> list[tuple[str, int]]:
        return header_groups(self.columns)

    @property
    def header(self):
        return header_rows(self.columns)

    @property
    def footer(self) -> str:
        return _("填表人：%(p)s    审核人：%(r)s    填报日期：%(d)s    状态：%(s)s") % {
            "p": self.preparer,
            "r": self.reviewer,
            "d": self.day.isoformat() if self.day else "",
            "s": self.status,
        }

    def chunks(self, width: int = 22) -> list[list[Column]]:
        """Columns in page-wide pieces, never splitting a group (printed forms continue on
        the next page with the unit column repeated: 续表)."""
        pieces: list[list[Column]] = [[]]
        start = 0
        for _group, count in self.groups:
            group = self.columns[start : start + count]
            start += count
            if pieces[-1] and len(pieces[-1]) + count > width:
                pieces.append([])
            pieces[-1].extend(group)
        return pieces


def _t(text: str) -> str:
    """Labels are configuration; the shipped ones have translations."""
    return _(text) if text else ""


def document(unit: Unit, period: Period, form: StatForm | None = None) -> Document:
    """The submitted form if there is one, else the form as it would be submitted now."""
    form = form if form is not None else tables.form_of(unit, period)
    if form is not None:
        data = form.data
        columns = [Column(**c) for c in data["columns"]]
        rows = [
            DocRow(r["unit"], r["name"], r["values"], own_level=r.get("own_level", False))
            for r in data["rows"]
        ]
        reviewer = (
            form.reviewed_by.full_name or form.reviewed_by.username if form.reviewed_by else ""
        )
        status = form.get_status_display()
        if form.status == FormStatus.RETURNED and form.comment:
            status += _("（%(c)s）") % {"c": form.comment}
        return Document(
            form.template.title,
            unit,
            period,
            columns,
            rows,
            data["total"],
            form.preparer,
            reviewer if form.status == FormStatus.ACCEPTED else "",
            timezone.localtime(form.submitted_at).date(),
            status,
            form.status,
            data.get("as_of", ""),
        )
    table = tables.compute(unit, period)
    # An upper level's child that has not submitted is shown as the registry has it.
    unfiled = _("未上报，按登记数据")
    rows = [
        DocRow(
            r.unit_code,
            r.name,
            r.values,
            unfiled if r.unit_code in table.live_children else "",
            r.own_level,
        )
        for r in table.rows
    ]
    return Document(
        table.template.title,
        unit,
        period,
        table.columns,
        rows,
        table.total,
        "",
        "",
        None,
        _("未上报（按登记数据预填）"),
        "not_submitted",
        table.as_of.isoformat(),
    )


# --- Excel -----------------------------------------------------------------------------------


def xlsx(doc: Document) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = doc.period.key
    last = len(doc.columns) + 1
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)

    ws.cell(1, 1, _t(doc.title)).font = Font(size=16, bold=True)
    ws.cell(1, 1).alignment = center
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=last)
    half = max(last // 2, 1)
    ws.cell(2, 1, _("填报单位：%(u)s（%(c)s）") % {"u": doc.unit.name, "c": doc.unit.code})
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=half)
    ws.cell(2, half + 1, _("报告期：%(p)s    单位：人、件") % {"p": doc.period.label})
    if half + 1 < last:
        ws.merge_cells(start_row=2, start_column=half + 1, end_row=2, end_column=last)

    ws.cell(3, 1, _("单位"))
    ws.merge_cells(start_row=3, start_column=1, end_row=4, end_column=1)
    column = 2
    for group, count in doc.groups:
        if not group:
            ws.cell(3, column, _t(doc.columns[column - 2].label))
            ws.merge_cells(start_row=3, start_column=column, end_row=4, end_column=column)
        else:
            ws.cell(3, column, _t(group))
            if count > 1:
                ws.merge_cells(
                    start_row=3, start_column=column, end_row=3, end_column=column + count - 1
                )
            for i in range(count):
                ws.cell(4, column + i, _t(doc.columns[column - 2 + i].label))
        column += count

    row = 5
    for r in doc.rows:
        ws.cell(row, 1, r.name + (f"（{r.note}）" if r.note else ""))
        for i, c in enumerate(doc.columns, start=2):
            ws.cell(row, i, r.values.get(c.code, 0))
        row += 1
    ws.cell(row, 1, _("合计")).font = Font(bold=True)
    for i, c in enumerate(doc.columns, start=2):
        ws.cell(row, i, doc.total.get(c.code, 0)).font = Font(bold=True)

    for line in range(3, row + 1):
        for col in range(1, last + 1):
            cell = ws.cell(line, col)
            cell.border = box
            if line <= 4:
                cell.alignment = center
                cell.font = Font(bold=True)
    footer = row + 2
    ws.cell(footer, 1, doc.footer)
    ws.merge_cells(start_row=footer, start_column=1, end_row=footer, end_column=last)

    ws.column_dimensions["A"].width = 22
    for i in range(2, last + 1):
        ws.column_dimensions[get_column_letter(i)].width = 6.5
    ws.row_dimensions[4].height = 48
    ws.freeze_panes = "B5"
    ws.print_title_rows = "3:4"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- PDF -------------------------------------------------------------------------------------

# A Chinese TrueType font to embed, where the machine has one (Debian: fonts-wqy-microhei);
# otherwise Adobe's STSong-Light, which reportlab knows without a file but the reader's
# viewer has to supply.
FONT_FILES = [
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
]


def _font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfbase.ttfonts import TTFont

    registered = pdfmetrics.getRegisteredFontNames()
    for name in ("TongxinCJK", "STSong-Light"):
        if name in registered:
            return name
    candidates = [settings.PDF_FONT] if settings.PDF_FONT else []
    for path in candidates + FONT_FILES:
        if Path(path).is_file():
            try:
                pdfmetrics.registerFont(TTFont("TongxinCJK", path, subfontIndex=0))
                return "TongxinCJK"
            except Exception:  # noqa: BLE001, S112 — an unreadable font: try the next
                continue
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


def pdf(doc: Document) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import LongTable, PageBreak, Paragraph, SimpleDocTemplate, Spacer

    FONT = _font()
    title = ParagraphStyle("title", fontName=FONT, fontSize=16, leading=20, alignment=1)
    small = ParagraphStyle("small", fontName=FONT, fontSize=9, leading=11)
    cell = ParagraphStyle("cell", fontName=FONT, fontSize=7, leading=8.5, alignment=1)
    out = io.BytesIO()
    pdf_doc = SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        leftMargin=10 * mm,
        rightMargin=10 * mm,
        topMargin=10 * mm,
        bottomMargin=10 * mm,
        title=_t(doc.title),
        author=doc.unit.name,
    )
    story: list = []
    usable = landscape(A4)[0] - 20 * mm
    chunks = doc.chunks()
    for n, chunk in enumerate(chunks):
        if n:
            story.append(PageBreak())
        heading = _t(doc.title) + (_("（续表）") if n else "")
        story.append(Paragraph(heading, title))
        story.append(Spacer(1, 3 * mm))
        story.append(
            Paragraph(
                _("填报单位：%(u)s（%(c)s）    报告期：%(p)s    单位：人、件")
                % {"u": doc.unit.name, "c": doc.unit.code, "p": doc.period.label},
                small,
            )
        )
        story.append(Spacer(1, 2 * mm))
        header1: list = [_("单位")]
        header2: list = [""]
        spans: list = [("SPAN", (0, 0), (0, 1))]
        column = 1
        for group, count in header_groups(chunk):
            if not group:
                header1.append(Paragraph(_t(chunk[column - 1].label), cell))
                header2.append("")
                spans.append(("SPAN", (column, 0), (column, 1)))
            else:
                header1 += [Paragraph(_t(group), cell)] + [""] * (count - 1)
                header2 += [
                    Paragraph(_t(c.label), cell) for c in chunk[column - 1 : column - 1 + count]
                ]
                if count > 1:
                    spans.append(("SPAN", (column, 0), (column + count - 1, 0)))
            column += count
        data: list[list] = [header1, header2]
        for r in doc.rows:
            name = r.name + (f"（{r.note}）" if r.note else "")
            data.append([Paragraph(name, small), *[r.values.get(c.code, 0) for c in chunk]])
        data.append([_("合计"), *[doc.total.get(c.code, 0) for c in chunk]])
        first = 42 * mm
        widths = [first] + [(usable - first) / max(len(chunk), 1)] * len(chunk)
        table = LongTable(data, colWidths=widths, repeatRows=2)
        table.setStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 7),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("ALIGN", (1, 0), (-1, -1), "CENTER"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("FONT", (0, -1), (-1, -1), FONT, 7),
                ("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#eeeeee")),
                *spans,
            ]
        )
        story.append(table)
        story.append(Spacer(1, 3 * mm))
        story.append(Paragraph(doc.footer, small))
    pdf_doc.build(story)
    return out.getvalue()


def as_json(doc: Document) -> dict:
    """The API's shape: one flat object per row, keyed by the columns' codes."""

    def flat(code: str, name: str, values: dict[str, int], **extra) -> dict:
        return {
            "unit": code,
            "name": name,
            **extra,
            **{c.code: values.get(c.code, 0) for c in doc.columns},
        }

    return {
        "unit": doc.unit.code,
        "name": doc.unit.name,
        "period": doc.period.key,
        "status": doc.state,
        "as_of": doc.as_of,
        "columns": [{"code": c.code, "group": c.group, "label": c.label} for c in doc.columns],
        "rows": [flat(r.unit_code, r.name, r.values, own_level=r.own_level) for r in doc.rows],
        "total": flat(doc.unit.code, doc.unit.name, doc.total),
    }
