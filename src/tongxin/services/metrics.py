"""Request metrics for leaders: volume, on-time rate, handling time in working days and
satisfaction, by department, category, street or month."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count
from django.utils import timezone

from .workdays import working_days_between

GROUPINGS = {
    "department": ("department__name", "未转办"),
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
            key = (key or "")[:9]
        row = rows[key or blank]
        row.key = key or blank
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
    return sorted(rows.values(), key=lambda r: r.key)
