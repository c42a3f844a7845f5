"""The audit log as an exported file (`exchange.lists`), for the auditor's reviews: the
page's filters, every event, with its hash and the previous one's, to match an event in the
file to the chain (`tongxin audit_verify` checks the chain itself: times here are local and
to the second, codes shown by their names, so the hashes cannot be recomputed from the file).
Not masked: an event's detail may hold what a user searched for, an ID number among them."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongxin.exchange.lists import ListExport, labels

from .models import Action, AuditEvent, Outcome

EVENTS = ListExport(
    title=_("审计日志"),
    slug="audit-log",
    object_type="audit.auditevent",
    headers=[
        _("序号"),
        _("时间"),
        _("操作人"),
        _("操作人单位"),
        _("动作"),
        _("对象类型"),
        _("对象标识"),
        _("目的"),
        _("结果"),
        _("客户端地址"),
        _("详情"),
        _("前一事件哈希"),
        _("本事件哈希"),
    ],
    widths=[10, 20, 16, 16, 12, 24, 12, 24, 8, 16, 40, 66, 66],
    masked=False,
)


def event_rows(events) -> Iterator[list[object]]:
    actions, outcomes = labels(Action), labels(Outcome)
    event: AuditEvent
    for event in events.iterator(chunk_size=2000):
        yield [
            event.seq,
            timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M:%S"),
            event.actor_username,
            event.actor_unit,
            actions.get(event.action, event.action),
            event.object_type,
            event.object_id,
            event.purpose,
            outcomes.get(event.outcome, event.outcome),
            event.client_ip,
            event.detail,
            event.prev_hash,
            event.hash,
        ]
