"""Reads of service requests, scoped through `accounts.scoping`."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongxin.accounts.scoping import scoped
from tongxin.core.filters import known_value
from tongxin.geo.models import Unit, subtree_q

from .models import ServiceRequest
from .services import OPEN

QUEUES = {
    "mine": _("我的收件箱"),
    "open": _("待办"),
    "due_soon": _("即将到期"),
    "overdue": _("已超期"),
    "all": _("全部"),
}


def request_list_for(user, params) -> QuerySet[ServiceRequest]:
    """The requests a user may see in a queue (`queue`: mine, open — the default —, due_soon,
    overdue, all), narrowed (never widened) by the dashboards' links: `category`,
    `department` (codes: an unknown one lists nothing) and `unit` (that unit and below). An
    unknown queue is a ValidationError naming it (`core.filters`), never the whole scope."""
    queue = known_value(params, "queue", QUEUES, _("队列")) or "open"
    category, department = params.get("category"), params.get("department")
    requests = scoped(user, ServiceRequest.objects.select_related("category", "department"))
    now = timezone.now()
    if queue in ("mine", "open", "due_soon", "overdue"):
        requests = requests.filter(status__in=OPEN)
    if queue == "mine":
        # What waits for me: what I received, or what my department must handle.
        mine = Q(received_by=user)
        if user.department_id:
            mine |= Q(department_id=user.department_id)
        requests = requests.filter(mine)
    if queue == "due_soon":
        requests = requests.filter(due_at__gte=now, due_at__lt=now + timedelta(days=2))
    if queue == "overdue":
        requests = requests.filter(due_at__lt=now)
    narrowed = {"category__code": category, "department__code": department}
    requests = requests.filter(**{k: v for k, v in narrowed.items() if v})
    if params.get("unit"):
        unit = Unit.objects.filter(code=params["unit"]).first()
        requests = requests.filter(subtree_q(unit.path, "unit_path")) if unit else requests.none()
    # Open requests first: green channel, then the nearest deadline; then the finished ones,
    # newest first (the "all" queue of the dashboards' links is mostly finished requests).
    is_open = Q(status__in=OPEN)
    return requests.order_by(
        Case(When(is_open, then=Value(0)), default=Value(1), output_field=IntegerField()),
        Case(
            When(is_open & ~Q(green_channel=""), then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
        Case(When(is_open, then=F("due_at")), default=None).asc(nulls_last=True),
        "-received_at",
        "-pk",
    )
