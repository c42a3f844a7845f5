"""Search and first-page list benchmarks on a small synthetic data set (pytest-benchmark).

Timings are never asserted: with `--benchmark-disable` (the default in pyproject) each
benchmark runs once, as a plain test that the application's code path and the raw SQL
baseline of `tongxin bench search` return the same persons, in the same order. Run
`pytest tests/registry/test_search_benchmark.py --benchmark-enable` to compare the two
(groups by query kind); the full-size benchmark is `tongxin bench search`
(docs/performance.md).
"""

from __future__ import annotations

import random

import pytest
from django.db import transaction

from tongxin.exchange.management.commands.bench import (
    PAGE,
    app_ids,
    bench_units,
    bench_users,
    fill_persons,
    make_queries,
    raw_ids,
)
from tongxin.registry.models import Person

pytestmark = pytest.mark.django_db

PERSONS = 3_000
KINDS = ["id", "name2", "initials", "street+ethnicity", "age+origin"]


@pytest.fixture(scope="module")
def bench_data(django_db_setup, django_db_blocker):
    """One fill for the module, inside a transaction rolled back at its end (each test's own
    transaction nests in it as a savepoint)."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            streets, grids = bench_units()
            before = Person.objects.count()
            fill_persons(PERSONS, seed=11, grids=grids, batch=1_000)
            assert Person.objects.count() == before + PERSONS
            admin, officer = bench_users(streets[0])
            yield streets, {"all": admin, "street": officer}
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.mark.parametrize("path", ["app", "baseline"])
@pytest.mark.parametrize("kind", KINDS)
def test_app_and_baseline_find_the_same_persons(benchmark, bench_data, kind, path):
    streets, users = bench_data
    user = users["all"]
    queries = make_queries(kind, user=user, count=3, rng=random.Random(kind), streets=streets)
    benchmark.group = kind
    app = [app_ids(user, q.filters) for q in queries]
    raw = [raw_ids(q) for q in queries]

    if path == "app":
        got = benchmark(lambda: [app_ids(user, q.filters) for q in queries])
    else:
        got = benchmark(lambda: [raw_ids(q) for q in queries])

    assert got == app == raw
    assert any(got), "every kind should find someone on this data"
    assert all(len(ids) <= PAGE for ids in got)


@pytest.mark.parametrize("kind", ["phone", "name1", "street+present"])
def test_street_officer_sees_the_same_persons_as_the_scoped_baseline(bench_data, kind):
    streets, users = bench_data
    officer = users["street"]
    queries = make_queries(kind, user=officer, count=3, rng=random.Random(kind), streets=streets)
    for query in queries:
        ids = app_ids(officer, query.filters)
        assert ids == raw_ids(query)
        street = officer.unit.path
        assert all(
            path.startswith(street)
            for path in Person.objects.filter(pk__in=ids).values_list("unit_path", flat=True)
        )


def test_fill_writes_what_the_services_would(bench_data):
    """Search keys, hashes and encryption as `person_create` would store them."""
    from tongxin.core import crypto
    from tongxin.core.validators import normalise_citizen_id
    from tongxin.registry.search_keys import spaced_chars
    from tongxin.registry.services import document_hash

    person = Person.objects.filter(unit_path__startswith="9901").order_by("?").first()
    assert person is not None
    number = person.id_number
    assert normalise_citizen_id(number) == number
    assert person.id_number_hash == document_hash(number)
    if person.phone:
        assert person.phone_hash == crypto.blind_index(person.phone, purpose="phone")
    assert person.search_chars == spaced_chars(person.name)
    assert person.origin_province == person.origin_code[:2]
