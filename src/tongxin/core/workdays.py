"""Working days in China: weekends, public holidays and the adjusted working weekends
(调休), from the State Council's yearly notice as published in the chinese-calendar package,
with days entered by hand (`core.CalendarDay`) for a year the package does not hold yet."""

from __future__ import annotations

import logging
import time
from datetime import date, timedelta

import chinese_calendar

log = logging.getLogger(__name__)

# Entered days per year, read again after this many seconds (the web processes and the
# worker each hold a copy; an edit reaches the others within a minute).
ENTERED_TTL = 60.0
_entered_cache: dict[int, tuple[float, dict[date, bool]]] = {}
_warned: set[int] = set()


def forget_entered_days() -> None:
    """After an edit (and between tests): read the entered days again."""
    _entered_cache.clear()


def entered_days(year: int) -> dict[date, bool]:
    """The days entered for `year`: day → is a working day."""
    cached = _entered_cache.get(year)
    if cached is not None and time.monotonic() - cached[0] < ENTERED_TTL:
        return cached[1]
    from .models import CalendarDay  # imported late: apps import this module early

    days = dict(CalendarDay.objects.filter(day__year=year).values_list("day", "workday").iterator())
    _entered_cache[year] = (time.monotonic(), days)
    return days


def published(year: int) -> bool:
    """Whether the chinese-calendar package holds the State Council's notice for `year`."""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def known(year: int) -> bool:
    """Whether holidays of `year` are known: published in the package or entered by hand."""
    return published(year) or bool(entered_days(year))


def is_workday(day: date) -> bool:
    entered = entered_days(day.year).get(day)
    if entered is not None:
        return entered
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        # Neither published nor entered: Monday to Friday, said once per process (the
        # calendar page and the administrator's desk say it too).
        if day.year not in _warned and not entered_days(day.year):
            _warned.add(day.year)
            log.warning("No holidays known for %s: counting Monday to Friday", day.year)
        return day.weekday() < 5


def add_working_days(start: date, n: int) -> date:
    """The Nth working day after `start` (the day of receipt does not count)."""
    day = start
    counted = 0
    while counted < n:
        day += timedelta(days=1)
        if is_workday(day):
            counted += 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 if end <= start)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if is_workday(day):
            count += 1
    return count
