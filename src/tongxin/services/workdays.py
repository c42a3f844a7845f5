"""Deadlines in Chinese working days: statutory holidays and adjusted working weekends
(调休) from chinese-calendar."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar


def is_workday(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        # Beyond the published calendar: Monday to Friday until the State Council publishes it.
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
