"""The registry's lists — persons, housing — as XLSX or CSV through `lists` (SpreadsheetML
written as text and spooled to disk, or CSV streamed), so a million rows never sit in memory."""

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
from tongxin.registry.exports import HEADERS, WIDTHS, export_rows
from tongxin.registry.models import mask_phone
from tongxin.registry.selectors import person_list_for

from .lists import (
    ExportRefused,
    ListExport,
    export_response,
    labels,
    unmasking,
    watermark,
    write_list_xlsx,
)

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
    landlord's phone masked unless `full`."""
    cipher = crypto.FieldCrypto.current()
    kinds = labels(HousingKind)
    for item in housing.iterator(chunk_size=2000):
        phone = cipher.decrypt(item.landlord_phone_enc)
        yield [
            item.address,
            item.grid.name,
            item.grid.code,
            kinds.get(item.kind, item.kind),
            item.landlord_name,
            phone if full else mask_phone(phone),
            item.rental_start.isoformat() if item.rental_start else "",
            item.rental_end.isoformat() if item.rental_end else "",
            item.residents or 0,
        ]
