"""Registry writes (extended by the registry issue)."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from tongxin.audit.services import Action, audit_record
from tongxin.geo.models import Level, Unit

from .models import Person, Stay


@transaction.atomic
def person_register(
    *,
    actor,
    name: str,
    sex: str,
    birth_date: date,
    ethnicity: str,
    id_number: str,
    grid: Unit,
    arrival_date: date,
    reason: str,
    phone: str = "",
    id_type: str = "citizen_id",
    request=None,
) -> Person:
    if grid.level != Level.GRID:
        raise ValueError("a stay belongs to a grid")
    person = Person(
        name=name,
        sex=sex,
        birth_date=birth_date,
        ethnicity=ethnicity,
        id_type=id_type,
        unit_path=grid.path,
        present=True,
        created_by=actor,
    )
    person.set_id_number(id_number)
    person.set_phone(phone)
    person.save()
    Stay.objects.create(
        person=person, grid=grid, unit_path=grid.path, arrival_date=arrival_date, reason=reason
    )
    audit_record(action=Action.CREATE, actor=actor, request=request, obj=person, username="system")
    return person
