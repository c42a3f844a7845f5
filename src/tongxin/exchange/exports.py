"""The person list as XLSX: written row by row to a temporary file (`xlsx_writer`) and
streamed from disk, so a million rows never sit in memory."""

from __future__ import annotations

import tempfile
from typing import IO

from django.http import FileResponse
from django.utils import timezone

from tongxin.registry.exports import HEADERS, export_rows

from .xlsx_writer import BOLD, NOTE, Properties, write_xlsx

WIDTHS = [16, 6, 12, 10, 22, 15, 10, 18, 12, 10, 8]


def write_person_xlsx(target: IO[bytes], user, persons, *, full: bool, purpose: str) -> int:
    """The persons as a workbook marked with who exported it, when and why; the row count."""
    stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    mark = f"导出人：{user.username}  时间：{stamp}  用途：{purpose or '-'}"
    return write_xlsx(
        target,
        export_rows(persons, full=full),
        sheet_title="人员名单",
        heading=[
            ([f"{mark}  {'含完整证件号码，请妥善保管' if full else '已脱敏'}"], NOTE),
            (HEADERS, BOLD),
        ],
        widths=WIDTHS,
        properties=Properties(
            creator=user.username,
            title="人员名单",
            description=f"导出人：{user.username}；时间：{stamp}；用途：{purpose or '-'}",
            keywords="含完整证件号码" if full else "已脱敏",
        ),
    )


def person_xlsx_response(user, persons, *, full: bool, purpose: str, filename: str) -> FileResponse:
    spool = tempfile.TemporaryFile(suffix=".xlsx")  # deleted when the response closes it
    write_person_xlsx(spool, user, persons, full=full, purpose=purpose)
    spool.seek(0)
    return FileResponse(
        spool,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
