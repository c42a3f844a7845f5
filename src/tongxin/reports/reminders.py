"""Reminders about forms not in: the deadline (the template's Nth working day after the
month, by level) is near, or has passed; then the unit above hears which units are late.
Run by `tongxin scheduler` (settings.PERIODIC_JOBS) as often as it likes: each reminder is
sent once (FormReminder)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from tongxin.accounts.models import User
from tongxin.accounts.roles import CAPABILITIES, Cap
from tongxin.core.workdays import working_days_between
from tongxin.disputes.services import notify
from tongxin.geo.models import Unit

from .models import FormReminder, FormStatus, ReportTemplate, StatForm
from .periods import Period, last_complete
from .selectors import FILING_LEVELS
from .services import deadline_for, form_url

REMIND_WORKING_DAYS = 2  # "due soon": the deadline is this many working days away or fewer


def _holders(capability: str, unit_ids) -> dict[int, list[User]]:
    """Active users of these units holding the capability, by unit."""
    roles = [role for role, caps in CAPABILITIES.items() if capability in caps]
    users = User.objects.filter(
        unit_id__in=unit_ids, is_active=True, role_grants__role__in=roles
    ).distinct()
    by_unit: dict[int, list[User]] = defaultdict(list)
    for user in users:
        if user.unit_id is not None:
            by_unit[user.unit_id].append(user)
    return by_unit


def _sent_once(template: ReportTemplate, unit_id: int, period: Period, kind: str) -> bool:
    """Record the reminder; False if it had been sent already."""
    _reminder, created = FormReminder.objects.get_or_create(
        template=template, unit_id=unit_id, period=period.key, kind=kind
    )
    return created


def form_reminders(now: datetime | None = None) -> int:
    """Remind the units (with someone who files) whose form for last month is not in —
    nothing filed, or returned and not filed again. Returns notifications sent."""
    today = timezone.localdate(now)
    period = last_complete("month", today)
    month = period.key
    sent = 0
    for template in ReportTemplate.objects.filter(active=True):
        title = _(template.title)
        filed = StatForm.objects.filter(template=template, period=period.key).exclude(
            status=FormStatus.RETURNED
        )
        waiting = (
            Unit.objects.filter(level__in=FILING_LEVELS)
            .exclude(pk__in=filed.values("unit_id"))
            .filter(pk__in=User.objects.filter(is_active=True).values("unit_id"))
            .order_by("path")
        )
        filers = _holders(Cap.REPORT_FILE, waiting.values("pk"))
        late_below: dict[int, list[Unit]] = defaultdict(list)
        for unit in waiting:
            if unit.pk not in filers:
                continue
            deadline = deadline_for(template, unit, period)
            if today > deadline:
                kind = "overdue"
                text = _("%(m)s的%(t)s已超过报送时限（%(d)s），请尽快上报。")
                if unit.parent_id:
                    late_below[unit.parent_id].append(unit)
            elif working_days_between(today, deadline) <= REMIND_WORKING_DAYS:
                kind = "due_soon"
                text = _("请于%(d)s前上报%(m)s的%(t)s。")
            else:
                continue
            with transaction.atomic():
                if _sent_once(template, unit.pk, period, kind):
                    sent += notify(
                        filers[unit.pk],
                        text % {"m": period.label, "t": title, "d": date_format(deadline)},
                        form_url(unit, period),
                        "report",
                    )
        reviewers = _holders(Cap.REPORT_REVIEW, list(late_below))
        for parent_id, units in late_below.items():
            with transaction.atomic():
                if parent_id in reviewers and _sent_once(template, parent_id, period, "below"):
                    names = "、".join(u.name for u in units[:10])
                    more = _("等 %(n)d 个") % {"n": len(units)} if len(units) > 10 else ""
                    parent = units[0].parent
                    sent += notify(
                        reviewers[parent_id],
                        _("%(m)s的%(t)s逾期未报的下级单位：%(names)s%(more)s")
                        % {"m": period.label, "t": title, "names": names, "more": more},
                        f"/reports/?unit={parent.code}&period={month}" if parent else "",
                        "report",
                    )
    return sent
