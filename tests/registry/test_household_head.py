"""A household has one head (户主): a second one is refused with a message, by the service
and, for two officers adding one at the same moment, by the database; a database that already
holds two keeps the first when it is migrated and says so in the other's history."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from tongxin.registry import services
from tongxin.registry.models import HouseholdMember

from .factories import GRID_A, grid, register
from .test_housing_list import home, officer


def household_with_head():
    household = services.household_create(
        actor=officer(), housing=home("解放路 30 号 201", GRID_A), grid=grid(GRID_A)
    )
    head = register(officer(), "马明", grid_unit=grid(GRID_A))
    services.household_add_member(
        actor=officer(), household=household, person=head, relationship="02"
    )
    return household, head


@pytest.mark.django_db
def test_a_second_head_is_refused_and_the_head_can_be_saved_again():
    household, head = household_with_head()
    wife = register(officer(), "马丽", grid_unit=grid(GRID_A))
    with pytest.raises(ValidationError) as refused:
        services.household_add_member(
            actor=officer(), household=household, person=wife, relationship="02"
        )
    assert refused.value.message_dict == {"relationship": ["该户已有户主。"]}
    # The head's own schooling or relationship saved again is no second head.
    services.household_add_member(
        actor=officer(), household=household, person=head, relationship="02", schooling="na"
    )
    services.household_add_member(
        actor=officer(), household=household, person=wife, relationship="10"
    )
    assert sorted(household.members.values_list("relationship", flat=True)) == ["02", "10"]


@pytest.mark.django_db
def test_the_database_keeps_out_a_head_added_past_the_check():
    household, _head = household_with_head()
    other = register(officer(), "马强", grid_unit=grid(GRID_A))
    with pytest.raises(IntegrityError), transaction.atomic():
        HouseholdMember.objects.create(household=household, person=other, relationship="02")


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_the_first_of_two_heads_and_records_the_change():
    # Migrations need a test outside a transaction; the transactional tests run before it
    # (the browser's) flushed the demo city, so it is loaded again.
    from tongxin.registry.demo import load_demo_city
    from tongxin.services.defaults import ensure_default_categories

    ensure_default_categories()
    load_demo_city(persons=0, seed=3)
    household, head = household_with_head()
    second = register(officer(), "马强", grid_unit=grid(GRID_A))
    executor = MigrationExecutor(connection)
    executor.migrate([("registry", "0006_no_pattern_indexes_on_keys")])
    try:
        with connection.cursor() as cursor:  # as two racing officers left it
            cursor.execute(
                "INSERT INTO registry_householdmember (household_id, person_id, relationship,"
                " schooling) VALUES (%s, %s, '02', 'na')",
                [household.pk, second.pk],
            )
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    relationships = dict(household.members.values_list("person_id", "relationship"))
    assert relationships == {head.pk: "02", second.pk: "97"}
    changed = HouseholdMember.history.filter(person_id=second.pk).latest("history_date")
    assert changed.relationship == "97"
    assert "一户只能有一位户主" in changed.history_change_reason
