"""The form as an Excel workbook (opened and read cell by cell), as a PDF (read back), as
a print page, from the command line and through the API."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from pypdf import PdfReader

from tests.conftest import login_as
from tongxin.accounts.models import User
from tongxin.geo.models import Unit
from tongxin.reports import exports, services, tables
from tongxin.reports.periods import last_complete

pytestmark = pytest.mark.django_db

STREET = "410104001"
COMMUNITY = "410104001001"


def submitted_community_form():
    period = last_complete("month", timezone.localdate())
    community = Unit.objects.get(code=COMMUNITY)
    form = services.form_submit(
        actor=User.objects.get(username="community_officer"),
        unit=community,
        period=period,
        preparer="新华社区专干",
    )
    services.form_review(actor=User.objects.get(username="street_officer"), form=form, accept=True)
    form.refresh_from_db()
    return form


def test_the_workbook_has_the_government_layout_and_the_right_numbers():
    form = submitted_community_form()
    doc = exports.document(form.unit, tables.Period.parse(form.period))
    sheet = load_workbook(io.BytesIO(exports.xlsx(doc))).active
    columns = form.data["columns"]
    last = len(columns) + 1
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert sheet["A1"].value == "少数民族流动人口基本情况统计表"
    assert f"A1:{get_column_letter(last)}1" in merged
    assert "新华社区居委会（410104001001）" in sheet["A2"].value
    assert "报告期：" in sheet.cell(2, last // 2 + 1).value
    # Header: 单位 over two rows; a lone column over two rows; a group over its columns.
    assert sheet["A3"].value == "单位" and "A3:A4" in merged
    assert sheet["B3"].value == "期末人数" and "B3:B4" in merged
    assert sheet["C3"].value == "人数变动" and "C3:F3" in merged
    assert [sheet.cell(4, c).value for c in range(3, 7)] == [
        "本期流入",
        "本期流出",
        "辖区内迁入",
        "辖区内迁出",
    ]
    ethnic = next(i for i, c in enumerate(columns, start=2) if c["group"] == "民族")
    assert sheet.cell(3, ethnic).value == "民族"
    assert sheet.cell(4, ethnic).value == "回族"
    # One row per grid as submitted, then the total; every number as frozen.
    rows = form.data["rows"]
    for i, row in enumerate(rows, start=5):
        assert sheet.cell(i, 1).value.startswith(row["name"])
        assert [sheet.cell(i, c).value for c in range(2, last + 1)] == [
            row["values"][col["code"]] for col in columns
        ]
    total_row = 5 + len(rows)
    assert sheet.cell(total_row, 1).value == "合计"
    assert [sheet.cell(total_row, c).value for c in range(2, last + 1)] == [
        form.data["total"][col["code"]] for col in columns
    ]
    assert sheet.cell(total_row, 2).value == sum(r["values"]["present"] for r in rows) > 0
    footer = sheet.cell(total_row + 2, 1).value
    reviewer = User.objects.get(username="street_officer").full_name
    assert "填表人：新华社区专干" in footer and f"审核人：{reviewer}" in footer
    assert sheet.page_setup.orientation == "landscape" and int(sheet.page_setup.paperSize) == 9
    assert sheet.freeze_panes == "B5"


def test_the_pdf_is_a4_landscape_with_every_column_and_the_total():
    form = submitted_community_form()
    doc = exports.document(form.unit, tables.Period.parse(form.period))
    reader = PdfReader(io.BytesIO(exports.pdf(doc)))
    assert len(reader.pages) == len(doc.chunks()) >= 2  # 续表: the columns do not fit one page
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert round(float(width)) == 842 and round(float(height)) == 595  # A4 landscape, points
    # Narrow header cells wrap their labels over lines.
    text = "".join(page.extract_text() for page in reader.pages).replace(" ", "").replace("\n", "")
    assert "少数民族流动人口基本情况统计表" in text and "（续表）" in text
    assert "新华社区居委会" in text and "合计" in text and "填表人：新华社区专干" in text
    for column in doc.columns:
        assert column.label in text, column.label


def test_the_print_page_splits_the_columns_and_repeats_the_unit_column(client):
    form = submitted_community_form()
    login_as(client, "street_officer")
    page = client.get(f"/reports/{COMMUNITY}/{form.period}/print/").content.decode()
    doc = exports.document(form.unit, tables.Period.parse(form.period))
    assert page.count('<section class="sheet">') == len(doc.chunks())
    assert page.count("（续表）") == len(doc.chunks()) - 1
    assert page.count(">单位</th>") == len(doc.chunks())


def test_the_command_writes_excel_and_pdf(tmp_path):
    form = submitted_community_form()
    xlsx = tmp_path / "form.xlsx"
    call_command("report", "stats", "--unit", COMMUNITY, "--period", form.period, "-o", str(xlsx))
    assert load_workbook(xlsx).active["B5"].value == form.data["rows"][0]["values"]["present"]
    pdf = tmp_path / "form.pdf"
    call_command(
        "report",
        "stats",
        "--unit",
        STREET,
        "--period",
        "2026-Q3",
        "--format",
        "pdf",
        "-o",
        str(pdf),
    )
    assert pdf.read_bytes().startswith(b"%PDF")
    with pytest.raises(CommandError, match="无法识别"):
        call_command("report", "stats", "--unit", STREET, "--period", "2026-13", "-o", str(pdf))
    with pytest.raises(CommandError, match="不存在"):
        call_command("report", "stats", "--unit", "999", "--period", "2026-10", "-o", str(pdf))


def test_the_api_answers_the_form_in_its_scope(client):
    form = submitted_community_form()
    login_as(client, "street_officer")
    response = client.get(f"/api/v1/reports/stats/?unit={COMMUNITY}&period={form.period}")
    assert response.status_code == 200
    body = response.json()
    assert body["unit"] == COMMUNITY and body["period"] == form.period
    assert body["status"] == "accepted"
    first = form.data["rows"][0]
    assert body["rows"][0]["unit"] == first["unit"] and body["rows"][0]["name"] == first["name"]
    assert body["rows"][0]["present"] == first["values"]["present"]
    assert body["rows"][0]["arrivals"] == first["values"]["arrivals"]
    assert body["total"]["present"] == form.data["total"]["present"]
    assert {"present", "arrivals", "departures"} <= set(body["total"])
    street = client.get(f"/api/v1/reports/stats/?unit={STREET}&period={form.period}").json()
    assert street["status"] == "not_submitted"
    assert street["rows"][0]["present"] == body["total"]["present"]  # the community's row
    bad = client.get(f"/api/v1/reports/stats/?unit={STREET}&period=2026-13")
    assert bad.status_code == 400 and "无法识别" in json.dumps(bad.json(), ensure_ascii=False)
    login_as(client, "community_officer")
    assert (
        client.get(f"/api/v1/reports/stats/?unit={STREET}&period={form.period}").status_code == 404
    )
