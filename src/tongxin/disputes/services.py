"""Writes for screening and mediation. Each function runs in one transaction with its audit
record; a rule that is broken raises `DisputeError` (a message for the user) and changes
nothing. State changes are conditional UPDATEs, so two people acting at once cannot both win."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.accounts.models import User
from tongxin.accounts.roles import CAPABILITIES, Cap, DataScope, Role
from tongxin.audit.services import Action, audit_record
from tongxin.core.workdays import add_working_days, working_days_between
from tongxin.geo.models import Level, Unit, at_top, subtree_q
from tongxin.services.models import Notification

from .models import (
    Dispute,
    DisputeDocument,
    DisputeEvent,
    EthnicReview,
    FollowUp,
    Incident,
    IncidentStatus,
    MediationSession,
    Party,
    Result,
    ScreeningReminder,
    ScreeningReport,
    ScreeningRule,
    Status,
    last_month,
    month_start,
)

log = logging.getLogger(__name__)

ETHNIC_REASON_MIN = 10  # characters: a sentence, not "是"
DISPUTE_UNIT_LEVELS = (Level.COMMUNITY, Level.STREET, Level.DISTRICT)
CONCLUDED_NO_EDIT = gettext_lazy("已结案的纠纷不能修改；如需更正，请先重新调解。")


class DisputeError(Exception):
    """A rule of screening or mediation was broken; the message is for the user."""


# --- helpers ---------------------------------------------------------------------------


def units_in_scope(user: User, levels) -> QuerySet[Unit]:
    """The units of these levels a user may record something for (the write side of the data
    scope: everything, the user's subtree, or the user's own unit)."""
    units = Unit.objects.filter(level__in=levels)
    if user.data_scope == DataScope.ALL:
        return units
    if user.unit is None:
        return units.none()
    if user.data_scope == DataScope.SUBTREE:
        return units.filter(subtree_q(user.unit.path))
    return units.filter(pk=user.unit.pk)


def unit_in_scope(user: User, unit: Unit) -> bool:
    """May this user record something for this unit?"""
    if user.data_scope == DataScope.ALL:
        return True
    if user.unit is None:
        return False
    if user.data_scope == DataScope.SUBTREE:
        return unit.path.startswith(user.unit.path)
    return unit.path == user.unit.path


def next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def report_deadline(period: date, rule: ScreeningRule | None = None) -> date:
    """The Nth working day of the month after `period` (N from the screening rule)."""
    rule = rule or ScreeningRule.current()
    last_day = next_month(period) - timedelta(days=1)
    return add_working_days(last_day, rule.deadline_working_day)


def next_number(model, prefix: str) -> str:
    """The next `prefix` + 4-digit serial of `model.number` (e.g. JF2026030001)."""
    last = (
        model.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    return f"{prefix}{int(last[-4:]) + 1 if last else 1:04d}"


def notify(users, text: str, url: str = "", kind: str = "") -> int:
    """In-app notifications (the services app's), one per distinct active user."""
    unique = {u.pk: u for u in users if u.is_active}
    Notification.objects.bulk_create(
        [Notification(user=u, text=text[:300], url=url[:200], kind=kind) for u in unique.values()]
    )
    return len(unique)


def _event(dispute: Dispute, action: str, actor: User | None, note: str = "") -> None:
    DisputeEvent.objects.create(dispute=dispute, action=action, actor=actor, note=note[:2000])


def _community_of(unit: Unit) -> Unit | None:
    if unit.level == Level.COMMUNITY:
        return unit
    if unit.level == Level.GRID:
        return unit.parent
    return None


def dispute_url(dispute: Dispute) -> str:
    return f"/disputes/{dispute.pk}/"


# --- monthly screening -----------------------------------------------------------------


# A 补录说明 says when and by whom the paper report was handed in and why it is entered late.
MIN_PAPER_REASON = 10


@transaction.atomic
def report_file(
    *,
    actor: User,
    unit: Unit,
    period: date,
    is_zero: bool,
    visits: int = 0,
    notes: str = "",
    tendencies: str = "",
    filed_at: datetime | None = None,
    paper_reason: str = "",
    entered_at: datetime | None = None,
    http_request=None,
) -> ScreeningReport:
    """File a community's report for a month. A zero report says that screening found no
    dispute; otherwise the month's disputes registered for the community are attached. A
    paper report entered later keeps the date it was handed in (`filed_at`) and the reason
    it is entered late (`paper_reason`). `entered_at` is now; only the demo data and tests
    that build past months give another moment."""
    if not actor.can(Cap.SCREENING_FILE):
        raise DisputeError(_("您没有填报月度排查的权限。"))
    if unit.level != Level.COMMUNITY:
        raise DisputeError(_("月度排查报告由社区（村）填报。"))
    if not unit_in_scope(actor, unit):
        raise DisputeError(_("该社区不在您的管理范围内。"))
    period = month_start(period)
    if period > month_start(timezone.localdate()):
        raise DisputeError(_("不能填报未来月份的排查报告。"))
    found = Dispute.objects.filter(
        subtree_q(unit.path, "unit_path"), found_on__gte=period, found_on__lt=next_month(period)
    )
    count = found.count()
    if is_zero and count:
        raise DisputeError(_("本月已登记矛盾纠纷 %(n)d 件，不能填报零报告。") % {"n": count})
    if not is_zero and not count:
        raise DisputeError(_("本月尚未登记矛盾纠纷：请先登记排查发现的矛盾纠纷，或填报零报告。"))
    deadline = report_deadline(period)
    entered = entered_at or timezone.now()
    paper_reason = paper_reason.strip()[:300]
    if filed_at is not None:
        if filed_at > entered or timezone.localdate(filed_at) < period:
            raise DisputeError(_("填报日期应在所报月份开始之后、今天之前。"))
    else:
        filed_at = entered
    # On time or late (what the calendar and the annual assessment count) is decided by
    # when the report was entered. A paper report's earlier date counts instead only when
    # the one entering it writes down why it comes late (补录说明): the reason, the paper
    # date and the real entry time are all kept and shown, and a report entered after its
    # deadline but counted on time is marked 补录 on the report and on the calendar, so
    # the supervisor sees every such case and can read why. A date alone changes nothing.
    backfilled = timezone.localdate(entered) > deadline >= timezone.localdate(filed_at)
    if backfilled and paper_reason and len(paper_reason) < MIN_PAPER_REASON:
        # "." made a missed month on time; a reason says when, by whom and why.
        raise DisputeError(
            _("补录说明请写明纸质报告何时由谁报送、为何未及时录入（至少 %(n)d 个字）。")
            % {"n": MIN_PAPER_REASON}
        )
    counted_from = filed_at if paper_reason else entered
    try:
        with transaction.atomic():
            report = ScreeningReport.objects.create(
                unit=unit,
                unit_path=unit.path,
                period=period,
                is_zero=is_zero,
                visits=max(visits, 0),
                notes=notes,
                tendencies=tendencies,
                deadline=deadline,
                late=timezone.localdate(counted_from) > deadline,
                filed_by=actor,
                filed_at=filed_at,
                entered_at=entered,
                paper_reason=paper_reason,
            )
    except IntegrityError as exc:
        raise DisputeError(
            _("%(unit)s %(month)s 的排查报告已经填报。")
            % {"unit": unit.name, "month": f"{period:%Y-%m}"}
        ) from exc
    found.update(report=report)
    audit_record(
        action=Action.CREATE,
        actor=actor,
        request=http_request,
        obj=report,
        detail={
            "unit": unit.code,
            "period": f"{period:%Y-%m}",
            "zero": is_zero,
            "disputes": count,
            "filed_at": filed_at.isoformat(),
            "paper_reason": paper_reason,
        },
    )
    return report


def _officers(role: str, units) -> QuerySet[User]:
    return User.objects.filter(role_grants__role=role, unit__in=units, is_active=True)


def screening_reminders(now: datetime | None = None) -> int:
    """Remind communities whose report for last month is missing: once when the deadline is
    near, once when it has passed (then their street hears of it too). Idempotent: run it as
    often as you like. Returns the number of notifications sent."""
    today = timezone.localdate(now)
    rule = ScreeningRule.current()
    period = last_month(today)
    deadline = report_deadline(period, rule)
    if not rule.required(period):
        return 0
    if today > deadline:
        kind = "overdue"
    elif working_days_between(today, deadline) <= rule.reminder_working_days:
        kind = "due_soon"
    else:
        return 0
    filed = ScreeningReport.objects.filter(period=period).values("unit_id")
    staffed = (
        Unit.objects.filter(
            level=Level.COMMUNITY,
            users__role_grants__role=Role.COMMUNITY_OFFICER,
            users__is_active=True,
        )
        .exclude(pk__in=filed)
        .distinct()
    )
    month = date_format(period, "YEAR_MONTH_FORMAT")
    sent = 0
    late_by_street: dict[int, list[Unit]] = {}
    for community in staffed.select_related("parent"):
        with transaction.atomic():
            _reminder, created = ScreeningReminder.objects.get_or_create(
                unit=community, period=period, kind=kind
            )
            if not created:
                continue
            if kind == "due_soon":
                text = _("请于%(d)s前填报%(m)s的矛盾纠纷排查报告（无纠纷也须零报告）。") % {
                    "d": date_format(deadline),
                    "m": month,
                }
            else:
                text = _("%(m)s的矛盾纠纷排查报告已超过截止日期（%(d)s），请尽快补报。") % {
                    "d": date_format(deadline),
                    "m": month,
                }
                if community.parent_id:
                    late_by_street.setdefault(community.parent_id, []).append(community)
            sent += notify(
                _officers(Role.COMMUNITY_OFFICER, [community]),
                text,
                "/disputes/screening/new/",
                "screening",
            )
    for street_id, communities in late_by_street.items():
        with transaction.atomic():
            _reminder, created = ScreeningReminder.objects.get_or_create(
                unit_id=street_id, period=period, kind="street"
            )
            if not created:
                continue
            names = "、".join(c.name for c in communities[:10])
            more = len(communities) - 10
            sent += notify(
                _officers(Role.STREET_OFFICER, [street_id]),
                _("%(m)s未按期填报矛盾纠纷排查报告的社区：%(names)s%(more)s")
                % {
                    "m": month,
                    "names": names,
                    "more": _("等 %(n)d 个") % {"n": len(communities)} if more > 0 else "",
                },
                "/disputes/screening/calendar/",
                "screening",
            )
    return sent


@transaction.atomic
def rule_update(
    *,
    actor: User | None,
    deadline_working_day: int,
    reminder_working_days: int,
    starts_on: date | None = None,
    http_request=None,
) -> ScreeningRule:
    """The deadline, the reminders and the first month reports are due (earlier months are
    not counted as missing: the system was not in use yet)."""
    if not 1 <= deadline_working_day <= 20 or not 0 <= reminder_working_days <= 10:
        raise DisputeError(_("截止日期应为次月第 1 到 20 个工作日，提醒提前 0 到 10 个工作日。"))
    rule, _created = ScreeningRule.objects.update_or_create(
        pk=1,
        defaults={
            "deadline_working_day": deadline_working_day,
            "reminder_working_days": reminder_working_days,
            "starts_on": month_start(starts_on) if starts_on else None,
        },
    )
    audit_record(
        action=Action.UPDATE,
        actor=actor,
        request=http_request,
        obj=rule,
        detail={
            "deadline": deadline_working_day,
            "reminder": reminder_working_days,
            "starts_on": f"{starts_on:%Y-%m}" if starts_on else "",
        },
    )
    return rule


# --- dispute cases ---------------------------------------------------------------------


@dataclass(frozen=True)
class PartyInput:
    name: str
    role: str
    person: Any = None  # a registry.Person the actor may see, or None
    description: str = ""
    interpreter_needed: bool = False


def _check_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < ETHNIC_REASON_MIN:
        raise DisputeError(
            _("认定涉及民族因素须写明事实依据（至少 %(n)d 个字）。") % {"n": ETHNIC_REASON_MIN}
        )
    return reason


def reviewer_roles() -> list[str]:
    return [role for role, caps in CAPABILITIES.items() if Cap.DISPUTE_REVIEW in caps]


def _strict_ancestor_paths(path: str) -> set[str]:
    return {path[:n] for n in (2, 4, 6, 9, 12) if n < len(path)}


def reviewer_unit_paths(dispute: Dispute) -> set[str]:
    """The units whose officers may confirm the ethnic factors: those strictly above both the
    case's unit and the unit of whoever set the flag, so neither a colleague of the setter nor
    anyone at or below the setter's level decides. Only a setter at the top of the
    jurisdiction (nobody above them) may be confirmed by another officer of their own unit."""
    paths = _strict_ancestor_paths(dispute.unit.path)
    setter = dispute.ethnic_set_by
    setter_unit = setter.unit if setter is not None else None
    if setter_unit is not None:
        paths &= _strict_ancestor_paths(setter_unit.path)
        if at_top(setter_unit):
            paths.add(setter_unit.path)
    return paths


def senior_reviewers(dispute: Dispute) -> list[User]:
    """Who is asked to confirm the ethnic factors: holders of dispute.review who see the case,
    in the nearest of the units `reviewer_unit_paths` allows, the setter excepted."""
    candidates = User.objects.filter(
        role_grants__role__in=reviewer_roles(),
        unit__path__in=reviewer_unit_paths(dispute),
        data_scope__in=[DataScope.SUBTREE, DataScope.ALL],
        is_active=True,
    )
    if dispute.ethnic_set_by_id is not None:
        candidates = candidates.exclude(pk=dispute.ethnic_set_by_id)
    users = list(candidates.select_related("unit").distinct())
    if not users:
        return []
    nearest = max(len(u.unit.path) for u in users if u.unit)
    return [u for u in users if u.unit and len(u.unit.path) == nearest]


def review_refusal(user: User, dispute: Dispute) -> str:
    """Why this user may not review the ethnic factors of this dispute ("" if they may)."""
    if not user.can(Cap.DISPUTE_REVIEW):
        return _("您没有复核涉民族因素认定的权限。")
    if dispute.ethnic_review != EthnicReview.PENDING:
        return _("该纠纷没有待复核的民族因素认定。")
    if user.pk == dispute.ethnic_set_by_id:
        return _("复核须由认定人以外的另一名上级人员进行。")
    if user.unit is None or user.unit.path not in reviewer_unit_paths(dispute):
        return _(
            "复核须由纠纷所属单位和认定人所在单位的上级人员进行（街道认定的由区县及以上复核）。"
        )
    return ""


def _ask_review(dispute: Dispute, actor: User) -> None:
    notify(
        senior_reviewers(dispute),
        _("矛盾纠纷 %(n)s 被认定涉及民族因素，请复核。") % {"n": dispute.number},
        dispute_url(dispute),
        "dispute_review",
    )


@transaction.atomic
def dispute_create(
    *,
    actor: User,
    unit: Unit,
    kind: str,
    place: str,
    occurred_on: date,
    found_on: date,
    facts: str,
    parties: list[PartyInput],
    grid: Unit | None = None,
    source: str = "screening",
    risk_level: str = "low",
    involves_ethnic_factors: bool = False,
    ethnic_factors_reason: str = "",
    http_request=None,
) -> Dispute:
    if not actor.can(Cap.DISPUTE_WRITE):
        raise DisputeError(_("您没有登记矛盾纠纷的权限。"))
    if grid is not None:
        if grid.level != Level.GRID:
            raise DisputeError(_("请选择网格。"))
        unit = grid.parent or unit
    if unit.level not in DISPUTE_UNIT_LEVELS:
        raise DisputeError(_("矛盾纠纷登记在社区（村）、街道或区县。"))
    target = grid or unit
    if not unit_in_scope(actor, target):
        raise DisputeError(_("该单位不在您的管理范围内。"))
    today = timezone.localdate()
    if found_on > today or occurred_on > found_on:
        raise DisputeError(_("发生日期不能晚于发现日期，发现日期不能晚于今天。"))
    if not facts.strip() or not place.strip():
        raise DisputeError(_("请填写发生地点和事实经过。"))
    if not parties or not all(p.name.strip() for p in parties):
        raise DisputeError(_("请至少填写一方当事人。"))
    reason = _check_reason(ethnic_factors_reason) if involves_ethnic_factors else ""
    community = _community_of(unit)
    report = (
        ScreeningReport.objects.filter(unit=community, period=month_start(found_on)).first()
        if community
        else None
    )
    dispute = Dispute.objects.create(
        number=next_number(Dispute, f"JF{found_on:%Y%m}"),
        unit=unit,
        grid=grid,
        unit_path=target.path,
        report=report,
        kind=kind,
        source=source,
        place=place.strip(),
        occurred_on=occurred_on,
        found_on=found_on,
        facts=facts.strip(),
        risk_level=risk_level,
        involves_ethnic_factors=involves_ethnic_factors,
        ethnic_factors_reason=reason,
        ethnic_review=EthnicReview.PENDING if involves_ethnic_factors else EthnicReview.NONE,
        ethnic_set_by=actor if involves_ethnic_factors else None,
        created_by=actor,
    )
    for p in parties:
        Party.objects.create(
            dispute=dispute,
            person=p.person,
            name=p.name.strip()[:300],
            role=p.role,
            description=p.description[:200],
            interpreter_needed=p.interpreter_needed,
        )
    _event(dispute, "create", actor)
    if report is not None and report.is_zero:
        # A dispute found later in a month reported as zero: the report is corrected.
        ScreeningReport.objects.filter(pk=report.pk).update(is_zero=False)
        audit_record(
            action=Action.UPDATE,
            actor=actor,
            request=http_request,
            obj=report,
            detail={"zero": False, "dispute": dispute.number},
        )
    audit_record(
        action=Action.CREATE,
        actor=actor,
        request=http_request,
        obj=dispute,
        detail={"kind": kind, "unit": unit.code, "ethnic": involves_ethnic_factors},
    )
    if involves_ethnic_factors:
        _event(dispute, "ethnic_set", actor, reason)
        _ask_review(dispute, actor)
    return dispute


@transaction.atomic
def dispute_update(
    *,
    actor: User,
    dispute: Dispute,
    kind: str,
    place: str,
    occurred_on: date,
    facts: str,
    risk_level: str,
    http_request=None,
) -> Dispute:
    if dispute.status == Status.CONCLUDED:
        raise DisputeError(CONCLUDED_NO_EDIT)
    if not facts.strip() or not place.strip():
        raise DisputeError(_("请填写发生地点和事实经过。"))
    if occurred_on > dispute.found_on:
        raise DisputeError(_("发生日期不能晚于发现日期，发现日期不能晚于今天。"))
    before = {"kind": dispute.kind, "risk_level": dispute.risk_level}
    # A concluded case is a record of what was decided: reopen it first (with a reason).
    if not Dispute.objects.filter(pk=dispute.pk, status__in=[Status.OPEN, Status.MEDIATING]).update(
        kind=kind,
        place=place.strip(),
        occurred_on=occurred_on,
        facts=facts.strip(),
        risk_level=risk_level,
    ):
        raise DisputeError(CONCLUDED_NO_EDIT)
    _event(dispute, "edit", actor)
    audit_record(
        action=Action.UPDATE,
        actor=actor,
        request=http_request,
        obj=dispute,
        detail={"before": before, "kind": kind, "risk_level": risk_level},
    )
    dispute.refresh_from_db()
    return dispute


@transaction.atomic
def party_add(*, actor: User, dispute: Dispute, party: PartyInput, http_request=None) -> Party:
    if not party.name.strip():
        raise DisputeError(_("请填写当事人姓名或名称。"))
    created = Party.objects.create(
        dispute=dispute,
        person=party.person,
        name=party.name.strip()[:300],
        role=party.role,
        description=party.description[:200],
        interpreter_needed=party.interpreter_needed,
    )
    _event(dispute, "party", actor, created.name)
    audit_record(
        action=Action.UPDATE,
        actor=actor,
        request=http_request,
        obj=dispute,
        detail={"party_added": created.pk},
    )
    return created


@transaction.atomic
def ethnic_factors_set(*, actor: User, dispute: Dispute, reason: str, http_request=None) -> Dispute:
    """Say that the dispute involves ethnic factors: a written reason, then a senior's review."""
    reason = _check_reason(reason)
    if not Dispute.objects.filter(
        pk=dispute.pk, ethnic_review__in=[EthnicReview.NONE, EthnicReview.REJECTED]
    ).update(
        involves_ethnic_factors=True,
        ethnic_factors_reason=reason,
        ethnic_review=EthnicReview.PENDING,
        ethnic_set_by=actor,
        ethnic_reviewed_by=None,
        ethnic_reviewed_at=None,
        ethnic_review_note="",
    ):
        raise DisputeError(_("该纠纷的民族因素认定已在复核中或已确认。"))
    dispute.refresh_from_db()
    _event(dispute, "ethnic_set", actor, reason)
    audit_record(
        action=Action.UPDATE,
        actor=actor,
        request=http_request,
        obj=dispute,
        detail={"ethnic": "pending"},
    )
    _ask_review(dispute, actor)
    return dispute


@transaction.atomic
def ethnic_factors_review(
    *, actor: User, dispute: Dispute, confirm: bool, note: str = "", http_request=None
) -> Dispute:
    """A second, senior reviewer confirms or rejects. Rejected: the case is an ordinary
    dispute again (the reason and the review stay in its history)."""
    refusal = review_refusal(actor, dispute)
    if refusal:
        raise DisputeError(refusal)
    if not confirm and not note.strip():
        raise DisputeError(_("不予确认时请写明复核意见。"))
    outcome = EthnicReview.CONFIRMED if confirm else EthnicReview.REJECTED
    if not Dispute.objects.filter(pk=dispute.pk, ethnic_review=EthnicReview.PENDING).update(
        ethnic_review=outcome,
        involves_ethnic_factors=confirm,
        ethnic_reviewed_by=actor,
        ethnic_reviewed_at=timezone.now(),
        ethnic_review_note=note.strip(),
    ):
        raise DisputeError(_("该认定已被他人复核，请刷新后查看。"))
    dispute.refresh_from_db()
    _event(dispute, "ethnic_confirmed" if confirm else "ethnic_rejected", actor, note)
    audit_record(
        action=Action.UPDATE,
        actor=actor,
        request=http_request,
        obj=dispute,
        detail={"ethnic": outcome},
    )
    if dispute.ethnic_set_by:
        notify(
            [dispute.ethnic_set_by],
            (
                _("矛盾纠纷 %(n)s 涉及民族因素的认定已确认。")
                if confirm
                else _("矛盾纠纷 %(n)s 涉及民族因素的认定未予确认，按一般矛盾纠纷调处。")
            )
            % {"n": dispute.number},
            dispute_url(dispute),
            "dispute_review",
        )
    return dispute


@transaction.atomic
def session_add(
    *,
    actor: User,
    dispute: Dispute,
    held_on: date,
    mediators: str,
    outcome: str,
    place: str = "",
    participants: str = "",
    interpreter: str = "",
    http_request=None,
) -> MediationSession:
    if dispute.status == Status.CONCLUDED:
        raise DisputeError(_("已结案的纠纷不能再添加调解记录；如需重新调解请先重新启动。"))
    if not mediators.strip() or not outcome.strip():
        raise DisputeError(_("请填写调解人员和调解情况。"))
    if held_on > timezone.localdate() or held_on < dispute.occurred_on:
        raise DisputeError(_("调解日期应在纠纷发生之后、今天之前。"))
    session = MediationSession.objects.create(
        dispute=dispute,
        held_on=held_on,
        place=place,
        mediators=mediators.strip(),
        participants=participants,
        interpreter=interpreter,
        outcome=outcome.strip(),
        recorded_by=actor,
    )
    Dispute.objects.filter(pk=dispute.pk, status=Status.OPEN).update(status=Status.MEDIATING)
    _event(dispute, "session", actor, f"{held_on:%Y-%m-%d} {outcome.strip()[:200]}")
    audit_record(
        action=Action.UPDATE,
        actor=actor,
        request=http_request,
        obj=dispute,
        detail={"session": session.pk},
    )
    dispute.refresh_from_db()
    return session


@transaction.atomic
def dispute_conclude(
    *, actor: User, dispute: Dispute, result: str, note: str = "", http_request=None
) -> Dispute:
    if result not in Result.values:
        raise DisputeError(_("请选择调处结果。"))
    if result == Result.AGREEMENT and not note.strip():
        raise DisputeError(_("达成调解协议的，请填写协议主要内容。"))
    if not Dispute.objects.filter(pk=dispute.pk, status__in=[Status.OPEN, Status.MEDIATING]).update(
        status=Status.CONCLUDED,
        result=result,
        result_note=note.strip(),
        concluded_at=timezone.now(),
    ):
        raise DisputeError(_("该纠纷已结案。"))
    dispute.refresh_from_db()
    _event(dispute, "conclude", actor, f"{dispute.get_result_display()} {note.strip()}")
    audit_record(
        action=Action.UPDATE,
        actor=actor,
        request=http_request,
        obj=dispute,
        detail={"result": result},
    )
    return dispute


@transaction.atomic
def dispute_reopen(*, actor: User, dispute: Dispute, reason: str, http_request=None) -> Dispute:
    if not reason.strip():
        raise DisputeError(_("请说明重新调解的原因。"))
    if not Dispute.objects.filter(pk=dispute.pk, status=Status.CONCLUDED).update(
        status=Status.MEDIATING, result="", result_note="", concluded_at=None
    ):
        raise DisputeError(_("只有已结案的纠纷可以重新调解。"))
    dispute.refresh_from_db()
    _event(dispute, "reopen", actor, reason)
    audit_record(
        action=Action.UPDATE,
        actor=actor,
        request=http_request,
        obj=dispute,
        detail={"reopen": True},
    )
    return dispute


@transaction.atomic
def follow_up_add(
    *,
    actor: User,
    dispute: Dispute,
    on: date,
    method: str,
    honoured: str,
    note: str,
    http_request=None,
) -> FollowUp:
    if dispute.status != Status.CONCLUDED:
        raise DisputeError(_("结案后才能回访。"))
    if not note.strip() or not method.strip():
        raise DisputeError(_("请填写回访方式和回访情况。"))
    if on > timezone.localdate():
        raise DisputeError(_("回访日期不能晚于今天。"))
    follow_up = FollowUp.objects.create(
        dispute=dispute,
        on=on,
        method=method.strip()[:50],
        honoured=honoured,
        note=note.strip(),
        recorded_by=actor,
    )
    _event(dispute, "follow_up", actor, note.strip()[:200])
    audit_record(
        action=Action.UPDATE,
        actor=actor,
        request=http_request,
        obj=dispute,
        detail={"follow_up": follow_up.pk},
    )
    return follow_up


DOCUMENT_TYPES = (".pdf", ".jpg", ".jpeg", ".png", ".docx")
DOCUMENT_MAX = 10 * 1024 * 1024


@transaction.atomic
def document_add(
    *, actor: User, dispute: Dispute, upload, is_agreement: bool = False, http_request=None
) -> DisputeDocument:
    name = upload.name.rsplit("/", 1)[-1][:200]
    if not name.lower().endswith(DOCUMENT_TYPES):
        raise DisputeError(_("文件只能是 PDF、图片或 Word 文档。"))
    if upload.size > DOCUMENT_MAX:
        raise DisputeError(_("文件不能超过 10 MB。"))
    document = DisputeDocument.objects.create(
        dispute=dispute,
        file=upload,
        name=name,
        size=upload.size,
        is_agreement=is_agreement,
        uploaded_by=actor,
    )
    _event(dispute, "document", actor, name)
    audit_record(
        action=Action.CREATE,
        actor=actor,
        request=http_request,
        obj=document,
        detail={"dispute": dispute.number},
    )
    return document


# --- incidents -------------------------------------------------------------------------


def incident_recipients(unit_path: str) -> list[User]:
    """The district's and the city's ethnic-affairs officers and leaders, and the street's
    officers, who hear of an incident at once."""
    above = {unit_path[:n] for n in (4, 6) if len(unit_path) >= n}
    street = unit_path[:9] if len(unit_path) >= 9 else ""
    users = User.objects.filter(
        role_grants__role__in=[Role.BUREAU_OFFICER, Role.LEADER],
        unit__path__in=above,
        is_active=True,
    )
    result = list(users.distinct())
    if street:
        result += list(
            User.objects.filter(
                role_grants__role=Role.STREET_OFFICER, unit__path=street, is_active=True
            )
        )
    return result


@transaction.atomic
def incident_report(
    *,
    actor: User,
    unit: Unit,
    occurred_at: datetime,
    place: str,
    summary: str,
    severity: str,
    people_involved: int = 0,
    dispute: Dispute | None = None,
    http_request=None,
) -> Incident:
    """Report an incident (突发事件). The district and city are notified in the same
    transaction; the log line for the duty desk's monitoring is written after commit."""
    if not actor.can(Cap.DISPUTE_WRITE):
        raise DisputeError(_("您没有上报突发事件的权限。"))
    if not unit_in_scope(actor, unit):
        raise DisputeError(_("该单位不在您的管理范围内。"))
    if not summary.strip() or not place.strip():
        raise DisputeError(_("请填写事件地点和概况。"))
    if occurred_at > timezone.now() + timedelta(minutes=5):
        raise DisputeError(_("发生时间不能晚于现在。"))
    if dispute is not None and Incident.objects.filter(dispute=dispute).exists():
        raise DisputeError(_("该纠纷已升级为突发事件。"))
    local = timezone.localtime(occurred_at)
    incident = Incident.objects.create(
        number=next_number(Incident, f"SJ{local:%Y%m}"),
        unit=unit,
        unit_path=unit.path,
        dispute=dispute,
        occurred_at=occurred_at,
        place=place.strip(),
        summary=summary.strip(),
        severity=severity,
        people_involved=max(people_involved, 0),
        reported_by=actor,
    )
    audit_record(
        action=Action.CREATE,
        actor=actor,
        request=http_request,
        obj=incident,
        detail={"severity": severity, "dispute": dispute.number if dispute else ""},
    )
    if dispute is not None:
        _event(dispute, "escalate", actor, incident.number)
    text = _("突发事件 %(n)s（%(s)s）：%(u)s %(p)s，%(t)s") % {
        "n": incident.number,
        "s": incident.get_severity_display(),
        "u": unit.name,
        "p": incident.place,
        "t": incident.summary[:80],
    }
    notify(incident_recipients(unit.path), text, f"/disputes/incidents/{incident.pk}/", "incident")
    number, code = incident.number, unit.code
    transaction.on_commit(
        lambda: log.warning("突发事件上报 %s 单位 %s 等级 %s", number, code, severity)
    )
    return incident


def dispute_escalate(
    *,
    actor: User,
    dispute: Dispute,
    severity: str,
    summary: str,
    people_involved: int = 0,
    occurred_at: datetime | None = None,
    http_request=None,
) -> Incident:
    return incident_report(
        actor=actor,
        unit=dispute.unit,
        occurred_at=occurred_at or timezone.now(),
        place=dispute.place,
        summary=summary or dispute.facts,
        severity=severity,
        people_involved=people_involved,
        dispute=dispute,
        http_request=http_request,
    )


@transaction.atomic
def incident_update(
    *, actor: User, incident: Incident, measures: str, close: bool = False, http_request=None
) -> Incident:
    if not measures.strip():
        raise DisputeError(_("请填写处置措施。"))
    if incident.status == IncidentStatus.CLOSED:
        raise DisputeError(_("该事件已处置完毕。"))
    changes: dict = {"measures": measures.strip()}
    if close:
        changes.update(status=IncidentStatus.CLOSED, closed_at=timezone.now())
    if not Incident.objects.filter(pk=incident.pk, status=IncidentStatus.OPEN).update(**changes):
        raise DisputeError(_("该事件已处置完毕。"))
    audit_record(
        action=Action.UPDATE,
        actor=actor,
        request=http_request,
        obj=incident,
        detail={"closed": close},
    )
    incident.refresh_from_db()
    return incident
