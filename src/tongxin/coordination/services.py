"""Writes of the coordination app: supervision tasks and their review, circulation notices,
the annual assessment, inspections, joint meetings and origin-region cooperation. Each
function is one transaction with its audit record; a broken rule raises
`CoordinationError` and changes nothing; state changes are conditional UPDATEs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.accounts.models import Department, User
from tongxin.accounts.roles import Cap, Role
from tongxin.audit.services import Action, audit_record
from tongxin.core import crypto
from tongxin.core.workdays import working_days_between
from tongxin.disputes.models import MAJOR_SEVERITIES, Incident, ScreeningReport, ScreeningRule
from tongxin.disputes.services import next_number, notify, report_deadline, unit_in_scope
from tongxin.geo.models import Level, Unit, subtree_q

from .models import (
    ASSIGNMENT_OPEN,
    BODY_MEETINGS,
    Assessment,
    AssessmentCriterion,
    AssessmentScore,
    AssessmentStatus,
    AssignmentStatus,
    Attendance,
    ChecklistItem,
    ChecklistTemplate,
    CirculationNotice,
    ExchangeRecord,
    Finding,
    FindingResult,
    Grade,
    Inspection,
    InspectionStatus,
    JointMeeting,
    LiaisonStation,
    MeetingDecision,
    MeetingStatus,
    Metric,
    NoticeStatus,
    PartnerRegion,
    RegionContact,
    RegionLiaison,
    SentAlert,
    SupervisionTask,
    TaskAssignment,
    TaskKind,
    TaskProgress,
    TaskStatus,
    Topic,
    WindowUnit,
)

OFFICE_LEVELS = (Level.CITY, Level.DISTRICT)  # where a leading group office sits
ASSIGNEE_LEVELS = (Level.DISTRICT, Level.STREET)
DUE_SOON_WORKING_DAYS = 2


class CoordinationError(Exception):
    """A rule was broken; the message is for the user."""


def _office(actor: User) -> Unit:
    if not actor.can(Cap.COORDINATION_MANAGE):
        raise CoordinationError(_("您没有交办和管理督查事项的权限。"))
    if actor.unit is None or actor.unit.level not in OFFICE_LEVELS:
        raise CoordinationError(_("督查督办由市、区（县）领导小组办公室负责。"))
    return actor.unit


def _office_of(actor: User, unit: Unit) -> Unit:
    """The actor manages coordination and `unit` (the office of a notice, assessment or
    meeting) is within the actor's scope."""
    office = _office(actor)
    if not unit_in_scope(actor, unit):
        raise CoordinationError(_("该单位不在您的管理范围内。"))
    return office


def task_url(task: SupervisionTask) -> str:
    return f"/coordination/tasks/{task.pk}/"


# --- supervision tasks -----------------------------------------------------------------------


@dataclass(frozen=True)
class Assignee:
    department: Department | None = None
    unit: Unit | None = None
    due_date: date | None = None


def assignee_users(assignment: TaskAssignment) -> list[User]:
    """Who works on an assignment: the department's liaison and members with the liaison
    role, or the officers of the assigned district or street."""
    if assignment.department_id:
        users = list(
            User.objects.filter(
                department_id=assignment.department_id,
                role_grants__role=Role.DEPARTMENT_LIAISON,
                is_active=True,
            )
        )
        liaison = assignment.department.liaison if assignment.department else None
        if liaison is not None and liaison not in users:
            users.append(liaison)
        return users
    return list(
        User.objects.filter(
            unit=assignment.unit,
            role_grants__role__in=[Role.STREET_OFFICER, Role.BUREAU_OFFICER],
            is_active=True,
        ).distinct()
    )


def is_assignee(user: User, assignment: TaskAssignment) -> bool:
    if assignment.department_id:
        return user.department_id == assignment.department_id
    return user.unit_id == assignment.unit_id and user.can(Cap.COORDINATION_READ)


def is_office(user: User, task: SupervisionTask) -> bool:
    """An officer of the office that created the task (or of an office above it)."""
    return user.can(Cap.COORDINATION_MANAGE) and unit_in_scope(user, task.unit)


def _check_assignee(office: Unit, a: Assignee) -> None:
    if (a.department is None) == (a.unit is None):
        raise CoordinationError(_("每项承办任务须指定一个承办部门或一个承办单位。"))
    if a.department is not None:
        path = a.department.unit.path
        if not (path.startswith(office.path) or office.path.startswith(path)):
            raise CoordinationError(
                _("%(d)s 不是本级或下级的成员单位。") % {"d": a.department.name}
            )
    if a.unit is not None:
        if a.unit.level not in ASSIGNEE_LEVELS or not a.unit.path.startswith(office.path):
            raise CoordinationError(_("%(u)s 不是本辖区内的区县或街道。") % {"u": a.unit.name})


def _add_assignment(
    task: SupervisionTask, a: Assignee, actor: User, http_request=None
) -> TaskAssignment:
    due = a.due_date or task.due_date
    assignment = TaskAssignment.objects.create(
        task=task,
        department=a.department,
        unit=a.unit,
        assignee_path=(a.department.unit.path if a.department else a.unit.path),  # type: ignore[union-attr]
        due_date=due,
    )
    audit_record(
        action=Action.CREATE,
        actor=actor,
        request=http_request,
        obj=assignment,
        detail={"task": task.number, "assignee": assignment.assignee_name},
    )
    notify(
        assignee_users(assignment),
        _("新的督办事项 %(n)s：%(t)s，请于 %(d)s 前办结。")
        % {"n": task.number, "t": task.title[:60], "d": f"{due:%Y-%m-%d}"},
        task_url(task),
        "task",
    )
    return assignment


@transaction.atomic
def task_create(
    *,
    actor: User,
    title: str,
    description: str,
    due_date: date,
    assignees: list[Assignee],
    source: str = "",
    kind: str = TaskKind.SUPERVISION,
    decision: MeetingDecision | None = None,
    http_request=None,
) -> SupervisionTask:
    office = _office(actor)
    if not title.strip() or not description.strip():
        raise CoordinationError(_("请填写事项和内容要求。"))
    if due_date < timezone.localdate():
        raise CoordinationError(_("办结时限不能早于今天。"))
    if not assignees:
        raise CoordinationError(_("请至少指定一个承办部门或单位。"))
    for a in assignees:
        _check_assignee(office, a)
        if a.due_date and a.due_date < timezone.localdate():
            raise CoordinationError(_("办结时限不能早于今天。"))
    try:
        with transaction.atomic():
            task = SupervisionTask.objects.create(
                number=next_number(SupervisionTask, f"DB{timezone.localdate():%Y%m}"),
                kind=kind,
                title=title.strip()[:200],
                description=description.strip(),
                source=source[:200],
                unit=office,
                unit_path=office.path,
                due_date=due_date,
                decision=decision,
                created_by=actor,
            )
    except IntegrityError as exc:
        raise CoordinationError(_("该议定事项已转为督办事项。")) from exc
    audit_record(
        action=Action.CREATE,
        actor=actor,
        request=http_request,
        obj=task,
        detail={"kind": kind, "assignees": len(assignees)},
    )
    for a in assignees:
        _add_assignment(task, a, actor, http_request)
    return task


@transaction.atomic
def task_assign(
    *, actor: User, task: SupervisionTask, assignee: Assignee, http_request=None
) -> TaskAssignment:
    """Add an assignee. A finished task is open again until the new assignee's work is
    accepted too; a cancelled one stays cancelled."""
    if not is_office(actor, task):
        raise CoordinationError(_("只有交办单位可以增加承办单位。"))
    if task.status == TaskStatus.CANCELLED:
        raise CoordinationError(_("该事项已撤销，不能增加承办单位。"))
    _check_assignee(task.unit, assignee)
    exists = task.assignments.filter(department=assignee.department, unit=assignee.unit).exists()
    if exists:
        raise CoordinationError(_("该单位已在承办名单中。"))
    if SupervisionTask.objects.filter(pk=task.pk, status=TaskStatus.DONE).update(
        status=TaskStatus.OPEN, completed_at=None
    ):
        audit_record(
            action=Action.UPDATE,
            actor=actor,
            request=http_request,
            obj=task,
            detail={"reopened": True},
        )
    elif not SupervisionTask.objects.filter(pk=task.pk, status=TaskStatus.OPEN).exists():
        raise CoordinationError(_("该事项已撤销，不能增加承办单位。"))
    task.refresh_from_db()
    return _add_assignment(task, assignee, actor, http_request)


def _progress(assignment: TaskAssignment, kind: str, note: str, actor: User, percent=None):
    return TaskProgress.objects.create(
        assignment=assignment, kind=kind, note=note[:2000], percent=percent, actor=actor
    )


@transaction.atomic
def progress_report(
    *,
    actor: User,
    assignment: TaskAssignment,
    note: str,
    percent: int | None = None,
    http_request=None,
) -> TaskProgress:
    if not (is_assignee(actor, assignment) or is_office(actor, assignment.task)):
        raise CoordinationError(_("只有承办单位或交办单位可以报送进展。"))
    if assignment.status not in (AssignmentStatus.ASSIGNED, AssignmentStatus.IN_PROGRESS):
        raise CoordinationError(_("该任务已申请办结或已办结。"))
    if not note.strip():
        raise CoordinationError(_("请填写进展情况。"))
    if percent is not None and not 0 <= percent <= 100:
        raise CoordinationError(_("完成进度应在 0 到 100 之间。"))
    TaskAssignment.objects.filter(pk=assignment.pk, status=AssignmentStatus.ASSIGNED).update(
        status=AssignmentStatus.IN_PROGRESS
    )
    entry = _progress(assignment, "report", note.strip(), actor, percent)
    audit_record(
        action=Action.UPDATE,
        actor=actor,
        request=http_request,
        obj=assignment,
        detail={"progress": entry.pk},
    )
    assignment.refresh_from_db()
    return entry


@transaction.atomic
def assignment_submit(
    *, actor: User, assignment: TaskAssignment, note: str, http_request=None
) -> TaskAssignment:
    """The assignee reports the work done and asks the office to close it (申请办结)."""
    if not is_assignee(actor, assignment):
        raise CoordinationError(_("只有承办单位可以申请办结。"))
    if not note.strip():
        raise CoordinationError(_("请填写办理结果。"))
    if not TaskAssignment.objects.filter(
        pk=assignment.pk, status__in=[AssignmentStatus.ASSIGNED, AssignmentStatus.IN_PROGRESS]
    ).update(status=AssignmentStatus.SUBMITTED, submitted_at=timezone.now()):
        raise CoordinationError(_("该任务已申请办结或已办结。"))
    _progress(assignment, "submit", note.strip(), actor, 100)
    audit_record(
        action=Action.UPDATE,
        actor=actor,
        request=http_request,
        obj=assignment,
        detail={"status": "submitted"},
    )
    task = assignment.task
    notify(
        [task.created_by],
        _("%(a)s 申请办结督办事项 %(n)s，请审核。")
        % {"a": assignment.assignee_name, "n": task.number},
        task_url(task),
        "task",
    )
    assignment.refresh_from_db()
    return assignment


@transaction.atomic
def assignment_review(
    *, actor: User, assignment: TaskAssignment, approve: bool, note: str = "", http_request=None
) -> TaskAssignment:
    """The office accepts the result (办结) or returns it with its reasons (退回重办)."""
    task = assignment.task
    if not is_office(actor, task):
        raise CoordinationError(_("只有交办单位可以审核办结。"))
    if not approve and not note.strip():
        raise CoordinationError(_("退回时请写明理由。"))
    changes: dict = (
        {"status": AssignmentStatus.DONE, "completed_at": timezone.now(), "reviewed_by": actor}
        if approve
        else {"status": AssignmentStatus.IN_PROGRESS, "submitted_at": None}
    )
    if not TaskAssignment.objects.filter(
        pk=assignment.pk, status=AssignmentStatus.SUBMITTED
    ).update(**changes):
        raise CoordinationError(_("该任务没有待审核的办结申请。"))
    _progress(assignment, "approve" if approve else "return", note.strip() or _("审核通过"), actor)
    audit_record(
        action=Action.UPDATE,
        actor=actor,
        request=http_request,
        obj=assignment,
        detail={"review": "approved" if approve else "returned"},
    )
    if not task.assignments.filter(status__in=ASSIGNMENT_OPEN).exists():
        SupervisionTask.objects.filter(pk=task.pk, status=TaskStatus.OPEN).update(
            status=TaskStatus.DONE, completed_at=timezone.now()
        )
    assignment.refresh_from_db()
    notify(
        assignee_users(assignment),
        (_("督办事项 %(n)s 已审核办结。") if approve else _("督办事项 %(n)s 被退回重办：%(r)s"))
        % {"n": task.number, "r": note.strip()[:100]},
        task_url(task),
        "task",
    )
    return assignment


@transaction.atomic
def task_cancel(*, actor: User, task: SupervisionTask, reason: str, http_request=None) -> None:
    if not is_office(actor, task):
        raise CoordinationError(_("只有交办单位可以撤销督办事项。"))
    if not reason.strip():
        raise CoordinationError(_("请说明撤销理由。"))
    if not SupervisionTask.objects.filter(pk=task.pk, status=TaskStatus.OPEN).update(
        status=TaskStatus.CANCELLED
    ):
        raise CoordinationError(_("该事项已办结或撤销。"))
    audit_record(
        action=Action.UPDATE,
        actor=actor,
        request=http_request,
        obj=task,
        detail={"cancelled": reason.strip()[:200]},
    )


def _alert_once(key: str) -> bool:
    """True the first time a key is seen (and records it)."""
    try:
        with transaction.atomic():
            SentAlert.objects.create(key=key[:80])
    except IntegrityError:
        return False
    return True


def task_alerts(now: datetime | None = None) -> int:
    """Alerts for assignments: once when the due date is two working days away, and once a
    week while overdue (to the assignee and the office). Idempotent; returns the number of
    notifications sent."""
    today = timezone.localdate(now)
    year, week, _weekday = today.isocalendar()
    sent = 0
    open_assignments = TaskAssignment.objects.filter(
        status__in=[AssignmentStatus.ASSIGNED, AssignmentStatus.IN_PROGRESS],
        task__status=TaskStatus.OPEN,
    ).select_related("task", "task__created_by", "department", "unit")
    for a in open_assignments.filter(due_date__lt=today).iterator():
        with transaction.atomic():
            if not _alert_once(f"task-overdue:{a.pk}:{year}-W{week:02d}"):
                continue
            late = (today - a.due_date).days
            text = _("督办事项 %(n)s（%(t)s）已超过办结时限 %(d)d 天，承办：%(a)s。") % {
                "n": a.task.number,
                "t": a.task.title[:40],
                "d": late,
                "a": a.assignee_name,
            }
            sent += notify(
                [*assignee_users(a), a.task.created_by], text, task_url(a.task), "task_overdue"
            )
            audit_record(
                action=Action.UPDATE, username="system", obj=a, detail={"overdue_days": late}
            )
    for a in open_assignments.filter(due_date__gte=today).iterator():
        if working_days_between(today, a.due_date) > DUE_SOON_WORKING_DAYS:
            continue
        with transaction.atomic():
            if not _alert_once(f"task-due:{a.pk}:{a.due_date:%Y%m%d}"):
                continue
            sent += notify(
                assignee_users(a),
                _("督办事项 %(n)s 将于 %(d)s 到期，请按时办结并申请办结。")
                % {"n": a.task.number, "d": f"{a.due_date:%Y-%m-%d}"},
                task_url(a.task),
                "task",
            )
    return sent


# --- circulation notices -----------------------------------------------------------------


def _notice_rows(office: Unit, period_from: date, period_to: date) -> list[dict]:
    today = timezone.localdate()
    assignments = (
        TaskAssignment.objects.filter(
            task__unit=office, task__status__in=[TaskStatus.OPEN, TaskStatus.DONE]
        )
        .filter(
            Q(due_date__gte=period_from, due_date__lte=period_to)
            | Q(status__in=ASSIGNMENT_OPEN, due_date__lt=period_from)
        )
        .select_related("task", "department", "unit")
        .order_by("task__number", "pk")
    )
    rows = []
    for a in assignments:
        if a.status == AssignmentStatus.DONE:
            state = "on_time" if a.on_time else "late"
        elif a.due_date < today:
            state = "overdue"
        else:
            state = "open"
        rows.append(
            {
                "task": a.task.number,
                "title": a.task.title,
                "assignee": a.assignee_name,
                "department": a.department.code if a.department else "",
                "unit": a.unit.code if a.unit else "",
                "due_date": f"{a.due_date:%Y-%m-%d}",
                "state": state,
                "overdue_days": max((today - a.due_date).days, 0) if state == "overdue" else 0,
            }
        )
    return rows


STATE_LABELS = {
    "on_time": gettext_lazy("按时办结"),
    "late": gettext_lazy("逾期办结"),
    "overdue": gettext_lazy("逾期未办结"),
    "open": gettext_lazy("办理中"),
}


def notice_rows(notice: CirculationNotice) -> list[dict]:
    """The notice's table with a readable state on each row."""
    return [dict(r, label=STATE_LABELS.get(r["state"], r["state"])) for r in notice.rows]


# A notice is an official document issued in Chinese, whatever language the office's pages
# are shown in: its title, text and dates are written in the source language.


def notice_default_title() -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _("关于督查督办事项办理情况的通报")


def _notice_body(office: Unit, period_from: date, period_to: date, rows: list[dict]) -> str:
    counts = {k: sum(1 for r in rows if r["state"] == k) for k in STATE_LABELS}
    tasks = len({r["task"] for r in rows})
    text = _(
        "%(f)s至%(t)s，%(o)s少数民族流动人口服务管理工作领导小组办公室共跟踪督办事项 %(n)d 项、"
        "承办任务 %(m)d 件，其中按时办结 %(a)d 件，逾期办结 %(b)d 件，逾期未办结 %(c)d 件，"
        "正在办理 %(d)d 件。"
    ) % {
        "f": date_format(period_from, "DATE_FORMAT"),
        "t": date_format(period_to, "DATE_FORMAT"),
        "o": office.name,
        "n": tasks,
        "m": len(rows),
        "a": counts["on_time"],
        "b": counts["late"],
        "c": counts["overdue"],
        "d": counts["open"],
    }
    overdue = sorted({r["assignee"] for r in rows if r["state"] == "overdue"})
    if overdue:
        text += "\n\n" + _(
            "逾期未办结的承办单位：%(u)s。请上述单位于 5 个工作日内书面说明原因，并抓紧办结。"
        ) % {"u": "、".join(overdue)}
    on_time = sorted(
        {r["assignee"] for r in rows if r["state"] == "on_time"}
        - {r["assignee"] for r in rows if r["state"] in ("late", "overdue")}
    )
    if on_time:
        text += "\n\n" + _("按时办结全部任务的单位：%(u)s。") % {"u": "、".join(on_time)}
    return text


@transaction.atomic
def notice_generate(
    *,
    actor: User,
    kind: str,
    title: str,
    period_from: date,
    period_to: date,
    http_request=None,
) -> CirculationNotice:
    office = _office(actor)
    if period_to < period_from:
        raise CoordinationError(_("通报期间的结束日期不能早于开始日期。"))
    rows = _notice_rows(office, period_from, period_to)
    with translation.override(settings.LANGUAGE_CODE):
        body = _notice_body(office, period_from, period_to, rows)
    notice = CirculationNotice.objects.create(
        kind=kind,
        title=title.strip()[:200] or notice_default_title(),
        unit=office,
        unit_path=office.path,
        period_from=period_from,
        period_to=period_to,
        body=body,
        rows=rows,
        created_by=actor,
    )
    audit_record(
        action=Action.CREATE,
        actor=actor,
        request=http_request,
        obj=notice,
        detail={"rows": len(rows)},
    )
    return notice


@transaction.atomic
def notice_update(
    *,
    actor: User,
    notice: CirculationNotice,
    title: str,
    number: str,
    body: str,
    http_request=None,
) -> CirculationNotice:
    _office_of(actor, notice.unit)
    if not title.strip() or not body.strip():
        raise CoordinationError(_("请填写标题和正文。"))
    if not CirculationNotice.objects.filter(pk=notice.pk, status=NoticeStatus.DRAFT).update(
        title=title.strip()[:200], number=number.strip()[:40], body=body.strip()
    ):
        raise CoordinationError(_("已印发的通报不能修改。"))
    audit_record(action=Action.UPDATE, actor=actor, request=http_request, obj=notice)
    notice.refresh_from_db()
    return notice


@transaction.atomic
def notice_issue(*, actor: User, notice: CirculationNotice, http_request=None) -> CirculationNotice:
    _office_of(actor, notice.unit)
    office = notice.unit
    if not notice.number.strip():
        raise CoordinationError(_("印发前请填写文号。"))
    if not CirculationNotice.objects.filter(pk=notice.pk, status=NoticeStatus.DRAFT).update(
        status=NoticeStatus.ISSUED, issued_at=timezone.now()
    ):
        raise CoordinationError(_("该通报已印发。"))
    audit_record(
        action=Action.UPDATE, actor=actor, request=http_request, obj=notice, detail={"issued": True}
    )
    departments = Department.objects.filter(
        code__in={r.get("department") for r in notice.rows} - {"", None}
    )
    units = Unit.objects.filter(code__in={r.get("unit") for r in notice.rows} - {"", None})
    recipients = list(
        User.objects.filter(
            Q(department__in=departments, role_grants__role=Role.DEPARTMENT_LIAISON)
            | Q(unit__in=units, role_grants__role__in=[Role.STREET_OFFICER, Role.BUREAU_OFFICER]),
            is_active=True,
        ).distinct()
    )
    notify(
        recipients,
        _("%(o)s印发通报：%(t)s") % {"o": office.name, "t": notice.title},
        f"/coordination/notices/{notice.pk}/",
        "notice",
    )
    notice.refresh_from_db()
    return notice


# --- annual assessment ---------------------------------------------------------------------


def _year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def _screening_rate(unit: Unit, year: int) -> tuple[Decimal | None, str]:
    """Reports filed on time / reports due (months of the year whose deadline has passed)."""
    today = timezone.localdate()
    rule = ScreeningRule.current()
    months = [
        date(year, m, 1)
        for m in range(1, 13)
        if rule.required(date(year, m, 1)) and report_deadline(date(year, m, 1), rule) < today
    ]
    communities = Unit.objects.filter(subtree_q(unit.path), level=Level.COMMUNITY).count()
    due = communities * len(months)
    if not due:
        return None, _("本年度尚无到期的排查报告")
    on_time = ScreeningReport.objects.filter(
        subtree_q(unit.path, "unit_path"), period__in=months, late=False
    ).count()
    return Decimal(on_time) / Decimal(due), _("按时填报 %(a)d / 应报 %(b)d") % {
        "a": on_time,
        "b": due,
    }


def _task_rate(unit: Unit, year: int) -> tuple[Decimal | None, str]:
    start, end = _year_bounds(year)
    today = timezone.localdate()
    assignments = TaskAssignment.objects.filter(
        subtree_q(unit.path, "assignee_path"),
        due_date__gte=start,
        due_date__lte=min(end, today),
    ).exclude(task__status=TaskStatus.CANCELLED)
    due = assignments.count()
    if not due:
        return None, _("本年度无到期的督办任务")
    on_time = sum(1 for a in assignments if a.on_time)
    return Decimal(on_time) / Decimal(due), _("按时办结 %(a)d / 到期 %(b)d") % {
        "a": on_time,
        "b": due,
    }


def _inspection_rate(unit: Unit, year: int) -> tuple[Decimal | None, str]:
    start, end = _year_bounds(year)
    firsts = Inspection.objects.filter(
        subtree_q(unit.path, "unit_path"),
        previous__isnull=True,
        inspected_on__gte=start,
        inspected_on__lte=end,
    )
    needing = [i for i in firsts if i.status != InspectionStatus.PASSED]
    if not needing:
        return None, _("本年度检查无需整改的问题")
    closed = sum(1 for i in needing if i.chain()[-1].status == InspectionStatus.PASSED)
    return Decimal(closed) / Decimal(len(needing)), _("整改完成 %(a)d / 需整改 %(b)d") % {
        "a": closed,
        "b": len(needing),
    }


def major_incidents(unit: Unit, year: int) -> list[Incident]:
    start, end = _year_bounds(year)
    return list(
        Incident.objects.filter(
            subtree_q(unit.path, "unit_path"),
            severity__in=MAJOR_SEVERITIES,
            occurred_at__date__gte=start,
            occurred_at__date__lte=end,
        ).order_by("occurred_at")
    )


RATES: dict[str, Callable[[Unit, int], tuple[Decimal | None, str]]] = {
    Metric.SCREENING: _screening_rate,
    Metric.TASKS: _task_rate,
    Metric.INSPECTIONS: _inspection_rate,
}


def grade_for(total: Decimal, maximum: Decimal, veto: bool) -> str:
    if veto:
        return Grade.FAIL
    share = total / maximum * 100 if maximum else Decimal(0)
    if share >= 90:
        return Grade.EXCELLENT
    if share >= 75:
        return Grade.GOOD
    if share >= 60:
        return Grade.PASS
    return Grade.FAIL


def _refresh_evidence(assessment: Assessment, scores: list[AssessmentScore]) -> list[str]:
    """Sets each score's basis and suggested score from the data as it is now (in memory,
    nothing saved); returns the veto reasons the data gives (major incidents)."""
    unit, year = assessment.unit, assessment.year
    auto_veto: list[str] = []
    for score in scores:
        criterion = score.criterion
        if criterion.metric == Metric.MAJOR_INCIDENT:
            found = major_incidents(unit, year)
            score.basis = (
                _("发生重大以上突发事件：%(n)s") % {"n": "、".join(i.number for i in found)}
                if found
                else _("未发生重大以上突发事件")
            )
            if found and criterion.is_veto:
                auto_veto.append(score.basis)
            continue
        measure = RATES.get(criterion.metric)
        if measure is not None:
            rate, basis = measure(unit, year)
            score.suggested = (
                (criterion.max_score * rate).quantize(Decimal("0.1"))
                if rate is not None
                else criterion.max_score
            )
            score.basis = basis
    return auto_veto


def _outcome(
    assessment: Assessment, scores: list[AssessmentScore], auto_veto: list[str]
) -> dict[str, Any]:
    """Total, veto (from the data and by hand) and grade of these scores."""
    total = sum((s.score for s in scores if not s.criterion.is_veto), Decimal(0))
    maximum = sum((s.criterion.max_score for s in scores if not s.criterion.is_veto), Decimal(0))
    reasons = auto_veto + ([assessment.manual_veto_reason] if assessment.manual_veto_reason else [])
    veto = bool(reasons)
    return {
        "total": total,
        "veto": veto,
        "veto_reason": "；".join(r for r in reasons if r),
        "grade": grade_for(total, maximum, veto),
    }


def _recompute(assessment: Assessment) -> None:
    """Suggested scores from the data, the veto from major incidents, total and grade."""
    scores = list(assessment.scores.select_related("criterion"))
    auto_veto = _refresh_evidence(assessment, scores)
    for score in scores:
        score.save(update_fields=["suggested", "basis"])
    Assessment.objects.filter(pk=assessment.pk).update(**_outcome(assessment, scores, auto_veto))
    assessment.refresh_from_db()


def assessment_shown(assessment: Assessment) -> list[AssessmentScore]:
    """The scores to show. A draft's data basis, suggested scores, veto, total and grade are
    worked out as the data is now (an incident or inspection since the last save shows at
    once; nothing is saved until someone scores or finalizes); a final assessment is shown
    as it was fixed. The scores given by hand are never changed here."""
    scores = list(assessment.scores.select_related("criterion"))
    if assessment.status == AssessmentStatus.DRAFT:
        auto_veto = _refresh_evidence(assessment, scores)
        for field, value in _outcome(assessment, scores, auto_veto).items():
            setattr(assessment, field, value)
    return scores


@transaction.atomic
def assessment_open(*, actor: User, year: int, unit: Unit, http_request=None) -> Assessment:
    office = _office(actor)
    if unit.level not in ASSIGNEE_LEVELS or not unit.path.startswith(office.path):
        raise CoordinationError(_("考核对象须为本辖区内的区县或街道。"))
    if not 2000 <= year <= timezone.localdate().year:
        raise CoordinationError(_("年度不正确。"))
    try:
        with transaction.atomic():
            assessment = Assessment.objects.create(
                year=year, unit=unit, unit_path=unit.path, created_by=actor
            )
    except IntegrityError as exc:
        raise CoordinationError(
            _("%(u)s %(y)d 年度的考核已建立。") % {"u": unit.name, "y": year}
        ) from exc
    for criterion in AssessmentCriterion.objects.filter(active=True):
        AssessmentScore.objects.create(assessment=assessment, criterion=criterion)
    _recompute(assessment)
    for score in assessment.scores.exclude(suggested=None):
        AssessmentScore.objects.filter(pk=score.pk).update(score=score.suggested)
    _recompute(assessment)
    audit_record(
        action=Action.CREATE,
        actor=actor,
        request=http_request,
        obj=assessment,
        detail={"year": year, "unit": unit.code},
    )
    return assessment


@transaction.atomic
def assessment_score(
    *,
    actor: User,
    assessment: Assessment,
    scores: dict[int, tuple[Decimal, str]],
    veto_reason: str = "",
    http_request=None,
) -> Assessment:
    """Scores per criterion (within 0..the criterion's points) and, optionally, a veto on
    grounds the data does not show (with its reason). A veto from a major incident in the
    data cannot be lifted by hand."""
    _office_of(actor, assessment.unit)
    if assessment.status != AssessmentStatus.DRAFT:
        raise CoordinationError(_("已定档的考核不能修改。"))
    for score in assessment.scores.select_related("criterion"):
        if score.criterion_id not in scores or score.criterion.is_veto:
            continue
        value, note = scores[score.criterion_id]
        if not value.is_finite():  # NaN or Infinity: Decimal reads them, no score is one
            raise CoordinationError(_("%(c)s 的得分应为数字。") % {"c": score.criterion.name})
        if not Decimal(0) <= value <= score.criterion.max_score:
            raise CoordinationError(
                _("%(c)s 的得分应在 0 到 %(m)s 之间。")
                % {"c": score.criterion.name, "m": score.criterion.max_score}
            )
        AssessmentScore.objects.filter(pk=score.pk).update(score=value, note=note[:300])
    Assessment.objects.filter(pk=assessment.pk).update(manual_veto_reason=veto_reason.strip())
    assessment.refresh_from_db()
    _recompute(assessment)
    audit_record(
        action=Action.UPDATE,
        actor=actor,
        request=http_request,
        obj=assessment,
        detail={"total": str(assessment.total), "veto": assessment.veto},
    )
    return assessment


@transaction.atomic
def assessment_finalize(
    *,
    actor: User,
    assessment: Assessment,
    scores: dict[int, tuple[Decimal, str]] | None = None,
    veto_reason: str | None = None,
    http_request=None,
) -> Assessment:
    """Fix the grade. With `scores` (what the page shows when 定档 is clicked) they are saved
    first, as 保存评分 would, so the grade is that of the scores on the screen."""
    _office_of(actor, assessment.unit)
    if scores is not None:
        assessment_score(
            actor=actor,
            assessment=assessment,
            scores=scores,
            veto_reason=assessment.manual_veto_reason if veto_reason is None else veto_reason,
            http_request=http_request,
        )
    _recompute(assessment)
    if not Assessment.objects.filter(pk=assessment.pk, status=AssessmentStatus.DRAFT).update(
        status=AssessmentStatus.FINAL, finalized_at=timezone.now()
    ):
        raise CoordinationError(_("该考核已定档。"))
    audit_record(
        action=Action.UPDATE,
        actor=actor,
        request=http_request,
        obj=assessment,
        detail={"final": True, "grade": assessment.grade},
    )
    assessment.refresh_from_db()
    return assessment


@transaction.atomic
def criteria_save(*, actor: User, formset, http_request=None) -> int:
    """Save edited and new criteria (configuration); a new one gets a code of its own."""
    _office(actor)
    changed = [form.instance for form in formset.forms if form.has_changed()]
    taken = set(AssessmentCriterion.objects.values_list("code", flat=True))
    for criterion in changed:
        if not criterion.code:
            n = len(taken) + 1
            while f"custom{n}" in taken:
                n += 1
            criterion.code = f"custom{n}"
            taken.add(criterion.code)
    formset.save()
    for criterion in changed:
        audit_record(
            action=Action.UPDATE,
            actor=actor,
            request=http_request,
            obj=criterion,
            detail={"max_score": str(criterion.max_score), "active": criterion.active},
        )
    return len(changed)


# --- inspections -------------------------------------------------------------------------


@transaction.atomic
def checklist_change(
    *,
    actor: User,
    template: ChecklistTemplate,
    step: str,
    item: ChecklistItem | None = None,
    topic: str = "",
    text: str = "",
    http_request=None,
) -> ChecklistTemplate:
    """Checklists are configuration: add an item (`add`), switch an item (`toggle`) or the
    whole list (`toggle_template`) on or off. Inspections keep the texts they were made with."""
    _inspector(actor)
    if step == "add":
        if not text.strip():
            raise CoordinationError(_("请填写检查内容。"))
        item = ChecklistItem.objects.create(
            template=template,
            order=template.items.count() + 1,
            topic=topic if topic in Topic.values else Topic.OTHER,
            text=text.strip()[:300],
        )
    elif step == "toggle" and item is not None and item.template_id == template.pk:
        ChecklistItem.objects.filter(pk=item.pk).update(active=not item.active)
    elif step == "toggle_template":
        ChecklistTemplate.objects.filter(pk=template.pk).update(active=not template.active)
    else:
        raise CoordinationError(_("未知的操作。"))
    audit_record(
        action=Action.UPDATE,
        actor=actor,
        request=http_request,
        obj=template,
        detail={"step": step, "item": item.pk if item else None},
    )
    template.refresh_from_db()
    return template


def _inspector(actor: User) -> None:
    if not actor.can(Cap.INSPECTION_MANAGE):
        raise CoordinationError(_("您没有开展监督检查的权限。"))


@transaction.atomic
def window_unit_create(
    *,
    actor: User,
    name: str,
    kind: str,
    unit: Unit,
    address: str = "",
    department: Department | None = None,
    http_request=None,
) -> WindowUnit:
    _inspector(actor)
    if not name.strip():
        raise CoordinationError(_("请填写窗口单位名称。"))
    if unit.level not in (Level.DISTRICT, Level.STREET, Level.COMMUNITY, Level.CITY):
        raise CoordinationError(_("请选择窗口单位所在的区县、街道或社区。"))
    if not unit_in_scope(actor, unit):
        raise CoordinationError(_("该单位不在您的管理范围内。"))
    window = WindowUnit.objects.create(
        name=name.strip()[:200],
        kind=kind,
        unit=unit,
        unit_path=unit.path,
        address=address[:300],
        department=department,
    )
    audit_record(action=Action.CREATE, actor=actor, request=http_request, obj=window)
    return window


@transaction.atomic
def inspection_record(
    *,
    actor: User,
    window_unit: WindowUnit,
    inspected_on: date,
    inspectors: str,
    results: dict[int, tuple[str, str]],
    template: ChecklistTemplate | None = None,
    summary: str = "",
    rectification_due: date | None = None,
    previous: Inspection | None = None,
    http_request=None,
) -> Inspection:
    """Record an inspection (or a re-inspection of the items that failed last time).
    `results` maps each checklist item's id to (pass/fail/na, note)."""
    _inspector(actor)
    if not unit_in_scope(actor, window_unit.unit):
        raise CoordinationError(_("该窗口单位不在您的管理范围内。"))
    if inspected_on > timezone.localdate():
        raise CoordinationError(_("检查日期不能晚于今天。"))
    if not inspectors.strip():
        raise CoordinationError(_("请填写检查人员。"))
    if previous is not None:
        if previous.window_unit_id != window_unit.pk:
            raise CoordinationError(_("复查须针对同一窗口单位。"))
        template = previous.template
        item_ids = [f.item_id for f in previous.findings.filter(result=FindingResult.FAIL)]
        items = list(ChecklistItem.objects.filter(pk__in=item_ids))
        if inspected_on < previous.inspected_on:
            raise CoordinationError(_("复查日期不能早于上次检查。"))
    else:
        if template is None or not template.active:
            raise CoordinationError(_("请选择检查表。"))
        items = list(template.items.filter(active=True))
    missing = [item.text for item in items if item.pk not in results]
    if missing:
        raise CoordinationError(_("请逐项填写检查结果：%(i)s") % {"i": missing[0]})
    failed = [i for i in items if results[i.pk][0] == FindingResult.FAIL]
    if failed:
        if rectification_due is None or rectification_due <= inspected_on:
            raise CoordinationError(_("有不符合项的，请规定晚于检查日期的整改期限。"))
        for item in failed:
            if not results[item.pk][1].strip():
                raise CoordinationError(
                    _("请写明不符合项的问题和整改要求：%(i)s") % {"i": item.text}
                )
    if previous is not None and not Inspection.objects.filter(
        pk=previous.pk, status=InspectionStatus.RECTIFYING
    ).update(status=InspectionStatus.REINSPECTED):
        raise CoordinationError(_("只能复查限期整改中的检查。"))
    inspection = Inspection.objects.create(
        number=next_number(Inspection, f"JC{inspected_on:%Y%m}"),
        window_unit=window_unit,
        template=template,
        previous=previous,
        round=previous.round + 1 if previous else 1,
        inspected_on=inspected_on,
        inspectors=inspectors.strip()[:300],
        summary=summary.strip(),
        status=InspectionStatus.RECTIFYING if failed else InspectionStatus.PASSED,
        rectification_due=rectification_due if failed else None,
        unit_path=window_unit.unit_path,
        created_by=actor,
    )
    Finding.objects.bulk_create(
        [
            Finding(
                inspection=inspection,
                item=item,
                topic=item.topic,
                text=item.text,
                result=results[item.pk][0],
                note=results[item.pk][1][:500],
            )
            for item in items
        ]
    )
    audit_record(
        action=Action.CREATE,
        actor=actor,
        request=http_request,
        obj=inspection,
        detail={"window": window_unit.name, "failed": len(failed), "round": inspection.round},
    )
    if failed and window_unit.department and window_unit.department.liaison_id:
        notify(
            [window_unit.department.liaison],
            _("%(w)s 检查发现 %(n)d 项问题，须于 %(d)s 前整改。")
            % {"w": window_unit.name, "n": len(failed), "d": f"{rectification_due:%Y-%m-%d}"},
            f"/coordination/inspections/{inspection.pk}/",
            "inspection",
        )
    return inspection


def rectification_alerts(now: datetime | None = None) -> int:
    today = timezone.localdate(now)
    sent = 0
    late = Inspection.objects.filter(
        status=InspectionStatus.RECTIFYING, rectification_due__lt=today
    ).select_related("window_unit__department__liaison", "created_by")
    for inspection in late.iterator():
        with transaction.atomic():
            if not _alert_once(f"rectify:{inspection.pk}"):
                continue
            users = [inspection.created_by]
            department = inspection.window_unit.department
            if department and department.liaison:
                users.append(department.liaison)
            sent += notify(
                users,
                _("%(w)s 的整改期限 %(d)s 已过，请组织复查。")
                % {
                    "w": inspection.window_unit.name,
                    "d": f"{inspection.rectification_due:%Y-%m-%d}",
                },
                f"/coordination/inspections/{inspection.pk}/",
                "inspection",
            )
    return sent


# --- joint meetings ------------------------------------------------------------------------


@transaction.atomic
def meeting_create(
    *,
    actor: User,
    title: str,
    kind: str,
    date: date,
    agenda: str,
    place: str = "",
    chair: str = "",
    partner_regions=(),
    http_request=None,
) -> JointMeeting:
    """Convene a meeting of the office's coordination body: every member department of the
    unit is invited (attendance is recorded when the meeting has been held)."""
    office = _office(actor)
    if not title.strip() or not agenda.strip():
        raise CoordinationError(_("请填写会议名称和议程。"))
    meeting = JointMeeting.objects.create(
        title=title.strip()[:200],
        kind=kind,
        unit=office,
        unit_path=office.path,
        date=date,
        place=place[:200],
        chair=chair[:100],
        agenda=agenda.strip(),
        created_by=actor,
    )
    meeting.partner_regions.set(partner_regions)
    Attendance.objects.bulk_create(
        [Attendance(meeting=meeting, department=d) for d in Department.objects.filter(unit=office)]
    )
    audit_record(
        action=Action.CREATE,
        actor=actor,
        request=http_request,
        obj=meeting,
        detail={"kind": kind, "date": f"{date:%Y-%m-%d}"},
    )
    return meeting


@transaction.atomic
def meeting_record(
    *,
    actor: User,
    meeting: JointMeeting,
    minutes: str,
    present: dict[int, str],
    others: list[str] = (),  # type: ignore[assignment]
    http_request=None,
) -> JointMeeting:
    """After the meeting: who came for each invited department (`present` maps attendance
    ids to the attendee's name), other attendees, and the minutes. Recorded once: a second
    submission (a reload, a double click) would add the other attendees again."""
    _office_of(actor, meeting.unit)
    if meeting.status == MeetingStatus.HELD:
        raise CoordinationError(_("该会议的出席和纪要已经记录，不能重复记录。"))
    if meeting.date > timezone.localdate():
        raise CoordinationError(_("会议尚未召开，不能记录纪要。"))
    if not minutes.strip():
        raise CoordinationError(_("请填写会议纪要。"))
    if not JointMeeting.objects.filter(pk=meeting.pk, status=MeetingStatus.PLANNED).update(
        minutes=minutes.strip(), status=MeetingStatus.HELD
    ):
        raise CoordinationError(_("该会议的出席和纪要已经记录，不能重复记录。"))
    for attendance in meeting.attendances.filter(department__isnull=False):
        name = present.get(attendance.pk)
        Attendance.objects.filter(pk=attendance.pk).update(
            present=name is not None, name=(name or "")[:200]
        )
    for name in others:
        if name.strip():
            Attendance.objects.create(meeting=meeting, name=name.strip()[:200], present=True)
    audit_record(
        action=Action.UPDATE,
        actor=actor,
        request=http_request,
        obj=meeting,
        detail={"held": True, "present": len(present)},
    )
    meeting.refresh_from_db()
    return meeting


@transaction.atomic
def decision_add(
    *, actor: User, meeting: JointMeeting, text: str, http_request=None
) -> MeetingDecision:
    _office_of(actor, meeting.unit)
    if not text.strip():
        raise CoordinationError(_("请填写议定事项。"))
    decision = MeetingDecision.objects.create(meeting=meeting, text=text.strip())
    audit_record(action=Action.CREATE, actor=actor, request=http_request, obj=decision)
    return decision


def decision_to_task(
    *,
    actor: User,
    decision: MeetingDecision,
    assignees: list[Assignee],
    due_date: date,
    http_request=None,
) -> SupervisionTask:
    """A decision becomes an action item: a task assigned and tracked like any other."""
    meeting = decision.meeting
    _office_of(actor, meeting.unit)
    if hasattr(decision, "task"):
        raise CoordinationError(_("该议定事项已转为督办事项。"))
    return task_create(
        actor=actor,
        title=decision.text.splitlines()[0][:200],
        description=decision.text,
        due_date=due_date,
        assignees=assignees,
        source=_("%(m)s（%(d)s）议定") % {"m": meeting.title, "d": f"{meeting.date:%Y-%m-%d}"},
        kind=TaskKind.MEETING_ACTION,
        decision=decision,
        http_request=http_request,
    )


SIX_MONTHS = 183  # days


def offices() -> list[Unit]:
    """Units whose coordination body must meet: those with member departments."""
    return list(
        Unit.objects.filter(level__in=OFFICE_LEVELS, departments__isnull=False)
        .distinct()
        .order_by("path")
    )


def last_body_meeting(unit: Unit) -> date | None:
    return (
        JointMeeting.objects.filter(unit=unit, kind__in=BODY_MEETINGS, status=MeetingStatus.HELD)
        .order_by("-date")
        .values_list("date", flat=True)
        .first()
    )


def meeting_overdue(unit: Unit, today: date | None = None) -> tuple[bool, date | None]:
    today = today or timezone.localdate()
    last = last_body_meeting(unit)
    return (last is None or (today - last).days > SIX_MONTHS), last


def meeting_alerts(now: datetime | None = None) -> int:
    """Warn an office's officers, once a month, when its body has not met for six months."""
    today = timezone.localdate(now)
    sent = 0
    for unit in offices():
        overdue, last = meeting_overdue(unit, today)
        if not overdue:
            continue
        with transaction.atomic():
            if not _alert_once(f"meeting6:{unit.pk}:{today:%Y-%m}"):
                continue
            officers = User.objects.filter(
                unit=unit, role_grants__role=Role.BUREAU_OFFICER, is_active=True
            )
            text = (
                _("%(u)s联席会议自 %(d)s 以来已超过六个月未召开，请及时召开。")
                % {"u": unit.name, "d": f"{last:%Y-%m-%d}"}
                if last
                else _("%(u)s尚未召开联席会议（每半年至少召开一次），请及时召开。")
                % {"u": unit.name}
            )
            sent += notify(officers, text, "/coordination/meetings/", "meeting")
    return sent


# --- origin-region cooperation ------------------------------------------------------------


def _cooperation(actor: User) -> None:
    if not actor.can(Cap.COOPERATION_MANAGE):
        raise CoordinationError(_("您没有管理流出地协作的权限。"))


@transaction.atomic
def region_create(
    *,
    actor: User,
    name: str,
    unit: Unit,
    code: str = "",
    agreement: str = "",
    since: date | None = None,
    http_request=None,
) -> PartnerRegion:
    _cooperation(actor)
    if unit.level not in OFFICE_LEVELS or not unit_in_scope(actor, unit):
        raise CoordinationError(_("协作关系由本市或本区（县）建立。"))
    if not name.strip():
        raise CoordinationError(_("请填写流出地名称。"))
    if code and not (code.isdigit() and len(code) == 6):
        raise CoordinationError(_("区划代码应为 6 位数字（GB/T 2260）。"))
    try:
        with transaction.atomic():
            region = PartnerRegion.objects.create(
                name=name.strip()[:100],
                code=code,
                unit=unit,
                unit_path=unit.path,
                agreement=agreement,
                since=since,
            )
    except IntegrityError as exc:
        raise CoordinationError(_("已与该流出地建立协作关系。")) from exc
    audit_record(action=Action.CREATE, actor=actor, request=http_request, obj=region)
    return region


@transaction.atomic
def station_add(
    *,
    actor: User,
    region: PartnerRegion,
    name: str,
    address: str = "",
    phone: str = "",
    established_on: date | None = None,
    note: str = "",
    http_request=None,
) -> LiaisonStation:
    _cooperation(actor)
    if not name.strip():
        raise CoordinationError(_("请填写工作站名称。"))
    station = LiaisonStation.objects.create(
        region=region,
        name=name.strip()[:200],
        address=address[:300],
        phone=phone[:30],
        established_on=established_on,
        note=note,
    )
    audit_record(action=Action.CREATE, actor=actor, request=http_request, obj=station)
    return station


@transaction.atomic
def contact_add(
    *,
    actor: User,
    region: PartnerRegion,
    name: str,
    position: str = "",
    organisation: str = "",
    phone: str = "",
    languages: str = "",
    station: LiaisonStation | None = None,
    http_request=None,
) -> RegionContact:
    _cooperation(actor)
    if not name.strip():
        raise CoordinationError(_("请填写联系人姓名。"))
    if station is not None and station.region_id != region.pk:
        raise CoordinationError(_("工作站不属于该流出地。"))
    contact = RegionContact.objects.create(
        region=region,
        station=station,
        name=name.strip()[:100],
        position=position[:100],
        organisation=organisation[:200],
        phone_enc=crypto.encrypt(phone.strip()) if phone else "",
        languages=languages[:100],
    )
    audit_record(action=Action.CREATE, actor=actor, request=http_request, obj=contact)
    return contact


@transaction.atomic
def exchange_add(
    *,
    actor: User,
    region: PartnerRegion,
    kind: str,
    date: date,
    title: str,
    content: str,
    shared: bool = True,
    dispute_number: str = "",
    http_request=None,
) -> ExchangeRecord:
    _cooperation(actor)
    if not title.strip() or not content.strip():
        raise CoordinationError(_("请填写事由和内容。"))
    if date > timezone.localdate():
        raise CoordinationError(_("日期不能晚于今天。"))
    record = ExchangeRecord.objects.create(
        region=region,
        kind=kind,
        date=date,
        title=title.strip()[:200],
        content=content.strip(),
        shared=shared,
        dispute_number=dispute_number.strip()[:20],
        created_by=actor,
    )
    audit_record(
        action=Action.CREATE,
        actor=actor,
        request=http_request,
        obj=record,
        detail={"shared": shared},
    )
    if shared:
        notify(
            [link.user for link in region.liaisons.select_related("user")],
            _("%(u)s共享了交流记录：%(t)s") % {"u": region.unit.name, "t": record.title},
            f"/coordination/regions/{region.pk}/",
            "cooperation",
        )
    return record


@transaction.atomic
def liaison_link(
    *, actor: User, region: PartnerRegion, user: User, http_request=None
) -> RegionLiaison:
    """Link an origin liaison's account (made by the system admin) to its region."""
    _cooperation(actor)
    if Role.ORIGIN_LIAISON not in user.roles:
        raise CoordinationError(_("只能关联角色为“流出地联络员”的账户。"))
    try:
        with transaction.atomic():
            link = RegionLiaison.objects.create(region=region, user=user)
    except IntegrityError as exc:
        raise CoordinationError(_("该账户已关联一个流出地。")) from exc
    audit_record(
        action=Action.PERMISSION,
        actor=actor,
        request=http_request,
        obj=link,
        detail={"region": region.name, "user": user.username},
    )
    return link


def coordination_alerts(now: datetime | None = None) -> dict[str, int]:
    return {
        "tasks": task_alerts(now),
        "rectification": rectification_alerts(now),
        "meetings": meeting_alerts(now),
    }
