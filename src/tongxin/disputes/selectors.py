"""Reads for screening and mediation: scoped lists with their filters, the completeness
calendar, and the counts other apps (statistical report forms, dashboards) ask for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.accounts.roles import Cap
from tongxin.accounts.scoping import scoped, visible_units
from tongxin.core.filters import known_value, month_filter
from tongxin.core.stats import child_path_length
from tongxin.core.validators import CALENDAR_YEARS
from tongxin.geo.models import Level, Unit, subtree_q

from .models import (
    RESOLVED_RESULTS,
    Dispute,
    EthnicReview,
    Incident,
    IncidentStatus,
    Kind,
    RiskLevel,
    ScreeningReport,
    ScreeningRule,
    Status,
    month_start,
)
from .services import next_month, report_deadline, units_in_scope

# The ethnic-factor reviews a dispute list may be narrowed to (`any`: each of them).
ETHNIC_REVIEWED = [EthnicReview.PENDING, EthnicReview.CONFIRMED, EthnicReview.REJECTED]


def parse_month(value: str | None) -> date | None:
    """`2026-03` → date(2026, 3, 1); anything else → None, years outside `CALENDAR_YEARS`
    too."""
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        return date(year, month, 1) if year in CALENDAR_YEARS else None
    except ValueError:
        return None


def add_months(day: date, n: int) -> date:
    index = day.year * 12 + day.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def months_back(end: date, count: int) -> list[date]:
    months = [month_start(end)]
    while len(months) < count:
        months.append(month_start(months[-1] - timedelta(days=1)))
    return list(reversed(months))


# --- for other apps ------------------------------------------------------------------------


def dispute_counts(unit_path: str, date_from: date, date_to: date) -> dict[str, int]:
    """Screening and mediation figures for the unit at `unit_path` and everything below it,
    for the days `date_from`..`date_to` (both included). Not scoped to a user: the caller
    decides which units its user may see.

    - `reports`: screening reports of months that begin in the range; `zero_reports` of them
      zero reports; `communities`: communities under the unit that should report each month;
    - `disputes`: disputes found (`found_on`) in the range; `resolved`: of those, the ones
      concluded by agreement or withdrawal (化解) so far; `concluded`: with any result;
    - `ethnic_set` / `ethnic_confirmed`: of those, how many were said to involve ethnic
      factors, and confirmed by the second reviewer;
    - `incidents`: incidents (突发事件) that occurred in the range.
    """
    reports = ScreeningReport.objects.filter(
        subtree_q(unit_path, "unit_path"), period__gte=date_from, period__lte=date_to
    )
    report_figures = reports.aggregate(n=Count("pk"), zero=Count("pk", filter=Q(is_zero=True)))
    disputes = Dispute.objects.filter(
        subtree_q(unit_path, "unit_path"), found_on__gte=date_from, found_on__lte=date_to
    )
    figures = disputes.aggregate(
        n=Count("pk"),
        concluded=Count("pk", filter=Q(status=Status.CONCLUDED)),
        resolved=Count("pk", filter=Q(status=Status.CONCLUDED, result__in=RESOLVED_RESULTS)),
        ethnic_set=Count("pk", filter=~Q(ethnic_review=EthnicReview.NONE)),
        ethnic_confirmed=Count("pk", filter=Q(ethnic_review=EthnicReview.CONFIRMED)),
    )
    start = timezone.make_aware(datetime.combine(date_from, time.min))
    end = timezone.make_aware(datetime.combine(date_to + timedelta(days=1), time.min))
    incidents = Incident.objects.filter(
        subtree_q(unit_path, "unit_path"), occurred_at__gte=start, occurred_at__lt=end
    ).count()
    return {
        "reports": report_figures["n"],
        "zero_reports": report_figures["zero"],
        "communities": Unit.objects.filter(subtree_q(unit_path), level=Level.COMMUNITY).count(),
        "disputes": figures["n"],
        "concluded": figures["concluded"],
        "resolved": figures["resolved"],
        "ethnic_set": figures["ethnic_set"],
        "ethnic_confirmed": figures["ethnic_confirmed"],
        "incidents": incidents,
    }


def dispute_counts_by(
    unit_path: str, date_from: date, date_to: date, by: str
) -> dict[str, dict[str, int]]:
    """Disputes found in the range under `unit_path`, by `kind`, `month` (YYYY-MM) or
    `unit` (the child units' paths): {key: {"disputes", "resolved"}}. Not user-scoped."""
    rows = Dispute.objects.filter(
        subtree_q(unit_path, "unit_path"), found_on__gte=date_from, found_on__lte=date_to
    ).values_list("kind", "found_on", "unit_path", "status", "result")
    depth = child_path_length(unit_path)
    result: dict[str, dict[str, int]] = {}
    for kind, found_on, path, status, outcome in rows.iterator():
        key = {"kind": kind, "month": f"{found_on:%Y-%m}", "unit": path[:depth]}[by]
        entry = result.setdefault(key, {"disputes": 0, "resolved": 0})
        entry["disputes"] += 1
        entry["resolved"] += status == Status.CONCLUDED and outcome in RESOLVED_RESULTS
    return result


# --- scoped lists ----------------------------------------------------------------------------


def dispute_list_for(user, params) -> QuerySet[Dispute]:
    """The disputes a user may see, narrowed by the list's filters (never widened): `status`,
    `kind`, `month`, `from`, `to` (YYYY-MM of discovery), `unit` (a unit code: that unit and below),
    `ethnic` (`pending`, `confirmed`, `rejected`, `any`), `risk`, `q` (number or place). A
    choice filter's unknown value is a ValidationError naming it (`core.filters`)."""
    status = known_value(params, "status", Status.values, _("状态"))
    kind = known_value(params, "kind", Kind.values, _("类别"))
    ethnic = known_value(params, "ethnic", [*ETHNIC_REVIEWED, "any"], _("民族因素"))
    risk = known_value(params, "risk", RiskLevel.values, _("风险等级"))
    disputes = scoped(user, Dispute.objects.select_related("unit", "grid"))
    if status:
        disputes = disputes.filter(status=status)
    if kind:
        disputes = disputes.filter(kind=kind)
    # `month` is one month (the API's, older links); `from` and `to` a range of months
    # (the page's, the dashboards' links for a quarter or a year).
    month = month_filter(params, "month", _("发现月份"))
    found_from = month_filter(params, "from", _("发现月份（自）")) or month
    found_to = month_filter(params, "to", _("发现月份（至）")) or month
    if found_from:
        disputes = disputes.filter(found_on__gte=found_from)
    if found_to:
        disputes = disputes.filter(found_on__lt=next_month(found_to))
    if params.get("unit"):
        unit = Unit.objects.filter(code=params["unit"]).first()
        disputes = disputes.filter(subtree_q(unit.path, "unit_path")) if unit else disputes.none()
    if ethnic == "any":
        disputes = disputes.exclude(ethnic_review=EthnicReview.NONE)
    elif ethnic:
        disputes = disputes.filter(ethnic_review=ethnic)
    if risk:
        disputes = disputes.filter(risk_level=risk)
    q = (params.get("q") or "").strip()
    if q:
        disputes = disputes.filter(Q(number__icontains=q) | Q(place__icontains=q))
    return disputes


def incident_list_for(user, params) -> QuerySet[Incident]:
    """The incidents a user may see, newest first; `status` narrows (an unknown one is a
    ValidationError, as on the dispute list)."""
    status = known_value(params, "status", IncidentStatus.values, _("状态"))
    incidents = scoped(user, Incident.objects.select_related("unit", "dispute"))
    if status:
        incidents = incidents.filter(status=status)
    return incidents


def report_list_for(user, params) -> QuerySet[ScreeningReport]:
    reports = (
        scoped(user, ScreeningReport.objects.select_related("unit", "filed_by"))
        .annotate(dispute_count=Count("disputes"))
        .order_by("-period", "unit_path")
    )
    month = parse_month(params.get("month"))
    if month:
        reports = reports.filter(period=month)
    if params.get("unit"):
        unit = Unit.objects.filter(code=params["unit"]).first()
        reports = reports.filter(subtree_q(unit.path, "unit_path")) if unit else reports.none()
    return reports


def fileable_communities(user) -> QuerySet[Unit]:
    """Communities the user may file a screening report for."""
    if not user.can(Cap.SCREENING_FILE):
        return Unit.objects.none()
    return units_in_scope(user, [Level.COMMUNITY])


# --- the completeness calendar ------------------------------------------------------------


@dataclass
class Cell:
    period: date
    expected: int
    filed: int = 0
    late: int = 0
    zero: int = 0
    disputes: int = 0
    deadline: date | None = None
    report_id: int | None = None  # a community's own report
    backfilled: int = 0  # counted on time by a paper date, though entered after the deadline

    @property
    def missing(self) -> int:
        return self.expected - self.filed

    @property
    def state(self) -> str:
        """complete · late (all filed, some late) · missing (deadline passed) · pending
        (not yet due) · none (no community here)."""
        if not self.expected:
            return "none"
        if not self.missing:
            return "late" if self.late else "complete"
        today = timezone.localdate()
        return "missing" if self.deadline and today > self.deadline else "pending"


@dataclass
class Row:
    unit: Unit
    cells: list[Cell]

    @property
    def missing_months(self) -> int:
        return sum(1 for c in self.cells if c.state == "missing")


@dataclass
class Calendar:
    root: Unit
    months: list[date]
    rows: list[Row]
    totals: list[Cell]
    leaf: bool  # rows are communities


def calendar_root(user, code: str | None) -> Unit | None:
    """The unit whose children the calendar lists: the given code if visible, else the
    user's own unit (the city for those who see everything)."""
    units = visible_units(user).filter(
        level__in=[Level.CITY, Level.DISTRICT, Level.STREET, Level.COMMUNITY, Level.GRID]
    )
    if code:
        return units.filter(code=code).first()
    if user.data_scope == "all":
        return units.filter(level=Level.CITY).first()
    if user.unit is None:
        return None
    return units.filter(pk=user.unit_id).first()


def completeness(user, root: Unit, months: list[date]) -> Calendar:
    """Units × months: for each child of `root` (each community when `root` is a street),
    how many communities filed, late, as zero reports, and how many disputes they found."""
    depth = (
        len(root.path)
        if root.level in (Level.COMMUNITY, Level.GRID)
        else child_path_length(root.path)
    )
    communities = Unit.objects.filter(subtree_q(root.path), level=Level.COMMUNITY)
    expected: dict[str, int] = {}
    for path in communities.values_list("path", flat=True):
        expected[path[:depth]] = expected.get(path[:depth], 0) + 1
    if root.level == Level.COMMUNITY:
        children = [root]
    elif root.level == Level.GRID:
        children = []
    else:
        children = list(
            Unit.objects.filter(subtree_q(root.path), path__in=list(expected)).order_by("path")
        )
    rule = ScreeningRule.current()
    deadlines = {m: report_deadline(m, rule) for m in months}
    cells: dict[tuple[str, date], Cell] = {}
    reports = scoped(
        user,
        ScreeningReport.objects.filter(subtree_q(root.path, "unit_path"), period__in=months),
        capability=Cap.DASHBOARD,
    ).annotate(n=Count("disputes"))
    for pk, path, period, late, zero, n, entered_at, deadline in reports.values_list(
        "pk", "unit_path", "period", "late", "is_zero", "n", "entered_at", "deadline"
    ):
        key = (path[:depth], period)
        cell = cells.setdefault(key, Cell(period, expected.get(path[:depth], 0)))
        cell.filed += 1
        cell.late += late
        cell.backfilled += not late and timezone.localdate(entered_at) > deadline
        cell.zero += zero
        cell.disputes += n
        cell.report_id = pk
    rows = []
    for child in children:
        row_cells = []
        for month in months:
            due = expected.get(child.path, 0) if rule.required(month) else 0
            cell = cells.get((child.path, month)) or Cell(month, due)
            cell.deadline = deadlines[month]
            if depth != 12:
                cell.report_id = None
            row_cells.append(cell)
        rows.append(Row(child, row_cells))
    totals = []
    for i, month in enumerate(months):
        total = Cell(month, sum(r.cells[i].expected for r in rows), deadline=deadlines[month])
        for r in rows:
            total.filed += r.cells[i].filed
            total.late += r.cells[i].late
            total.backfilled += r.cells[i].backfilled
            total.zero += r.cells[i].zero
            total.disputes += r.cells[i].disputes
        totals.append(total)
    return Calendar(root, months, rows, totals, leaf=depth == 12)
