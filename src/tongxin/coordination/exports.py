"""The coordination lists as exported files (`exchange.lists`), with the pages' filters and
scope: one row for each task assignment the user may see (a task without one gets a row of
its own); one row for each inspection round, with how many items failed; one for each
meeting, notice, assessment, window unit and partner region. Free text the list pages do not
show (notice bodies, veto reasons, agreements, station phones and contacts) stays out."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from tongxin.exchange.lists import ListExport, labels, local_time, yes_no

from .models import (
    Assessment,
    AssessmentStatus,
    AssignmentStatus,
    CirculationNotice,
    FindingResult,
    Grade,
    Inspection,
    InspectionStatus,
    JointMeeting,
    MeetingKind,
    MeetingStatus,
    NoticeKind,
    NoticeStatus,
    PartnerRegion,
    SupervisionTask,
    TaskKind,
    TaskStatus,
    WindowKind,
    WindowUnit,
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


NOTICES = ListExport(
    title=_("通报清单"),
    slug="notices",
    object_type="coordination.circulationnotice",
    headers=[
        _("文号"),
        _("类别"),
        _("标题"),
        _("印发单位"),
        _("通报期间自"),
        _("通报期间至"),
        _("状态"),
        _("印发时间"),
    ],
    widths=[22, 10, 36, 18, 11, 11, 8, 16],
)


def notice_rows(notices) -> Iterator[list[object]]:
    kinds, statuses = labels(NoticeKind), labels(NoticeStatus)
    ordered = notices.defer("body", "rows").order_by("-created_at", "-pk")
    item: CirculationNotice
    for item in ordered.iterator(chunk_size=2000):
        yield [
            item.number,
            kinds.get(item.kind, item.kind),
            item.title,
            item.unit.name,
            item.period_from.isoformat(),
            item.period_to.isoformat(),
            statuses.get(item.status, item.status),
            local_time(item.issued_at),
        ]


ASSESSMENTS = ListExport(
    title=_("年度考核清单"),
    slug="assessments",
    object_type="coordination.assessment",
    headers=[
        _("年度"),
        _("被考核单位"),
        _("总分"),
        _("一票否决"),
        _("等次"),
        _("状态"),
        _("定档时间"),
    ],
    widths=[6, 20, 8, 8, 8, 8, 16],
)


def assessment_rows(assessments) -> Iterator[list[object]]:
    grades, statuses = labels(Grade), labels(AssessmentStatus)
    ordered = assessments.order_by("-year", "unit_path", "pk")
    item: Assessment
    for item in ordered.iterator(chunk_size=2000):
        yield [
            item.year,
            item.unit.name,
            float(item.total),  # one decimal place: a number in Excel
            yes_no(item.veto),
            grades.get(item.grade, item.grade),
            statuses.get(item.status, item.status),
            local_time(item.finalized_at),
        ]


WINDOWS = ListExport(
    title=_("窗口单位清单"),
    slug="window-units",
    object_type="coordination.windowunit",
    headers=[_("名称"), _("类别"), _("地址"), _("所在辖区"), _("主管部门")],
    widths=[28, 12, 32, 18, 22],
)


def window_rows(windows) -> Iterator[list[object]]:
    kinds = labels(WindowKind)
    item: WindowUnit
    for item in windows.order_by("unit_path", "name", "pk").iterator(chunk_size=2000):
        yield [
            item.name,
            kinds.get(item.kind, item.kind),
            item.address,  # the unit's (a school's, a hotel's) public address
            item.unit.name,
            item.department.name if item.department else "",
        ]


REGIONS = ListExport(
    title=_("流出地协作清单"),
    slug="partner-regions",
    object_type="coordination.partnerregion",
    headers=[
        _("流出地"),
        _("区划代码"),
        _("协作单位"),
        _("建立协作日期"),
        _("状态"),
        _("工作站数"),
        _("工作站"),
    ],
    widths=[30, 10, 18, 12, 8, 8, 40],
)


def region_rows(regions) -> Iterator[list[object]]:
    states = {True: str(_("协作中")), False: str(_("已停止"))}
    ordered = regions.prefetch_related("stations").order_by("name", "pk")
    item: PartnerRegion
    for item in ordered.iterator(chunk_size=500):
        stations = [s.name for s in item.stations.all()]
        yield [
            item.name,
            item.code,
            item.unit.name,
            item.since.isoformat() if item.since else "",
            states[item.active],
            len(stations),
            "、".join(stations),
        ]
