"""What a form column adds up, written as keys of the counts (`reports.counts`) and of the
live figures (`req:received`, `req:resolved`, `dsp:found`, `dsp:resolved`):

- `eth:03` one key; `age:18..59` a range of numbered keys; `eth:*` every key that starts so;
- `-eth:03` takes a key away: `eth:* -eth:03 -eth:05` is "other ethnic groups";
- several terms are added: `hk:other hk:none`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from django.utils.translation import gettext as _

from .counts import KEYS

LIVE_KEYS = ["req:received", "req:resolved", "dsp:found", "dsp:resolved"]
ALL_KEYS = KEYS + LIVE_KEYS
_RANGE = re.compile(r"^(?P<prefix>.+:)(?P<low>\d+)\.\.(?P<high>\d+)$")


@dataclass(frozen=True)
class Column:
    code: str
    group: str
    label: str
    keys: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "group": self.group, "label": self.label, "keys": self.keys}


@lru_cache(maxsize=1024)
def parse(expression: str) -> tuple[tuple[int, str], ...]:
    """((+1 or -1, key), …); ValueError naming the first term that matches no key."""
    terms: list[tuple[int, str]] = []
    for token in expression.split():
        sign = -1 if token.startswith("-") else 1
        term = token.lstrip("+-")
        if term.endswith("*"):
            keys = [k for k in ALL_KEYS if k.startswith(term[:-1])]
        elif match := _RANGE.match(term):
            low, high = int(match["low"]), int(match["high"])
            keys = [f"{match['prefix']}{n}" for n in range(low, high + 1)]
            keys = [k for k in keys if k in ALL_KEYS]
        else:
            keys = [term] if term in ALL_KEYS else []
        if not keys:
            raise ValueError(_("统计口径中的“%(t)s”不对应任何统计项。") % {"t": token})
        terms.extend((sign, key) for key in keys)
    if not terms:
        raise ValueError(_("请填写统计口径。"))
    return tuple(terms)


def evaluate(columns: Iterable[Column], counts: dict[str, int]) -> dict[str, int]:
    """{column code: value} for one row of counts."""
    return {
        column.code: sum(sign * counts.get(key, 0) for sign, key in parse(column.keys))
        for column in columns
    }


def header_groups(columns: list[Column]) -> list[tuple[str, int]]:
    """Consecutive columns under the same group header: [(group, how many)], for the
    two-row header of the printed and Excel forms ("" groups stand alone)."""
    groups: list[tuple[str, int]] = []
    for column in columns:
        if column.group and groups and groups[-1][0] == column.group:
            groups[-1] = (column.group, groups[-1][1] + 1)
        else:
            groups.append((column.group, 1))
    return groups


def header_rows(columns: list[Column]) -> tuple[list[tuple[str, int, int]], list[str]]:
    """The two header rows of a form: the top row's (label, colspan, rowspan) cells — a
    group over its columns, or a lone column over both rows — and the bottom row's labels."""
    top: list[tuple[str, int, int]] = []
    bottom: list[str] = []
    start = 0
    for group, count in header_groups(columns):
        members = columns[start : start + count]
        start += count
        if group:
            top.append((group, count, 1))
            bottom += [c.label for c in members]
        else:
            top.append((members[0].label, 1, 2))
    return top, bottom
