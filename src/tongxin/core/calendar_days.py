"""Entering the State Council's holiday notice for a year the chinese-calendar package does
not hold yet (`core.CalendarDay`, read by `core.workdays`)."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.audit.services import Action, audit_record

from . import workdays
from .models import CalendarDay

# A holiday of the notice is at most eight days (春节, 国庆); a month is room for any.
MAX_DAYS = 31


def days_set(*, actor, start: date, end: date, workday: bool, name: str, request=None) -> int:
    """Mark every day from `start` to `end` a holiday or a working day; a day entered
    before is replaced. Returns how many days were set."""
    if end < start:
        raise ValidationError(_("截止日期早于起始日期。"))
    count = (end - start).days + 1
    if count > MAX_DAYS:
        raise ValidationError(
            _("一次最多录入 %(n)d 天（放假最长约八天），请分段录入。") % {"n": MAX_DAYS}
        )
    for year in sorted({start.year, end.year}):
        if workdays.published(year):
            # Entered only where the notice is not in the package yet: a published year
            # changed here would move every deadline of the city.
            raise ValidationError(
                _("%(year)d 年的节假日安排已随软件发布，不能在此修改。") % {"year": year}
            )
    days = [start + timedelta(days=i) for i in range(count)]
    with transaction.atomic():
        for day in days:
            CalendarDay.objects.update_or_create(
                day=day, defaults={"workday": workday, "name": name, "entered_by": actor}
            )
        audit_record(
            action=Action.UPDATE,
            actor=actor,
            request=request,
            object_type="core.calendarday",
            object_id=f"{start}..{end}",
            detail={"start": str(start), "end": str(end), "workday": workday, "name": name},
        )
    workdays.forget_entered_days()
    return count


def day_delete(*, actor, day: CalendarDay, request=None) -> None:
    with transaction.atomic():
        audit_record(
            action=Action.DELETE,
            actor=actor,
            request=request,
            obj=day,
            detail={"day": str(day.day), "workday": day.workday, "name": day.name},
        )
        day.delete()
    workdays.forget_entered_days()


def years_shown(today: date | None = None) -> list[int]:
    """This year, and the next from November (the notice comes out late in the year and
    deadlines of December already reach into January)."""
    today = today or timezone.localdate()
    return [today.year, today.year + 1] if today.month >= 11 else [today.year]


def unknown_years(today: date | None = None) -> list[int]:
    """Years of `years_shown` whose holidays are neither published nor entered: their
    deadlines count Monday to Friday, holidays included."""
    return [year for year in years_shown(today) if not workdays.known(year)]
