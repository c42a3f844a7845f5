"""Reads of the coordination app. Every list goes through `accounts.scoping`; the two
visibility rules of their own are written here once:

- a task is seen by its office (by path) and by each assignee through its assignment;
- an issued circulation notice is seen by every unit and department below the office that
  issued it (a notice is meant to circulate); drafts only by the office.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.accounts.roles import Cap, Role
from tongxin.accounts.scoping import scoped
from tongxin.core.filters import flag, known_value, year_filter

from .models import (
    ASSIGNMENT_OPEN,
    Assessment,
    CirculationNotice,
    Inspection,
    InspectionStatus,
    JointMeeting,
    MeetingKind,
    NoticeStatus,
    PartnerRegion,
    SupervisionTask,
    TaskAssignment,
    TaskKind,
    TaskStatus,
    WindowKind,
    WindowUnit,
)


def task_list_for(user, params=None) -> QuerySet[SupervisionTask]:
    """Tasks of the user's office (and below) and tasks assigned to the user's unit, the
    units below it or its department. Filters: `status`, `kind`, `overdue`, `q`; an unknown
    value of a choice filter is a ValidationError naming it (`core.filters`)."""
    params = params or {}
    status = known_value(params, "status", TaskStatus.values, _("状态"))
    kind = known_value(params, "kind", TaskKind.values, _("类别"))
    overdue = flag(params, "overdue", _("有逾期"))
    own = scoped(user, SupervisionTask.objects.all()).values("pk")
    assigned = scoped(user, TaskAssignment.objects.all()).values("task_id")
    tasks = SupervisionTask.objects.filter(Q(pk__in=own) | Q(pk__in=assigned)).select_related(
        "unit"
    )
    if status:
        tasks = tasks.filter(status=status)
    if kind:
        tasks = tasks.filter(kind=kind)
    if overdue:
        late = TaskAssignment.objects.filter(
            task=OuterRef("pk"), status__in=ASSIGNMENT_OPEN, due_date__lt=timezone.localdate()
        )
        tasks = tasks.filter(Exists(late), status=TaskStatus.OPEN)
    q = (params.get("q") or "").strip()
    if q:
        tasks = tasks.filter(Q(number__icontains=q) | Q(title__icontains=q))
    return tasks


def task_or_404(user, pk: int) -> SupervisionTask:
    task = task_list_for(user).filter(pk=pk).select_related("created_by", "decision").first()
    if task is None:
        raise Http404
    return task


def visible_assignments(user, task: SupervisionTask) -> QuerySet[TaskAssignment]:
    """All assignments for the office; for an assignee, its own ones."""
    assignments = task.assignments.select_related("department", "unit")
    office = (
        Role.DEPARTMENT_LIAISON not in user.roles
        and scoped(user, SupervisionTask.objects.filter(pk=task.pk)).exists()
    )
    return assignments if office else scoped(user, assignments)


def assignments_for(user, tasks) -> dict[int, list[TaskAssignment]]:
    """`visible_assignments` for a page of tasks in three queries (no query per task)."""
    ids = [t.pk for t in tasks]
    office = set()
    if Role.DEPARTMENT_LIAISON not in user.roles:
        office = set(
            scoped(user, SupervisionTask.objects.filter(pk__in=ids)).values_list("pk", flat=True)
        )
    own = set(
        scoped(user, TaskAssignment.objects.filter(task_id__in=ids)).values_list("pk", flat=True)
    )
    result: dict[int, list[TaskAssignment]] = {pk: [] for pk in ids}
    for a in TaskAssignment.objects.filter(task_id__in=ids).select_related("department", "unit"):
        if a.task_id in office or a.pk in own:
            result[a.task_id].append(a)
    return result


def _ancestor_paths(user) -> list[str]:
    """The paths of the user's unit and the units above it (and its department's unit)."""
    units = [u for u in (user.unit, getattr(user.department, "unit", None)) if u is not None]
    return [u.path[:n] for u in units for n in (2, 4, 6, 9, 12) if n <= len(u.path)]


def notice_list_for(user) -> QuerySet[CirculationNotice]:
    if not user.is_authenticated or not user.can(Cap.COORDINATION_READ):
        return CirculationNotice.objects.none()
    own = scoped(user, CirculationNotice.objects.all(), capability=Cap.COORDINATION_MANAGE)
    issued = CirculationNotice.objects.filter(status=NoticeStatus.ISSUED)
    circulated = issued.filter(unit_path__in=_ancestor_paths(user))
    if Role.DEPARTMENT_LIAISON not in user.roles:
        circulated = circulated | scoped(user, issued, capability=Cap.COORDINATION_READ)
    return CirculationNotice.objects.filter(
        Q(pk__in=own.values("pk")) | Q(pk__in=circulated.values("pk"))
    ).select_related("unit")


def notice_or_404(user, pk: int) -> CirculationNotice:
    notice = notice_list_for(user).filter(pk=pk).first()
    if notice is None:
        raise Http404
    return notice


def inspection_list_for(user, params=None) -> QuerySet[Inspection]:
    """Inspections (each round) in scope. Filters: `status`, `kind` (window kind),
    `overdue` (rectification deadline passed), `latest` (only the current round: the default,
    `0` for every round); an unknown value is a ValidationError naming the filter."""
    params = params or {}
    status = known_value(params, "status", InspectionStatus.values, _("状态"))
    kind = known_value(params, "kind", WindowKind.values, _("窗口类别"))
    overdue = flag(params, "overdue", _("整改逾期"))
    latest = flag(params, "latest", _("轮次")) if params.get("latest") else True
    inspections = scoped(user, Inspection.objects.select_related("window_unit", "template"))
    if status:
        inspections = inspections.filter(status=status)
    if kind:
        inspections = inspections.filter(window_unit__kind=kind)
    if overdue:
        inspections = inspections.filter(
            status=InspectionStatus.RECTIFYING, rectification_due__lt=timezone.localdate()
        )
    if latest:
        inspections = inspections.exclude(status=InspectionStatus.REINSPECTED)
    return inspections


def meeting_list_for(user, params=None) -> QuerySet[JointMeeting]:
    """Meetings in scope. Filters: `kind`, `year` (a value neither blank nor known is a
    ValidationError naming it)."""
    params = params or {}
    kind = known_value(params, "kind", MeetingKind.values, _("类别"))
    year = year_filter(params, "year", _("年度"))
    meetings = scoped(user, JointMeeting.objects.select_related("unit"))
    if kind:
        meetings = meetings.filter(kind=kind)
    if year is not None:
        meetings = meetings.filter(date__year=year)
    return meetings


def assessment_list_for(user, params=None) -> QuerySet[Assessment]:
    """Assessments in scope: a street its own, the offices those below. Filter: `year` (a
    malformed one is a ValidationError naming it)."""
    params = params or {}
    year = year_filter(params, "year", _("年度"))
    assessments = scoped(user, Assessment.objects.select_related("unit"))
    if year is not None:
        assessments = assessments.filter(year=year)
    return assessments


def window_list_for(user) -> QuerySet[WindowUnit]:
    """Window units in scope; a department liaison sees those its department supervises."""
    return scoped(user, WindowUnit.objects.select_related("unit", "department"))


def region_list_for(user) -> QuerySet[PartnerRegion]:
    """Partner regions in scope; an origin liaison sees its own region only."""
    return scoped(user, PartnerRegion.objects.select_related("unit"))
