"""The request list as an exported file (`exchange.lists`): the queue and filters of the
page, every row of them, the requester's phone masked."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongxin.core import crypto
from tongxin.exchange.lists import ListExport, labels, local_time, yes_no
from tongxin.geo.models import Unit
from tongxin.registry.models import mask_phone

from .models import OPEN_STATUSES, Channel, ServiceRequest, Status

HEADERS = [
    _("编号"),
    _("类别"),
    _("渠道"),
    _("诉求人"),
    _("联系电话"),
    _("使用语言"),
    _("需要翻译"),
    _("绿色通道"),
    _("状态"),
    _("承办部门"),
    _("所属单位"),
    _("受理时间"),
    _("办理时限"),
    _("是否超期"),
    _("办结时间"),
    _("满意度"),
]
WIDTHS = [16, 14, 10, 14, 14, 10, 8, 10, 8, 18, 18, 16, 16, 8, 16, 6]
REQUESTS = ListExport(
    title=_("诉求清单"),
    slug="requests",
    object_type="services.servicerequest",
    headers=HEADERS,
    widths=WIDTHS,
)
CHUNK = 2000


def request_rows(requests, *, full: bool = False) -> Iterator[list[object]]:
    """Each request as exported cells, in the order of the queryset, read in chunks; the
    phone masked unless `full`."""
    channels, statuses = labels(Channel), labels(Status)
    cipher = crypto.FieldCrypto.current()  # bound once, not per row
    paths = requests.order_by().values("unit_path")
    unit_names = dict(Unit.objects.filter(path__in=paths).values_list("path", "name"))
    now = timezone.now()
    item: ServiceRequest
    # The free texts stay in the database: not exported, and the bulk of each row.
    for item in requests.defer("description", "result", "follow_up_comment").iterator(
        chunk_size=CHUNK
    ):
        phone = cipher.decrypt(item.requester_phone_enc)
        if item.status in OPEN_STATUSES:
            late = yes_no(item.due_at < now)
        else:  # finished: late if resolved after the deadline; a refusal has no lateness
            late = yes_no(item.resolved_at > item.due_at) if item.resolved_at else ""
        yield [
            item.number,
            item.category.name,
            channels.get(item.channel, item.channel),
            item.requester_name,
            phone if full else mask_phone(phone),
            item.language,
            yes_no(item.interpreter_needed),
            yes_no(bool(item.green_channel)),  # not why: 残疾人, 孕产妇 are health data
            statuses.get(item.status, item.status),
            item.department.name if item.department else "",
            unit_names.get(item.unit_path, ""),
            local_time(item.received_at),
            local_time(item.due_at),
            late,
            local_time(item.resolved_at),
            item.satisfaction if item.satisfaction is not None else "",
        ]
