"""Statistics of screening and mediation: disputes by month, kind or unit with the share
resolved and the days to a result (mean and median); how often "involves ethnic factors"
was said and confirmed; incidents by grade; reports filed against reports due."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Exists, OuterRef, QuerySet
from django.utils import timezone

from tongxin.core.stats import Group, child_path_length, grouped
from tongxin.geo.models import Unit

from .models import RESOLVED_RESULTS, Dispute, EthnicReview, Incident, Kind, Severity, Status

GROUPINGS = ("month", "kind", "unit")


def unit_names(paths) -> dict[str, str]:
    return dict(Unit.objects.filter(path__in=set(paths)).values_list("path", "name"))


def dispute_statistics(disputes: QuerySet[Dispute], by: str, root_path: str) -> list[Group]:
    depth = child_path_length(root_path)
    rows = disputes.annotate(
        escalated=Exists(Incident.objects.filter(dispute=OuterRef("pk")))
    ).values_list(
        "found_on",
        "kind",
        "unit_path",
        "status",
        "result",
        "concluded_at",
        "ethnic_review",
        "escalated",
    )
    items = []
    for found_on, kind, path, status, result, concluded_at, review, escalated in rows.iterator():
        done = status == Status.CONCLUDED
        items.append(
            {
                "month": f"{found_on:%Y-%m}",
                "kind": kind,
                "unit": path[:depth],
                "done": done,
                "resolved": done and result in RESOLVED_RESULTS,
                "days": (timezone.localtime(concluded_at).date() - found_on).days
                if done and concluded_at
                else None,
                "ethnic_set": review != EthnicReview.NONE,
                "ethnic_confirmed": review == EthnicReview.CONFIRMED,
                "ethnic_pending": review == EthnicReview.PENDING,
                "escalated": bool(escalated),
            }
        )
    if by == "kind":
        labels = dict(Kind.choices)
        return grouped(items, lambda i: i["kind"], lambda k: str(labels.get(k, k)))
    if by == "unit":
        names = unit_names(i["unit"] for i in items)
        return grouped(items, lambda i: i["unit"], lambda k: names.get(k, k))
    return grouped(items, lambda i: i["month"])


def incident_counts(incidents: QuerySet[Incident]) -> list[tuple[str, int]]:
    counts = dict(incidents.values_list("severity").annotate(n=Count("pk")))
    return [(str(label), counts.get(value, 0)) for value, label in Severity.choices]


def in_range(queryset, field: str, date_from: date, date_to: date):
    return queryset.filter(**{f"{field}__gte": date_from, f"{field}__lte": date_to})
