"""The person list as XLSX or CSV through `lists` (SpreadsheetML written as text and spooled
to disk, or CSV streamed), so a million rows never sit in memory."""

from __future__ import annotations

from dataclasses import replace
from typing import IO

from django.http import HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.utils.translation import gettext_lazy as _

from tongxin.registry.exports import HEADERS, WIDTHS, ExportRefused, export_rows, start_export

from .lists import ListExport, export_response, watermark, write_list_xlsx

PERSONS = ListExport(
    title=_("人员名单"),
    slug="persons",
    object_type="registry.person",
    headers=HEADERS,
    widths=WIDTHS,
)


def person_export(request, filters, *, fmt: str) -> HttpResponseBase:
    """The filtered, scoped person list; masked unless the role allows and a purpose is given."""
    try:
        persons, full, purpose = start_export(request, filters)
    except ExportRefused as exc:
        return HttpResponseBadRequest(str(exc))
    return export_response(
        request,
        replace(PERSONS, masked=not full),
        export_rows(persons, full=full),
        fmt=fmt,
        purpose=purpose,
        rows_neutralised=True,  # the name is the only free text; export_rows neutralises it
    )


def write_person_xlsx(target: IO[bytes], user, persons, *, full: bool, purpose: str) -> int:
    """The persons as a workbook marked with who exported it, when and why; the row count."""
    spec = replace(PERSONS, masked=not full)
    mark, stamp = watermark(user, purpose, masked=spec.masked)
    return write_list_xlsx(
        target, user, spec, export_rows(persons, full=full), mark=mark, stamp=stamp, purpose=purpose
    )
