"""Reads of service requests, scoped through `accounts.scoping`."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongxin.accounts.models import Department
from tongxin.accounts.scoping import scoped
from tongxin.core.filters import known_code, known_value
from tongxin.geo.models import Unit, subtree_q

from .models import AssistanceStatus, Category, ServiceRequest
from .services import OPEN

QUEUES = {
    "mine": _("我的收件箱"),
    "open": _("待办"),
    "due_soon": _("即将到期"),
    "overdue": _("已超期"),
    "all": _("全部"),
}


def requests_of_person(user, person) -> QuerySet[ServiceRequest]:
    """A person's requests (with their emergency aid) that this user may see: the same scope
    as the request pages, so the person file never shows a request its reader cannot open."""
    return scoped(
        user,
        ServiceRequest.objects.filter(person=person).select_related("category", "assistance"),
    ).order_by("-received_at", "-pk")


def request_list_for(user, params) -> QuerySet[ServiceRequest]:
    """The requests a user may see in a queue (`queue`: mine, open — the default —, due_soon,
    overdue, all), narrowed (never widened) by the dashboards' links: `category`,
    `department` (codes) and `unit` (that unit and below). An unknown queue or code is a
    ValidationError naming it (`core.filters`), never the whole scope."""
    queue = known_value(params, "queue", QUEUES, _("队列")) or "open"
    category = known_code(params, "category", Category.objects.all(), _("诉求类别"))
    department = known_code(params, "department", Department.objects.all(), _("承办部门"))
    unit = known_code(params, "unit", Unit.objects.all(), _("区域"))
    requests = scoped(user, ServiceRequest.objects.select_related("category", "department"))
    now = timezone.now()
    if queue in ("mine", "open", "due_soon", "overdue"):
        requests = requests.filter(status__in=OPEN)
    if queue == "mine":
        # What waits for me: what I received, or what my department must handle.
        mine = Q(received_by=user)
        if user.department_id:
            mine |= Q(department_id=user.department_id)
            # Emergency aid this (civil-affairs) department must approve or pay out.
            mine |= Q(
                assistance__department_id=user.department_id,
                assistance__status__in=[AssistanceStatus.ASSESSED, AssistanceStatus.APPROVED],
            )
        requests = requests.filter(mine)
    if queue == "due_soon":
        requests = requests.filter(due_at__gte=now, due_at__lt=now + timedelta(days=2))
    if queue == "overdue":
        requests = requests.filter(due_at__lt=now)
    if category is not None:
        requests = requests.filter(category=category)
    if department is not None:
        requests = requests.filter(department=department)
    if unit is not None:
        requests = requests.filter(subtree_q(unit.path, "unit_path"))
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
