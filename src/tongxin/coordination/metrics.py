"""Statistics of coordination: assignments by month, kind or assignee with the on-time rate
and the days to completion; inspection cases by month, window kind or unit with the share
closed and the days to close; meetings by month, kind or office held and their decisions
followed up."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from tongxin.core.stats import Group, child_path_length, grouped
from tongxin.geo.models import Unit

from .models import (
    AssignmentStatus,
    Inspection,
    InspectionStatus,
    JointMeeting,
    MeetingKind,
    MeetingStatus,
    TaskAssignment,
    TaskKind,
    TaskStatus,
    WindowKind,
)

GROUPINGS = ("month", "kind", "unit")


def assignments_in_year(year: int) -> QuerySet[TaskAssignment]:
    return TaskAssignment.objects.filter(task__created_at__year=year).exclude(
        task__status=TaskStatus.CANCELLED
    )


def inspections_in_year(year: int) -> QuerySet[Inspection]:
    return Inspection.objects.filter(inspected_on__year=year)


def task_statistics(assignments: QuerySet[TaskAssignment], by: str) -> list[Group]:
    """Per assignment: done when the office accepted it, "resolved" = done on time, days
    from the task's creation to the accepted submission."""
    labels = dict(TaskKind.choices)
    items = []
    for a in assignments.select_related("task", "department", "unit"):
        done = a.status == AssignmentStatus.DONE
        created = timezone.localtime(a.task.created_at).date()
        items.append(
            {
                "month": f"{created:%Y-%m}",
                "kind": a.task.kind,
                "unit": a.assignee_name,
                "done": done,
                "resolved": bool(a.on_time),
                "days": (timezone.localtime(a.submitted_at).date() - created).days
                if done and a.submitted_at
                else None,
                "overdue": a.overdue,
            }
        )
    key = {"month": "month", "kind": "kind", "unit": "unit"}[by]
    return grouped(
        items, lambda i: i[key], (lambda k: str(labels.get(k, k))) if by == "kind" else None
    )


def later_rounds(firsts: list[Inspection]) -> dict[int, Inspection]:
    """The re-inspections of these cases by the round they follow, whenever they took place:
    a case first visited in December and passed in January is closed, not open, in its
    year's statistics. Later rounds are of the same window unit, so in the same scope."""
    following: dict[int, Inspection] = {}
    frontier = [r.pk for r in firsts]
    while frontier:
        rounds = list(Inspection.objects.filter(previous_id__in=frontier))
        following.update({r.previous_id: r for r in rounds if r.previous_id})
        frontier = [r.pk for r in rounds]
    return following


def inspection_statistics(
    inspections: QuerySet[Inspection], by: str, root_path: str = ""
) -> list[Group]:
    """Per case (a first inspection among `inspections` and all its re-inspections): done
    when its last round passed, "resolved" = passed at the first visit, days from the first
    visit to the pass. A re-inspection whose first round is not among `inspections` belongs
    to that round's period."""
    rounds = list(inspections.select_related("window_unit"))
    following = later_rounds([r for r in rounds if r.previous_id is None])
    # "By unit": the units one level below the root (streets below a district).
    depth = child_path_length(root_path) if root_path else 9
    names = dict(
        Unit.objects.filter(path__in={r.unit_path[:depth] for r in rounds}).values_list(
            "path", "name"
        )
    )
    labels = dict(WindowKind.choices)
    items = []
    for first in (r for r in rounds if r.previous_id is None):
        last = first
        while last.pk in following:
            last = following[last.pk]
        closed = last.status == InspectionStatus.PASSED
        items.append(
            {
                "month": f"{first.inspected_on:%Y-%m}",
                "kind": first.window_unit.kind,
                "unit": first.unit_path[:depth],
                "done": closed,
                "resolved": first.status == InspectionStatus.PASSED,
                "days": (last.inspected_on - first.inspected_on).days if closed else None,
                "rectifying": not closed,
                "overdue": last.overdue,
            }
        )
    if by == "kind":
        return grouped(items, lambda i: i["kind"], lambda k: str(labels.get(k, k)))
    if by == "unit":
        return grouped(items, lambda i: i["unit"], lambda k: names.get(k, k))
    return grouped(items, lambda i: i["month"])


def meeting_statistics(meetings: QuerySet[JointMeeting], by: str) -> list[Group]:
    """Per meeting: done when held; counts of the planned ones, and of the held ones'
    decisions, those made into tasks and those tasks done. "By unit" is the office that
    convened it."""
    rows = meetings.annotate(
        n_decisions=Count("decisions", distinct=True),
        n_tasks=Count("decisions__task", distinct=True),
        n_done=Count(
            "decisions__task",
            filter=Q(decisions__task__status=TaskStatus.DONE),
            distinct=True,
        ),
    ).values_list(
        "date", "kind", "unit__path", "unit__name", "status", "n_decisions", "n_tasks", "n_done"
    )
    items = []
    names: dict[str, str] = {}
    for day, kind, path, name, status, decisions, tasks, done in rows:
        held = status == MeetingStatus.HELD
        names[path] = name
        items.append(
            {
                "month": f"{day:%Y-%m}",
                "kind": kind,
                "unit": path,
                "done": held,
                "planned": not held,
                "decisions": decisions if held else 0,
                "to_tasks": tasks if held else 0,
                "tasks_done": done if held else 0,
            }
        )
    if by == "kind":
        labels = dict(MeetingKind.choices)
        return grouped(items, lambda i: i["kind"], lambda k: str(labels.get(k, k)))
    if by == "unit":
        return grouped(items, lambda i: i["unit"], lambda k: names.get(k, k))
    return grouped(items, lambda i: i["month"])
