"""Preparing import rows fast, without a second set of rules.

Most cells of an import repeat: two sexes, a few dozen ethnic groups, a few hundred origins,
grids and dates. Each distinct cell of such a column is cleaned once, by the registry's own
validation (`clean_person` / `clean_stay` on that field alone), and the result remembered.
What is left per row is what is unique to it: the citizen ID (its check character and its
agreement with the birth date and sex), the phone number, the free text, encryption and the
keyed hashes.

The fast pass never rejects a row. A row it is not sure of (any cell that did not clean, a
document other than a citizen ID, an ID or phone written unusually) goes to
`Importer.prepare`, which gives the reason. So the two cannot disagree on a message, and the
property test in tests/exchange/test_fastprep.py holds that whatever the fast pass accepts,
`Importer.clean` accepts with exactly the same values.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError

from tongxin.core.validators import ID_CHECK, ID_WEIGHTS, normalise_name
from tongxin.registry.validation import clean_person, clean_stay

from .columns import PERSON_CELLS, STAY_CELLS
from .readers import FormulaRow, cell_text

if TYPE_CHECKING:
    from .importer import Importer, Prepared

# The cleaned value of a cell that did not clean: its row takes the slow path.
UNSURE: dict[str, Any] = {}
# Columns cleaned once per distinct cell (their result depends on that cell alone).
REPEATING = ("name", "sex", "ethnicity", "id_type", "birth_date", "origin", "occupation")
# Free text: cleaning is trimming to 300 characters, nothing to remember.
FREE_TEXT = ("hukou_address", "employer")
# A cache that grows past this many cells is emptied (a column of unique values).
CACHE_LIMIT = 200_000
MOBILE_SECOND_DIGITS = frozenset("3456789")
DIGITS = frozenset("0123456789")


class RowPreparer:
    """`Importer.prepare` for one file's rows, with the shortcut above."""

    def __init__(self, importer: Importer, columns: dict[int, str]):
        self.importer = importer
        self.columns = columns
        where = {field: index for index, field in columns.items()}
        self.width = max(columns) + 1 if columns else 0
        # What every row gets from the columns the file does not have.
        self.base: dict[str, Any] | None = {}
        self.repeating: list[tuple[int, dict, str]] = []
        for field in REPEATING:
            if field in where:
                self.repeating.append((where[field], {}, field))
            else:
                fixed = self._clean_person_cell(field, None)
                if fixed is UNSURE:
                    self.base = None  # every row fails the same way: the slow path says why
                    break
                self.base.update(fixed)  # type: ignore[union-attr]
        self.free_text = [(where.get(field, -1), PERSON_CELLS[field][0]) for field in FREE_TEXT]
        self.former_names = where.get("former_names")
        self.latin_name = where.get("latin_name")
        self.id_number = where.get("id_number", -1)
        self.phone = where.get("phone", -1)
        self.stay_cells = [where.get(field, -1) for field in ("grid", "arrival_date", "reason")]
        self.address = where.get("address", -1)
        self.stays: dict[tuple, dict[str, Any]] = {}
        self.names: dict[str, str] = {}
        self.compact_dates: dict[date, str] = {}
        self.fallbacks = 0  # rows the slow path prepared (for the tests and the curious)

    # -- the cleaning of one distinct cell, by the registry's rules -------------------------

    def _clean_person_cell(self, field: str, cell: Any) -> dict[str, Any]:
        key, read = PERSON_CELLS[field]
        try:
            return clean_person({key: read(cell)}, partial=True)
        except ValidationError:
            return UNSURE

    def _clean_stay_cells(self, grid: Any, arrival: Any, reason: Any) -> dict[str, Any]:
        data = {
            key: read(cell)
            for (key, read), cell in zip(
                (STAY_CELLS["grid"], STAY_CELLS["arrival_date"], STAY_CELLS["reason"]),
                (grid, arrival, reason),
                strict=True,
            )
        }
        data["source"] = "import"
        try:
            cleaned = clean_stay(data, grid_lookup=self.importer.grids.get)
        except ValidationError:
            return UNSURE
        del cleaned["address"]
        return cleaned

    # -- rows -------------------------------------------------------------------------------

    def prepare(self, number: int, cells: list) -> Prepared | tuple[int, str] | None:
        # A row with a formula goes the full way, which names it (free text would pass here).
        cleaned = None if type(cells) is FormulaRow else self.clean(cells)
        if cleaned is None:
            self.fallbacks += 1
            return self.importer.prepare(number, cells, self.columns)
        return self.importer.ready(number, *cleaned)

    def clean(self, cells: list | tuple) -> tuple[dict, dict] | None:
        """(person values, stay values) exactly as `Importer.clean` would give them, or None
        when the row needs the registry's full path (an error, or anything unusual)."""
        if self.base is None:
            return None
        if len(cells) < self.width:
            cells = [*cells, *([None] * (self.width - len(cells)))]
        values = dict(self.base)
        for index, cache, field in self.repeating:
            cell = cells[index]
            # Text cells are their own key; other types keep theirs (True == 1 in a dict).
            key = cell if type(cell) is str else (type(cell), cell)
            try:
                part = cache[key]
            except KeyError:
                if len(cache) >= CACHE_LIMIT:
                    cache.clear()
                part = cache[key] = self._clean_person_cell(field, cell)
            except TypeError:  # an unhashable cell: not from our readers, but be safe
                return None
            if part is UNSURE:
                return None
            values.update(part)
        for index, key in self.free_text:
            values[key] = cell_text(cells[index])[:300] if index >= 0 else ""
        if self.former_names is not None:
            former = cell_text(cells[self.former_names])[:300]
            values["former_names"] = normalise_name(former) if former else ""
        if self.latin_name is not None:
            values["latin_name"] = cell_text(cells[self.latin_name])[:300]
        if values["id_type"] != "citizen_id":
            return None
        number = self._citizen_id(cells[self.id_number], values)
        if number is None:
            return None
        values["id_number"] = number
        phone = self._phone(cells[self.phone] if self.phone >= 0 else None)
        if phone is None:
            return None
        values["phone"] = phone
        stay = self._stay(cells)
        if stay is None:
            return None
        return values, stay

    def _citizen_id(self, cell: Any, values: dict[str, Any]) -> str | None:
        """The ID as `validate_citizen_id` returns it, when it is a plain 18-character
        number that agrees with the row's birth date and sex; None for anything else."""
        if type(cell) is not str or len(cell) != 18:
            return None
        number = cell[:17] + "X" if cell[17] == "x" else cell
        if not number.isascii() or not DIGITS.issuperset(number[:17]):
            return None
        birth = values["birth_date"]
        compact = self.compact_dates.get(birth)
        if compact is None:
            compact = self.compact_dates[birth] = birth.strftime("%Y%m%d")
        if number[6:14] != compact or birth.year < 1800:
            return None
        total = sum(int(d) * w for d, w in zip(number, ID_WEIGHTS, strict=False))
        if ID_CHECK[total % 11] != number[17]:
            return None
        if values["sex"] != ("1" if int(number[16]) % 2 else "2"):
            return None
        return number

    @staticmethod
    def _phone(cell: Any) -> str | None:
        """A mobile number already in its plain form (11 ASCII digits, 1 then 3–9), or an
        empty cell; None for anything validation should look at."""
        if cell is None:
            return ""
        if type(cell) is not str:
            return None
        if len(cell) == 11 and cell[0] == "1" and cell.isascii() and cell.isdigit():
            return cell if cell[1] in MOBILE_SECOND_DIGITS else None
        return "" if not cell.strip() else None

    def _stay(self, cells: list | tuple) -> dict[str, Any] | None:
        grid, arrival, reason = (cells[i] if i >= 0 else None for i in self.stay_cells)
        key = (grid, arrival, reason)
        if type(arrival) is not str or type(grid) is not str or type(reason) is not str:
            key = ((type(grid), grid), (type(arrival), arrival), (type(reason), reason))
        try:
            part = self.stays[key]
        except KeyError:
            if len(self.stays) >= CACHE_LIMIT:
                self.stays.clear()
            part = self.stays[key] = self._clean_stay_cells(grid, arrival, reason)
        except TypeError:
            return None
        if part is UNSURE:
            return None
        stay = dict(part)
        stay["address"] = cell_text(cells[self.address])[:300] if self.address >= 0 else ""
        return stay
