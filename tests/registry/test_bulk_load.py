"""First loads build the registry's secondary indexes once at the end: dropped indexes are
recorded in the transaction that drops them, built again afterwards (also after a load that
was killed halfway, by the next `tongxin demo`), and the unique document index never goes."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from tongxin.core.bulk import drop_indexes, restore_indexes, secondary_indexes
from tongxin.core.models import DeferredIndex
from tongxin.registry.demo import load_demo_persons
from tongxin.registry.models import Person, Stay

pytestmark = pytest.mark.django_db


def test_dropped_indexes_are_recorded_and_built_again_as_they_were():
    before = secondary_indexes(Person)
    assert {"person_unit_present", "person_birth"} <= {name for name, _sql in before}

    assert drop_indexes(Person) == len(before)
    assert secondary_indexes(Person) == []
    assert sorted(DeferredIndex.objects.values_list("name", flat=True)) == sorted(
        name for name, _sql in before
    )
    # Without them the registry still answers, and still refuses a second copy of a document.
    person = Person.objects.filter(merged_into__isnull=True).first()
    assert Person.objects.filter(unit_path=person.unit_path, present=person.present).exists()
    twin = Person.objects.get(pk=person.pk)
    twin.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()

    assert restore_indexes() == len(before)
    assert secondary_indexes(Person) == before
    assert not DeferredIndex.objects.exists()


def test_the_demo_generator_on_a_first_load_leaves_every_index_in_place():
    stays_before = secondary_indexes(Stay)
    persons = Person.objects.count()
    assert load_demo_persons(40, seed=99, defer_indexes=True) >= 40
    assert Person.objects.count() >= persons + 40
    assert secondary_indexes(Stay) == stays_before
    assert not DeferredIndex.objects.exists()


def test_the_next_demo_run_rebuilds_what_a_killed_load_dropped():
    stays_before = secondary_indexes(Stay)
    drop_indexes(Stay)  # as a load killed before its end leaves them
    err = StringIO()
    call_command("demo", "--if-empty", stdout=StringIO(), stderr=err)
    assert secondary_indexes(Stay) == stays_before
    assert f"重建上次中断的批量加载所删除的索引 {len(stays_before)} 个" in err.getvalue()


def test_every_index_an_import_maintains_on_postgresql_is_one_a_query_can_use():
    """The phone hash and the name keys are matched exactly or by range, never with LIKE:
    their pattern-ops twins would only slow every write (migration 0006)."""
    if connection.vendor != "postgresql":
        pytest.skip("pattern-ops indexes exist only on PostgreSQL")
    twins = [name for name, sql in secondary_indexes(Person) if "varchar_pattern_ops" in sql]
    assert twins == ["registry_person_unit_path_pattern"]  # scoping's LIKE 'path%'
