"""The dispute and incident lists as exported files (`exchange.lists`): the page's filters,
every row. No party is named and no free text (facts, summary) goes out: the lists are of
cases."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils.translation import gettext_lazy as _

from tongxin.exchange.lists import ListExport, labels, local_time, yes_no

from .models import (
    Dispute,
    EthnicReview,
    Incident,
    IncidentStatus,
    Kind,
    Result,
    RiskLevel,
    ScreeningReport,
    Severity,
    Source,
    Status,
)

DISPUTES = ListExport(
    title=_("矛盾纠纷清单"),
    slug="disputes",
    object_type="disputes.dispute",
    headers=[
        _("编号"),
        _("纠纷类别"),
        _("来源"),
        _("所属单位"),
        _("网格"),
        _("发生地点"),
        _("发生日期"),
        _("发现日期"),
        _("风险等级"),
        _("状态"),
        _("调处结果"),
        _("结案时间"),
        _("民族因素认定"),
    ],
    widths=[16, 14, 10, 16, 16, 24, 11, 11, 8, 8, 14, 16, 12],
)


def dispute_rows(disputes) -> Iterator[list[object]]:
    """Each dispute as exported cells, newest found first, read in chunks."""
    kinds, sources, risks = labels(Kind), labels(Source), labels(RiskLevel)
    statuses, results, ethnic = labels(Status), labels(Result), labels(EthnicReview)
    item: Dispute
    for item in disputes.order_by("-found_on", "-pk").iterator(chunk_size=2000):
        yield [
            item.number,
            kinds.get(item.kind, item.kind),
            sources.get(item.source, item.source),
            item.unit.name,
            item.grid.name if item.grid else "",
            item.place,
            item.occurred_on.isoformat(),
            item.found_on.isoformat(),
            risks.get(item.risk_level, item.risk_level),
            statuses.get(item.status, item.status),
            results.get(item.result, "") if item.result else "",
            local_time(item.concluded_at),
            ethnic.get(item.ethnic_review, ""),
        ]


INCIDENTS = ListExport(
    title=_("突发事件清单"),
    slug="incidents",
    object_type="disputes.incident",
    headers=[
        _("编号"),
        _("等级"),
        _("发生单位"),
        _("地点"),
        _("发生时间"),
        _("涉及人数"),
        _("状态"),
        _("上报时间"),
        _("由纠纷升级"),
    ],
    widths=[16, 10, 18, 24, 16, 8, 8, 16, 16],
)


def incident_rows(incidents) -> Iterator[list[object]]:
    severities, statuses = labels(Severity), labels(IncidentStatus)
    item: Incident
    for item in incidents.iterator(chunk_size=2000):
        yield [
            item.number,
            severities.get(item.severity, item.severity),
            item.unit.name,
            item.place,
            local_time(item.occurred_at),
            item.people_involved,
            statuses.get(item.status, item.status),
            local_time(item.reported_at),
            item.dispute.number if item.dispute else "",
        ]


SCREENING = ListExport(
    title=_("月度排查报告"),
    slug="screening-reports",
    object_type="disputes.screeningreport",
    headers=[
        _("社区"),
        _("月份"),
        _("零报告"),
        _("走访排查（户次）"),
        _("纠纷件数"),
        _("填报截止日期"),
        _("逾期填报"),
        _("填报人"),
        _("填报时间"),
        _("录入时间"),
        _("补录说明"),
    ],
    widths=[20, 9, 8, 10, 8, 12, 8, 14, 16, 16, 30],
)


def report_rows(reports) -> Iterator[list[object]]:
    """Each monthly report of `selectors.report_list_for` (its dispute count annotated); the
    free texts stay on the page."""
    item: ScreeningReport
    for item in reports.iterator(chunk_size=2000):
        yield [
            item.unit.name,
            f"{item.period:%Y-%m}",
            yes_no(item.is_zero),
            item.visits,
            item.dispute_count,  # type: ignore[attr-defined]
            item.deadline.isoformat(),
            yes_no(item.late),
            item.filed_by.username,
            local_time(item.filed_at),
            local_time(item.entered_at),
            item.paper_reason,
        ]
