"""Writing and verifying the audit chain.

Every event carries the hash of the one before it. Appending first increments the chain
head with a conditional UPDATE, which takes the write lock on both SQLite and PostgreSQL,
so concurrent writers serialise and the sequence has no gaps.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from .models import Action, AuditEvent, ChainHead, Outcome

GENESIS = "0" * 64


def client_ip(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    return request.META.get("REMOTE_ADDR", "")[:45]


def _digest(event: AuditEvent) -> str:
    body = json.dumps(
        [
            event.seq,
            event.at.astimezone(UTC).isoformat(timespec="microseconds"),
            event.actor_username,
            event.actor_unit,
            event.action,
            event.object_type,
            event.object_id,
            event.purpose,
            event.outcome,
            event.client_ip,
            event.detail,
            event.prev_hash,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def audit_record(
    *,
    action: str,
    actor: Any = None,
    request: HttpRequest | None = None,
    obj: Any = None,
    object_type: str = "",
    object_id: str | int = "",
    purpose: str = "",
    outcome: str = Outcome.SUCCESS,
    detail: dict | str = "",
    username: str = "",
) -> AuditEvent:
    """Append one event. Call inside the transaction of the change it records."""
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    if isinstance(detail, dict):
        detail = json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)
    with transaction.atomic():
        if not ChainHead.objects.filter(pk=1).update(last_seq=F("last_seq") + 1):
            # Only before the first event of a new database (the migration creates the head).
            ChainHead.objects.create(pk=1, last_seq=1, last_hash=GENESIS)
        head = ChainHead.objects.get(pk=1)
        event = AuditEvent(
            seq=head.last_seq,
            at=timezone.now(),
            actor_username=(actor.get_username() if actor is not None else username)[:150],
            actor_unit=getattr(getattr(actor, "unit", None), "code", "") or "",
            action=action,
            object_type=object_type,
            object_id=str(object_id)[:64],
            purpose=purpose[:300],
            outcome=outcome,
            client_ip=client_ip(request),
            detail=detail,
            prev_hash=head.last_hash,
        )
        event.hash = _digest(event)
        event.save()
        ChainHead.objects.filter(pk=1).update(last_hash=event.hash)
    return event


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str = ""


def audit_verify() -> VerifyResult:
    """Walk the chain in order; name the first event whose content or link is wrong."""
    expected_prev = GENESIS
    expected_seq = 1
    checked = 0
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
        if event.seq != expected_seq:
            return VerifyResult(
                False, checked, expected_seq, f"事件 #{expected_seq} 缺失（已被删除）"
            )
        if event.prev_hash != expected_prev:
            return VerifyResult(
                False, checked, event.seq, f"事件 #{event.seq} 与前一事件的链接不符"
            )
        if _digest(event) != event.hash:
            return VerifyResult(False, checked, event.seq, f"事件 #{event.seq} 的内容已被改动")
        expected_prev = event.hash
        expected_seq += 1
        checked += 1
    head = ChainHead.objects.filter(pk=1).first()
    if head is not None and (head.last_seq != checked or head.last_hash != expected_prev):
        return VerifyResult(
            False, checked, checked + 1, f"链尾不符：应有 {head.last_seq} 个事件，实有 {checked} 个"
        )
    return VerifyResult(True, checked)


__all__ = ["Action", "Outcome", "audit_record", "audit_verify", "client_ip"]
