"""Counts by group with completion and resolution rates and mean/median durations: the
statistics pages of disputes, tasks and inspections share this shape."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

# How long a unit's path is at each level below the city (ADR 0002): the child level of a
# unit is the next length in this list.
PATH_LENGTHS = (2, 4, 6, 9, 12, 15)


def child_path_length(path: str) -> int:
    """The path length of the units one level below `path` (a grid's own length for a grid)."""
    for length in PATH_LENGTHS:
        if length > len(path):
            return length
    return len(path)


def month_key(day: date) -> str:
    return f"{day:%Y-%m}"


@dataclass
class Group:
    key: str
    label: str = ""
    total: int = 0
    done: int = 0  # concluded, completed or closed
    resolved: int = 0  # resolved, on time or passed: what the page calls a success
    days: list[float] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)

    def add(
        self, *, done: bool = False, resolved: bool = False, days: float | None = None, **flags
    ) -> None:
        self.total += 1
        self.done += bool(done)
        self.resolved += bool(resolved)
        if days is not None:
            self.days.append(days)
        for name, value in flags.items():
            self.counts[name] += int(value)

    @property
    def done_rate(self) -> float | None:
        return self.done / self.total if self.total else None

    @property
    def resolution_rate(self) -> float | None:
        return self.resolved / self.total if self.total else None

    @property
    def mean_days(self) -> float | None:
        return statistics.fmean(self.days) if self.days else None

    @property
    def median_days(self) -> float | None:
        return statistics.median(self.days) if self.days else None


def grouped(
    items: Iterable[dict], key: Callable[[dict], str], label: Callable[[str], str] | None = None
) -> list[Group]:
    """Group items (dicts with `done`, `resolved`, `days` and any integer flags) by `key`;
    the total row comes last, keyed "" and labelled by the caller."""
    groups: dict[str, Group] = {}
    total = Group("")
    for item in items:
        k = key(item)
        group = groups.get(k)
        if group is None:
            group = groups[k] = Group(k, label(k) if label else k)
        values = {n: v for n, v in item.items() if n not in ("done", "resolved", "days")}
        for target in (group, total):
            target.add(
                done=item.get("done", False),
                resolved=item.get("resolved", False),
                days=item.get("days"),
                **{n: v for n, v in values.items() if isinstance(v, (bool, int))},
            )
    rows = sorted(groups.values(), key=lambda g: g.key)
    return [*rows, total] if rows else []
