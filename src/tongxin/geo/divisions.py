"""Official division names by code (GB/T 2260 and statistical codes) from china-division.

Used to check registered-residence (户籍) and origin (流出地) codes and to name them. The
table is read once from node_modules (installed by `npm ci`) and kept in memory (~3,600 rows
at province, city and county level).
"""

from __future__ import annotations

import csv
from functools import lru_cache

from .services import divisions_dir


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    names: dict[str, str] = {}
    base = divisions_dir()
    for filename, pad in (("provinces.csv", "0000"), ("cities.csv", "00"), ("areas.csv", "")):
        path = base / filename
        if not path.is_file():
            continue
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                names[row["code"] + pad] = row["name"]
    return names


def county_level_name(code: str) -> str | None:
    """The full name of a 6-digit code (province, city or county), or None if unknown."""
    names = _names()
    if code not in names:
        return None
    parts = []
    for prefix in (code[:2] + "0000", code[:4] + "00", code):
        name = names.get(prefix)
        if name and name not in parts and name != "市辖区":
            parts.append(name)
    return "".join(parts)


def province_names() -> dict[str, str]:
    """Two-digit province code → name."""
    return {code[:2]: name for code, name in _names().items() if code.endswith("0000")}


def find_by_name(text: str) -> str | None:
    """The code of a division whose full or own name equals `text` (e.g. 新疆维吾尔自治区喀什市)."""
    text = text.strip()
    for code in _names():
        if _names()[code] == text or county_level_name(code) == text:
            return code
    return None
