from __future__ import annotations

from datetime import datetime, time

from django.db.models import QuerySet
from django.utils import timezone

from tongxin.accounts.roles import Cap

from .models import AuditEvent


def audit_events_for(
    user, *, action="", actor="", object_type="", date_from=None, date_to=None
) -> QuerySet[AuditEvent]:
    """Audit events the user may read (auditors only), filtered."""
    if not getattr(user, "is_authenticated", False) or not user.can(Cap.AUDIT_READ):
        return AuditEvent.objects.none()
    events = AuditEvent.objects.all()
    if action:
        events = events.filter(action=action)
    if actor:
        events = events.filter(actor_username=actor)
    if object_type:
        events = events.filter(object_type=object_type)
    tz = timezone.get_current_timezone()
    if date_from:
        events = events.filter(at__gte=datetime.combine(date_from, time.min, tzinfo=tz))
    if date_to:
        events = events.filter(at__lte=datetime.combine(date_to, time.max, tzinfo=tz))
    return events.order_by("-seq")
