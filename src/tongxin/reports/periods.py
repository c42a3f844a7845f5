"""Reporting periods: a month (`2026-10`), a quarter (`2026-Q3`) or a year (`2026`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.core.validators import CALENDAR_YEARS

KINDS = {
    "month": gettext_lazy("月报"),
    "quarter": gettext_lazy("季报"),
    "year": gettext_lazy("年报"),
}
_PATTERNS = [
    (re.compile(r"^(\d{4})-(\d{1,2})$"), "month"),
    (re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE), "quarter"),
    (re.compile(r"^(\d{4})$"), "year"),
]


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, n: int) -> date:
    index = day.year * 12 + day.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def month_end(day: date) -> date:
    return add_months(day, 1) - timedelta(days=1)


@dataclass(frozen=True)
class Period:
    kind: str  # month, quarter, year
    start: date  # first day
    end: date  # last day

    @classmethod
    def parse(cls, value: str) -> Period:
        """`2026-10`, `2026-Q3` or `2026`; ValueError with a message in Chinese otherwise."""
        text = (value or "").strip()
        for pattern, kind in _PATTERNS:
            match = pattern.match(text)
            if not match:
                continue
            year = int(match.group(1))
            if year not in CALENDAR_YEARS:
                break
            if kind == "month":
                month = int(match.group(2))
                if not 1 <= month <= 12:
                    break
                return cls.of("month", date(year, month, 1))
            if kind == "quarter":
                return cls.of("quarter", date(year, 3 * int(match.group(2)) - 2, 1))
            return cls.of("year", date(year, 1, 1))
        raise ValueError(
            _("报告期“%(v)s”无法识别：月报写作 2026-10，季报写作 2026-Q3，年报写作 2026。")
            % {"v": value}
        )

    @classmethod
    def of(cls, kind: str, day: date) -> Period:
        """The period of this kind that contains `day`."""
        if kind == "month":
            start = month_start(day)
            return cls(kind, start, month_end(start))
        if kind == "quarter":
            start = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
            return cls(kind, start, month_end(add_months(start, 2)))
        if kind == "year":
            return cls(kind, date(day.year, 1, 1), date(day.year, 12, 31))
        raise ValueError(kind)

    @property
    def key(self) -> str:
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return str(self.start.year)

    @property
    def label(self) -> str:
        if self.kind == "month":
            return _("%(y)d年%(m)d月") % {"y": self.start.year, "m": self.start.month}
        if self.kind == "quarter":
            return _("%(y)d年第%(q)d季度") % {
                "y": self.start.year,
                "q": (self.start.month - 1) // 3 + 1,
            }
        return _("%(y)d年") % {"y": self.start.year}

    def months(self) -> list[date]:
        """First days of the months in the period."""
        months, day = [], self.start
        while day <= self.end:
            months.append(day)
            day = add_months(day, 1)
        return months

    def previous(self) -> Period:
        return Period.of(self.kind, self.start - timedelta(days=1))

    def next(self) -> Period:
        return Period.of(self.kind, self.end + timedelta(days=1))

    def __str__(self) -> str:
        return self.key


def last_complete(kind: str, today: date) -> Period:
    """The latest period of this kind that has ended by `today` (what is filed now)."""
    return Period.of(kind, today).previous()
