"""The task and inspection lists as exported files (`exchange.lists`), with the pages'
filters: one row for each task assignment the user may see (a task without one gets a row of
its own); one row for each inspection round, with how many items failed."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from tongxin.exchange.lists import ListExport, labels, local_time, yes_no

from .models import (
    AssignmentStatus,
    FindingResult,
    Inspection,
    InspectionStatus,
    JointMeeting,
    MeetingKind,
    MeetingStatus,
    SupervisionTask,
    TaskKind,
    TaskStatus,
    WindowKind,
)
from .selectors import assignments_for

TASKS = ListExport(
    title=_("督查督办清单"),
    slug="tasks",
    object_type="coordination.supervisiontask",
    headers=[
        _("编号"),
        _("类别"),
        _("事项"),
        _("任务来源"),
        _("交办单位"),
        _("办结时限"),
        _("任务状态"),
        _("承办单位"),
        _("承办时限"),
        _("承办状态"),
        _("是否超期"),
        _("申请办结时间"),
        _("审核办结时间"),
    ],
    widths=[16, 14, 30, 20, 16, 11, 8, 18, 11, 8, 8, 16, 16],
)
CHUNK = 500


def task_rows(user, tasks) -> Iterator[list[object]]:
    kinds, statuses, assignment_statuses = (
        labels(TaskKind),
        labels(TaskStatus),
        labels(AssignmentStatus),
    )
    ordered = tasks.order_by("-created_at", "-pk").iterator(chunk_size=CHUNK)
    while chunk := list(islice(ordered, CHUNK)):
        visible = assignments_for(user, chunk)
        task: SupervisionTask
        for task in chunk:
            head: list[object] = [
                task.number,
                kinds.get(task.kind, task.kind),
                task.title,
                task.source,
                task.unit.name,
                task.due_date.isoformat(),
                statuses.get(task.status, task.status),
            ]
            if not visible[task.pk]:
                yield head + [""] * 6
            for a in visible[task.pk]:
                assignee = a.department or a.unit
                yield head + [
                    assignee.name if assignee else "",
                    a.due_date.isoformat(),
                    assignment_statuses.get(a.status, a.status),
                    yes_no(a.overdue),
                    local_time(a.submitted_at),
                    local_time(a.completed_at),
                ]


INSPECTIONS = ListExport(
    title=_("监督检查清单"),
    slug="inspections",
    object_type="coordination.inspection",
    headers=[
        _("编号"),
        _("窗口单位"),
        _("类别"),
        _("检查表"),
        _("轮次"),
        _("检查日期"),
        _("检查人员"),
        _("状态"),
        _("不符合项"),
        _("整改期限"),
        _("是否超期"),
    ],
    widths=[16, 24, 10, 20, 6, 11, 20, 10, 8, 11, 8],
)


def inspection_rows(inspections) -> Iterator[list[object]]:
    kinds, statuses = labels(WindowKind), labels(InspectionStatus)
    counted = inspections.annotate(
        failed=Count("findings", filter=Q(findings__result=FindingResult.FAIL))
    ).order_by("-inspected_on", "-pk")
    item: Inspection
    for item in counted.iterator(chunk_size=2000):
        yield [
            item.number,
            item.window_unit.name,
            kinds.get(item.window_unit.kind, item.window_unit.kind),
            item.template.name,
            item.round,
            item.inspected_on.isoformat(),
            item.inspectors,
            statuses.get(item.status, item.status),
            item.failed,  # type: ignore[attr-defined]
            item.rectification_due.isoformat() if item.rectification_due else "",
            yes_no(item.overdue),
        ]


MEETINGS = ListExport(
    title=_("联席会议清单"),
    slug="meetings",
    object_type="coordination.jointmeeting",
    headers=[
        _("会议名称"),
        _("类别"),
        _("召集单位"),
        _("会议日期"),
        _("地点"),
        _("主持人"),
        _("状态"),
        _("议定事项"),
    ],
    widths=[30, 16, 18, 11, 20, 12, 8, 8],
)


def meeting_rows(meetings) -> Iterator[list[object]]:
    kinds, statuses = labels(MeetingKind), labels(MeetingStatus)
    counted = meetings.annotate(decided=Count("decisions")).order_by("-date", "-pk")
    item: JointMeeting
    for item in counted.iterator(chunk_size=2000):
        yield [
            item.title,
            kinds.get(item.kind, item.kind),
            item.unit.name,
            item.date.isoformat(),
            item.place,
            item.chair,
            statuses.get(item.status, item.status),
            item.decided,  # type: ignore[attr-defined]
        ]
