"""Any list of the system as Excel or CSV: the list's current filters and the user's scope,
streamed with flat memory, marked with who exported it, when and why, audited.

A list hands over its headings and a generator of rows (plain values); this module writes
them. Personal fields are masked by the list before they get here: a list that has none
(disputes, tasks) needs no mask, one that has (requests) masks them in its rows."""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from itertools import islice

from django.http import FileResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from tongxin.accounts.roles import Cap
from tongxin.audit.services import Action, audit_record
from tongxin.core.cells import FORMULA_STARTS, neutralise

from .xlsx_writer import BOLD, NOTE, Properties, write_xlsx

FORMATS = ("xlsx", "csv")
CSV_LINES_PER_CHUNK = 500
StrOrPromise = str | Promise  # headings may be lazy translations, rendered at export time
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


_FORMULA_STARTS = frozenset(FORMULA_STARTS)  # a set: the quickest test of a first character


def neutralised(rows: Iterable[Sequence[object]]) -> Iterator[list[object]]:
    """Rows with every text cell neutralised (free text typed by users may start with '=')."""
    for row in rows:
        yield [
            # Nearly every cell is plain text: `neutralise` inlined (a call per cell cost
            # more than the check itself).
            ("'" + v if v[:1] in _FORMULA_STARTS else v)
            if type(v) is str
            else neutralise(str(v))
            if isinstance(v, str | Promise)  # str subclasses (SafeString), lazy text
            else v
            for v in row
        ]


def labels(choices) -> dict[str, str]:
    """A TextChoices' values and their labels in the current language."""
    return {value: str(label) for value, label in choices.choices}


def local_time(moment) -> str:
    """A moment as the local "YYYY-MM-DD HH:MM", or '' for none."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def yes_no(value: bool | None) -> str:
    return "" if value is None else (_("是") if value else _("否"))


@dataclass(frozen=True)
class ListExport:
    """One list as an exported file."""

    title: StrOrPromise  # the sheet's name, e.g. 诉求清单
    slug: str  # the file name's stem, e.g. requests
    object_type: str  # what the audit event names, e.g. services.servicerequest
    headers: Sequence[StrOrPromise]
    widths: Sequence[float] = ()
    masked: bool = True  # whether personal fields were masked ("已脱敏" in the mark)


def watermark(user, purpose: str, *, masked: bool) -> tuple[str, str]:
    """The line that opens the file and the time it names."""
    stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    note = _("已脱敏") if masked else _("含完整个人信息，请妥善保管")
    # The login (unique, what the audit log names) and the officer's name beside it.
    who = (
        f"{user.username}（{user.full_name}）" if getattr(user, "full_name", "") else user.username
    )
    mark = _("导出人：%(user)s  时间：%(time)s  用途：%(purpose)s") % {
        "user": who,
        "time": stamp,
        "purpose": purpose or "-",
    }
    return f"{mark}  {note}", stamp


class ExportRefused(Exception):
    """The export cannot go ahead; the message says why."""


def unmasking(request) -> tuple[bool, str]:
    """Whether the export asks to be unmasked (`unmasked=1`), and its stated purpose.
    Unmasked needs the right to see full personal data (查看完整证件号码) and a purpose of at
    least two characters; else ExportRefused."""
    purpose = request.GET.get("purpose", "").strip()[:200]
    full = request.GET.get("unmasked") == "1"
    if full and (not request.user.can(Cap.PERSON_FULL_ID) or len(purpose) < 2):
        raise ExportRefused(_("导出完整个人信息须具备相应权限并说明用途。"))
    return full, purpose


def export_context(request, *, maskable: bool = False) -> dict:
    """What a list page's export links need (`exchange/_export_links.html`): its filters
    without page, cursor or export fields (`export_query`, also the base of the page's own
    next-page link); and, for a list with personal fields, whether to offer the unmasked
    export (which asks for its purpose)."""
    query = request.GET.copy()
    for key in ("page", "after", "format", "unmasked", "purpose"):
        query.pop(key, None)
    return {
        "export_query": query.urlencode(),
        "export_fields": [(key, value) for key, values in query.lists() for value in values],
        "can_unmask": maskable and request.user.can(Cap.PERSON_FULL_ID),
    }


def export_response(
    request,
    spec: ListExport,
    rows: Iterable[Sequence[object]],
    *,
    fmt: str | None = None,
    purpose: str | None = None,
    detail: dict | None = None,
    rows_neutralised: bool = False,
) -> HttpResponseBase:
    """Audit the export, then the file: CSV streamed as it is read, XLSX spooled to disk
    (the ZIP needs each sheet's size) and streamed from there. The format and the stated
    purpose come from the query (`format`, `purpose`) unless given."""
    fmt = request.GET.get("format", "xlsx") if fmt is None else fmt
    if purpose is None:
        purpose = request.GET.get("purpose", "").strip()[:200]
    if fmt not in FORMATS:
        return HttpResponseBadRequest(_("导出格式只能是 xlsx 或 csv。"))
    audit_record(
        action=Action.EXPORT,
        request=request,
        object_type=spec.object_type,
        purpose=purpose or _("导出名单"),
        detail={
            "list": spec.slug,
            "filters": request.GET.urlencode(),
            "unmasked": not spec.masked,
            "format": fmt,
            **(detail or {}),
        },
    )
    if not rows_neutralised:
        rows = neutralised(rows)
    mark, stamp = watermark(request.user, purpose, masked=spec.masked)
    # Named as the list is (房屋信息-20261207.xlsx); browsers read the UTF-8 form of the name.
    filename = f"{spec.title}-{timezone.localdate():%Y%m%d}.{fmt}"
    if fmt == "csv":
        return _csv_response(spec, rows, mark, filename)
    spool = tempfile.TemporaryFile(suffix=".xlsx")  # deleted when the response closes it
    write_list_xlsx(spool, request.user, spec, rows, mark=mark, stamp=stamp, purpose=purpose)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=filename, content_type=XLSX_TYPE)


def export_maskable(
    request, spec: ListExport, rows_for: Callable[[bool], Iterable[Sequence[object]]]
) -> HttpResponseBase:
    """A list with personal fields: masked, or in full (`rows_for(True)`) when `unmasking`
    allows it; refused with the reason otherwise."""
    try:
        full, purpose = unmasking(request)
    except ExportRefused as exc:
        return HttpResponseBadRequest(str(exc))
    return export_response(request, replace(spec, masked=not full), rows_for(full), purpose=purpose)


def write_list_xlsx(target, user, spec: ListExport, rows, *, mark: str, stamp: str, purpose: str):
    """The rows as a workbook whose first row and document properties say who, when, why."""
    return write_xlsx(
        target,
        rows,
        sheet_title=str(spec.title),
        heading=[([mark], NOTE), ([str(h) for h in spec.headers], BOLD)],
        widths=spec.widths,
        properties=Properties(
            creator=user.username,
            title=str(spec.title),
            description=mark,
            keywords=_("已脱敏") if spec.masked else _("含完整个人信息"),
        ),
    )


class _Echo:
    """csv.writer's file: hands each written line back instead of keeping it."""

    def write(self, value: str) -> str:
        return value


def _csv_response(spec: ListExport, rows, mark: str, filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff"  # Excel opens UTF-8 as such only with the mark
        yield writer.writerow([f"# {mark}"])
        yield writer.writerow([str(h) for h in spec.headers])
        # A few hundred lines a chunk: a chunk per line costs the server a write each.
        remaining = iter(rows)
        while block := list(islice(remaining, CSV_LINES_PER_CHUNK)):
            yield "".join([writer.writerow(row) for row in block])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename) or ""
    return response
