"""Helpers for the registry tests: citizen IDs computed independently of the code under
test, and persons registered through the real validation and services."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from django.utils import timezone

from tongxin.geo.models import Unit
from tongxin.registry.services import person_create
from tongxin.registry.validation import clean_person

# Grids of the demo community (新华社区): grid_worker_a works on GRID_A, grid_worker_b on GRID_B.
GRID_A = "410104001001001"
GRID_B = "410104001001002"
TEST_REGION = "110105"  # not one of the demo persons' regions, so no clash with them

# Long names: many parts joined by the middle dot (50 and 60 characters).
NAME_50 = "阿不都热依木·" + "·".join(["买买提明"] * 8) + "·艾力江"
NAME_60 = NAME_50 + "·吐尔逊江·帕提古丽"

_sequence = itertools.count(1)


def gb11643_check(body17: str) -> str:
    """ISO 7064 MOD 11-2: the check character a1 makes sum(a_i * 2^(i-1)) ≡ 1 (mod 11),
    counting positions i = 18..1 from the left (a1 = the check character itself)."""
    assert len(body17) == 17 and body17.isdigit()
    total = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(body17))
    return "0123456789X"[(12 - total % 11) % 11]


def citizen_id(region: str, birth: date, sequence: int) -> str:
    body = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return body + gb11643_check(body)


def fresh_id(birth: date, sex: str = "1") -> str:
    """A valid, so far unused number: odd sequence for men, even for women."""
    n = next(_sequence)
    sequence = (2 * n + (1 if sex == "1" else 2)) % 1000
    return citizen_id(TEST_REGION, birth, sequence)


def person_data(name: str, *, birth: date = date(1990, 5, 17), sex: str = "1", **extra) -> dict:
    """Raw form data of a valid person."""
    data = {
        "name": name,
        "sex": sex,
        "birth_date": birth.isoformat(),
        "ethnicity": "03",
        "id_number": fresh_id(birth, sex),
    }
    data.update(extra)
    return data


def grid(code: str | None = None) -> Unit:
    if code is None:
        return Unit.objects.filter(level="grid").first()
    return Unit.objects.get(code=code, level="grid")


def register(
    actor,
    name: str,
    *,
    grid_unit: Unit | None = None,
    arrival: date | None = None,
    with_stay: bool = True,
    **data,
):
    """Register a person the way the form does: clean_person, then person_create."""
    values = clean_person(person_data(name, **data))
    stay = None
    if with_stay:
        stay = {
            "grid": grid_unit or grid(),
            "arrival_date": arrival or timezone.localdate() - timedelta(days=60),
            "reason": "work",
        }
    return person_create(actor=actor, values=values, stay=stay)
