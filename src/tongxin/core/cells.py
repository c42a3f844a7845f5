"""Cells of exported spreadsheets and CSV files."""

from __future__ import annotations

# What a spreadsheet reads as the start of a formula (CSV/formula injection, OWASP); tab and
# carriage return too, which some programs strip before looking.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """Text that a spreadsheet would read as a formula, prefixed with a quote."""
    return "'" + value if value[:1] in FORMULA_STARTS else value
