"""Request metrics for leaders: volume, on-time rate, handling time in working days and
satisfaction, by department, category, street or month."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.core.stats import child_path_length
from tongxin.core.workdays import working_days_between
from tongxin.geo.models import Unit, subtree_q

from .models import ServiceRequest

GROUPINGS = {
    "department": ("department__name", gettext_lazy("未转办")),
    "category": ("category__name", ""),
    "street": ("unit_path", ""),
    "month": ("received_at", ""),
}


@dataclass
class Row:
    key: str
    received: int = 0
    resolved: int = 0
    on_time: int = 0
    working_days: int = 0
    satisfaction_sum: int = 0
    satisfaction_count: int = 0
    notices: int = 0  # supervision notices: repeated lateness shows here

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.resolved if self.resolved else None

    @property
    def average_days(self) -> float | None:
        return self.working_days / self.resolved if self.resolved else None

    @property
    def satisfaction(self) -> float | None:
        return self.satisfaction_sum / self.satisfaction_count if self.satisfaction_count else None


def request_metrics(requests, by: str) -> list[Row]:
    field, blank = GROUPINGS[by]
    rows: dict[str, Row] = defaultdict(lambda: Row(""))
    values = requests.annotate(notice_count=Count("notices")).values_list(
        field, "received_at", "resolved_at", "due_at", "satisfaction", "notice_count"
    )
    for key, received, resolved, due, satisfaction, notice_count in values.iterator():
        if by == "month":
            key = timezone.localtime(received).strftime("%Y-%m")
        elif by == "street":
            key = (key or "")[:STREET_PATH]
        key = key or str(blank)
        row = rows[key]
        row.key = key
        row.received += 1
        row.notices += notice_count
        if resolved is not None:
            row.resolved += 1
            row.on_time += resolved <= due
            row.working_days += working_days_between(
                timezone.localtime(received).date(), timezone.localtime(resolved).date()
            )
        if satisfaction:
            row.satisfaction_sum += satisfaction
            row.satisfaction_count += 1
    ordered = sorted(rows.values(), key=lambda r: r.key)
    if by == "street":
        _name_streets(ordered)
    return ordered


STREET_PATH = 9  # a street's code: province, city, county, street


def _name_streets(rows: list[Row]) -> None:
    """Streets by name; requests recorded above the streets (a district's window) under
    that unit's name, marked as its own level."""
    names = dict(Unit.objects.filter(path__in=[r.key for r in rows]).values_list("path", "name"))
    for row in rows:
        name = names.get(row.key, row.key)
        row.key = name if len(row.key) >= STREET_PATH else _("%(unit)s（本级）") % {"unit": name}


def request_counts_by_unit(unit_path: str, date_from, date_to) -> dict[str, dict[str, int]]:
    """Requests under `unit_path` received, and resolved, on the days date_from..date_to,
    by the child units' paths (the unit's own path for requests recorded at its level):
    {path: {"received", "resolved"}}. Not user-scoped: the caller decides what its user
    may see."""
    start = timezone.make_aware(datetime.combine(date_from, time.min))
    end = timezone.make_aware(datetime.combine(date_to + timedelta(days=1), time.min))
    rows = ServiceRequest.objects.filter(
        subtree_q(unit_path, "unit_path"),
        Q(received_at__gte=start, received_at__lt=end)
        | Q(resolved_at__gte=start, resolved_at__lt=end),
    ).values_list("unit_path", "received_at", "resolved_at")
    depth = child_path_length(unit_path)
    result: dict[str, dict[str, int]] = {}
    for path, received, resolved in rows.iterator():
        entry = result.setdefault(path[:depth], {"received": 0, "resolved": 0})
        entry["received"] += start <= received < end
        entry["resolved"] += resolved is not None and start <= resolved < end
    return result
