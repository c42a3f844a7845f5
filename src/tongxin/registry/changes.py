"""The registry's journal of changes that statistics count (`GridChange`).

Every write that can change a count — a stay opened, closed or moved, a person's sex, birth
date, ethnicity, origin or insurance corrected, a child's schooling, a housing's kind, a merge
— records which grids are affected from which day, in the same transaction. The statistics
(`reports.counts`) read the journal, recompute only those grids and months, and clear it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db.models import Min

from .models import GridChange, Stay

# Person fields the statistics read (reports.counts); a change to any other field (a phone
# number, a name) leaves every count as it was.
COUNTED_PERSON_FIELDS = frozenset(
    {"sex", "birth_date", "ethnicity", "origin_code", "insurance_kinds", "merged_into"}
)


def grids_changed(changes: Iterable[tuple[int, date]]) -> None:
    """Journal (grid id, first day affected) pairs, one row per grid."""
    first: dict[int, date] = {}
    for grid_id, since in changes:
        if grid_id not in first or since < first[grid_id]:
            first[grid_id] = since
    GridChange.objects.bulk_create(
        [GridChange(grid_id=grid_id, since=since) for grid_id, since in first.items()]
    )


def persons_changed(person_ids: Iterable[int]) -> None:
    """Every grid the persons ever stayed on, from their first arrival there."""
    ids = list(person_ids)
    for start in range(0, len(ids), 500):
        rows = (
            Stay.objects.filter(person_id__in=ids[start : start + 500])
            .values("grid_id")
            .annotate(since=Min("arrival_date"))
            .values_list("grid_id", "since")
        )
        grids_changed(rows)
