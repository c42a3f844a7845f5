"""The registry's lists — persons, housing — as XLSX or CSV through `lists` (SpreadsheetML
written as text and spooled to disk, or CSV streamed), so a million rows never sit in memory;
and the import list: a row per import job the user may see, with its counts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import IO

from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.utils.translation import gettext_lazy as _

from tongxin.core import crypto
from tongxin.registry.codes import HousingKind
from tongxin.registry.exports import HEADERS, WIDTHS, IsoDate, LocalDay, export_rows
from tongxin.registry.models import mask_phone
from tongxin.registry.selectors import person_list_for

from .lists import (
    ExportRefused,
    ListExport,
    export_response,
    labels,
    local_time,
    unmasking,
    watermark,
    write_list_xlsx,
    yes_no,
)
from .models import ImportJob, JobStatus

PERSONS = ListExport(
    title=_("人员名单"),
    slug="persons",
    object_type="registry.person",
    headers=HEADERS,
    widths=WIDTHS,
)


def person_export(request, filters, *, fmt: str | None = None) -> HttpResponseBase:
    """The filtered, scoped person list; masked unless the role allows and a purpose is given."""
    try:
        full, purpose = unmasking(request)
        persons = person_list_for(request.user, filters)
    except ExportRefused as exc:
        return HttpResponseBadRequest(str(exc))
    except ValidationError as exc:  # the filters
        return HttpResponseBadRequest(" ".join(exc.messages))
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


# Homes or households read at a time, their residents, sizes and heads looked up in one
# grouped query each (the ids go as one parameter: `core.bulk.id_set`).
CHUNK = 900

HOUSING = ListExport(
    title=_("房屋信息"),
    slug="housing",
    object_type="registry.housing",
    headers=[
        _("地址"),
        _("网格"),
        _("网格编码"),
        _("房屋类别"),
        _("房东（产权人）"),
        _("房东电话"),
        _("租期起"),
        _("租期止"),
        _("现住人数"),
    ],
    widths=[36, 18, 16, 10, 14, 14, 11, 11, 8],
)


def housing_rows(housing, *, full: bool = False) -> Iterator[list[object]]:
    """Each home of a `registry.selectors.housing_list_for` queryset as exported cells; the
    landlord's phone masked unless `full`. Plain values, a chunk of homes at a time, their
    residents counted in one grouped query (`resident_counts`)."""
    from itertools import islice

    from tongxin.geo.models import Unit
    from tongxin.registry.selectors import resident_counts

    cipher = crypto.FieldCrypto.current()
    kinds = labels(HousingKind)
    grids = {u.pk: u for u in Unit.objects.filter(pk__in=housing.order_by().values("grid_id"))}
    ordered = housing.values_list(
        "pk",
        "address",
        "grid_id",
        "kind",
        "landlord_name",
        "landlord_phone_enc",
        IsoDate("rental_start"),
        IsoDate("rental_end"),
    ).iterator(chunk_size=2000)
    while chunk := list(islice(ordered, CHUNK)):
        residents = resident_counts([row[0] for row in chunk])
        for pk, address, grid_id, kind, landlord, phone_enc, start, end in chunk:
            phone = cipher.decrypt(phone_enc) if phone_enc else ""
            grid = grids.get(grid_id)
            yield [
                address,
                grid.name if grid else "",
                grid.code if grid else "",
                kinds.get(kind, kind),
                landlord,
                phone if full else mask_phone(phone),
                start or "",
                end or "",
                residents.get(pk, 0),
            ]


HOUSEHOLDS = ListExport(
    title=_("家庭户"),
    slug="households",
    object_type="registry.household",
    headers=[
        _("户主"),
        _("住址"),
        _("网格"),
        _("网格编码"),
        _("人数"),
        _("适龄未入学或辍学"),
        _("登记日期"),
    ],
    widths=[16, 36, 18, 16, 6, 10, 11],
)


def household_rows(user, households) -> Iterator[list[object]]:
    """Each household of a `registry.selectors.household_list_for` queryset as exported
    cells: its head's name (when the user may see the head), home, grid, size, children out
    of school. Plain values, read a chunk of households at a time: their sizes in one
    grouped query with their heads, whose names the user may see in another
    (`member_counts`, `visible_names`)."""
    from itertools import islice

    from tongxin.geo.models import Unit
    from tongxin.registry.selectors import member_counts, visible_names

    paths = households.order_by().values("unit_path")
    grids = {u.path: u for u in Unit.objects.filter(path__in=paths)}
    ordered = households.values_list(
        "pk", "unit_path", LocalDay("created_at"), "housing__address"
    ).iterator(chunk_size=2000)
    while chunk := list(islice(ordered, CHUNK)):
        counts = member_counts([pk for pk, *_rest in chunk])
        names = visible_names(user, [head for _s, _g, head in counts.values() if head])
        for pk, unit_path, registered_on, address in chunk:
            grid = grids.get(unit_path)
            size, gaps, head = counts.get(pk, (0, 0, None))
            yield [
                names.get(head, "") if head else "",
                address or "",
                grid.name if grid else "",
                grid.code if grid else "",
                size,
                gaps,
                registered_on,
            ]


IMPORT_JOBS = ListExport(
    title=_("导入任务"),
    slug="imports",
    object_type="exchange.importjob",
    headers=[
        _("文件名"),
        _("数据来源"),
        _("上传人"),
        _("上传时间"),
        _("仅校验"),
        _("状态"),
        _("已处理行"),
        _("新增"),
        _("更新"),
        _("未变"),
        _("拒绝"),
        _("完成时间"),
        _("文件按保留期限删除时间"),
    ],
    widths=[30, 16, 14, 16, 6, 8, 8, 8, 8, 8, 8, 16, 16],
)


def import_job_rows(jobs) -> Iterator[list[object]]:
    """Each job of an `exchange.selectors.import_jobs_for` queryset as exported cells: the
    file's name, never its content or where it lay on disk."""
    statuses = labels(JobStatus)
    job: ImportJob
    for job in jobs.iterator(chunk_size=2000):
        yield [
            job.filename,
            job.source,
            str(job.user) if job.user else "",
            local_time(job.created_at),
            yes_no(job.dry_run),
            statuses.get(job.status, job.status),
            job.total,
            job.created,
            job.updated,
            job.unchanged,
            job.rejected,
            local_time(job.finished_at),
            local_time(job.files_deleted_at),
        ]
