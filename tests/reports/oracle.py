"""What the registry says, counted the slow and obvious way: every stay read through the
ORM and tested in Python. The statistics' counts must agree with it."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from tongxin.registry.models import HouseholdMember, Stay


def month_end(month: date) -> date:
    nxt = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def months_between(since: date, day: date) -> int:
    return (day.year - since.year) * 12 + day.month - since.month - (day.day < since.day)


def count(unit_path: str, month: date, today: date) -> Counter:
    """Counts for the unit at `unit_path` and everything below it, for one month."""
    as_of = min(month_end(month), today)
    enrolled = set(
        HouseholdMember.objects.filter(schooling__in=["primary", "junior", "senior"]).values_list(
            "person_id", flat=True
        )
    )
    result: Counter = Counter()
    stays = Stay.objects.filter(
        unit_path__startswith=unit_path, person__merged_into__isnull=True
    ).select_related("person", "housing")
    for stay in stays:
        p = stay.person
        if month <= stay.arrival_date <= as_of:
            result["move_in" if stay.arrived_by_move else "in"] += 1
        if stay.departure_date and month <= stay.departure_date <= as_of:
            result["move_out" if stay.left_by_move else "out"] += 1
        if stay.arrival_date > as_of or (stay.departure_date and stay.departure_date <= as_of):
            continue
        age = max(age_on(p.birth_date, as_of), 0)  # a stay recorded before the birth: 0
        result["present"] += 1
        result[f"sex:{p.sex}"] += 1
        result[f"eth:{p.ethnicity}"] += 1
        result[f"age:{min(age, 100)}"] += 1
        result[f"pyr:{p.sex}:{min(age // 5 * 5, 85)}"] += 1
        result[f"rsn:{stay.reason}"] += 1
        result[f"hk:{stay.housing.kind if stay.housing else 'none'}"] += 1
        result[f"orig:{p.origin_province or '00'}"] += 1
        months = months_between(stay.resident_since, as_of)
        length = (
            "lt6m"
            if months < 6
            else "6to12m"
            if months < 12
            else "1to3y"
            if months < 36
            else "gt3y"
        )
        result[f"los:{length}"] += 1
        if 6 <= age <= 14:
            result["school_age"] += 1
            result["enrolled"] += p.pk in enrolled
        result["insured"] += bool(p.insurance_kinds)
    return +result
