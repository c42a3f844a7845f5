"""Reads of service requests, scoped through `accounts.scoping`."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongxin.accounts.models import Department
from tongxin.accounts.scoping import scoped
from tongxin.core.filters import known_code, known_value, month_filter
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


MONTH_FILTERS = {
    "from": _("登记月份（自）"),
    "to": _("登记月份（至）"),
    "resolved_from": _("办结月份（自）"),
    "resolved_to": _("办结月份（至）"),
}


def _month_start(month: date, later: int) -> datetime:
    """Local midnight on the first of `month`, or of the month after it (`later` 1)."""
    index = month.year * 12 + month.month - 1 + later
    return timezone.make_aware(datetime.combine(date(index // 12, index % 12 + 1, 1), time.min))


def narrowing(params) -> list[tuple[str, str]]:
    """The dashboards' filters a request list was opened with, as (label, value) to show
    above it: the page has no fields for them, and a list narrowed unseen misleads."""
    shown = []
    for name, model, label in (
        ("category", Category, _("诉求类别")),
        ("department", Department, _("承办部门")),
        ("unit", Unit, _("区域")),
    ):
        if code := params.get(name):
            record = model.objects.filter(code=code[:64]).first()
            shown.append((str(label), record.name if record else code))
    for name, label in MONTH_FILTERS.items():
        if value := params.get(name):
            shown.append((str(label), value))
    return shown


def request_list_for(user, params) -> QuerySet[ServiceRequest]:
    """The requests a user may see in a queue (`queue`: mine, open — the default —, due_soon,
    overdue, all), narrowed (never widened) by the dashboards' links: `category`,
    `department` (codes), `unit` (that unit and below), `from`/`to` (months received) and
    `resolved_from`/`resolved_to` (months resolved). An unknown queue or code is a
    ValidationError naming it (`core.filters`), never the whole scope."""
    queue = known_value(params, "queue", QUEUES, _("队列")) or "open"
    category = known_code(params, "category", Category.objects.all(), _("诉求类别"))
    department = known_code(params, "department", Department.objects.all(), _("承办部门"))
    unit = known_code(params, "unit", Unit.objects.all(), _("区域"))
    # Months of receipt and of resolution: the dashboards' bars count one period's.
    months = {name: month_filter(params, name, label) for name, label in MONTH_FILTERS.items()}
    requests = scoped(user, ServiceRequest.objects.select_related("category", "department"))
    for name, field, bound in (
        ("from", "received_at__gte", 0),
        ("to", "received_at__lt", 1),
        ("resolved_from", "resolved_at__gte", 0),
        ("resolved_to", "resolved_at__lt", 1),
    ):
        if (month := months[name]) is not None:
            requests = requests.filter(**{field: _month_start(month, bound)})
    now = timezone.now()
    if queue in ("open", "due_soon", "overdue"):
        requests = requests.filter(status__in=OPEN)
    if queue == "mine":
        # What waits for me: open requests I received or my department must handle, and
        # emergency aid this (civil-affairs) department must approve or pay out — the
        # request may be resolved already, the aid still waits.
        mine = Q(status__in=OPEN) & Q(received_by=user)
        if user.department_id:
            mine |= Q(status__in=OPEN) & Q(department_id=user.department_id)
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
