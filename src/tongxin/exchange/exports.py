"""The person list as XLSX, written row by row to a temporary file and streamed from disk,
so a million rows never sit in memory."""

from __future__ import annotations

import tempfile

from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from tongxin.registry.exports import HEADERS, export_rows


def person_xlsx_response(user, persons, *, full: bool, purpose: str, filename: str) -> FileResponse:
    stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    workbook = Workbook(write_only=True)
    workbook.properties.creator = f"{user.username}"
    workbook.properties.title = "人员名单"
    workbook.properties.description = (
        f"导出人：{user.username}；时间：{stamp}；用途：{purpose or '-'}"
    )
    workbook.properties.keywords = "已脱敏" if not full else "含完整证件号码"
    sheet = workbook.create_sheet("人员名单")
    mark = WriteOnlyCell(
        sheet,
        value=f"导出人：{user.username}  时间：{stamp}  用途：{purpose or '-'}  {'含完整证件号码，请妥善保管' if full else '已脱敏'}",
    )
    mark.font = Font(italic=True, color="808080")
    sheet.append([mark])
    header = []
    for title in HEADERS:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in export_rows(persons, full=full):
        sheet.append(row)
    spool = tempfile.TemporaryFile(suffix=".xlsx")  # deleted when the response closes it
    workbook.save(spool)
    spool.seek(0)
    return FileResponse(
        spool,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
