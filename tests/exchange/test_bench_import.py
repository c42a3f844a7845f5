"""`tongxin bench import` measures real work: check what it did, never how fast."""

from pathlib import Path

import pytest
from django.db import connection

from tongxin.exchange.bench import bench_import
from tongxin.registry.models import Person


@pytest.mark.django_db
def test_bench_import_runs_all_three_and_imports_every_row():
    before = Person.objects.count()
    result = bench_import(300, seed=3, sample=40, progress=lambda message: None)
    assert result["app"]["status"] == "done"
    assert result["app"]["created"] == 300
    assert result["lower_bound"]["rows"] == 300 and result["bare_insert"]["rows"] == 300
    # The bound writes what the app writes for a new person: the person, the stay, and the
    # history row of each.
    assert set(result["lower_bound"]["written"].values()) == {300}
    assert (
        result["django_import_export"]["rows"] == 40
        and not result["django_import_export"]["errors"]
    )
    # The app's rows and django-import-export's rows are real persons; the lower bound's are not.
    assert Person.objects.count() == before + 300 + 40
    assert result["app_vs_lower_bound"] > 0 and result["app_vs_django_import_export"] > 0
    # The lower bound's copies of the registry tables are gone again.
    assert not [t for t in connection.introspection.table_names() if t.startswith("bench_")]
    assert result["export"]["rows"] == before + 300  # every person at that point, none lost
    assert result["xlsx_export"]["rows"] == before + 300
    assert result["xlsx_export"]["openpyxl"]["rows"] == 300  # its sample: as many as --rows


@pytest.mark.django_db
def test_the_lower_bound_writes_into_tables_equivalent_to_the_apps():
    from tongxin.exchange.bench import COPY_PREFIX, WRITTEN, _copy_tables, _drop_copies

    def shape(table: str) -> tuple[int, list]:
        with connection.cursor() as cursor:
            constraints = connection.introspection.get_constraints(cursor, table).values()
        indexes = sum(1 for c in constraints if c["index"] or c["unique"])
        references = sorted(
            c["foreign_key"][0].removeprefix(COPY_PREFIX) for c in constraints if c["foreign_key"]
        )
        return indexes, references

    _copy_tables()
    try:
        for table in WRITTEN:
            assert shape(COPY_PREFIX + table) == shape(table), table
        # The copies refer to each other, not to the registry.
        with connection.cursor() as cursor:
            constraints = connection.introspection.get_constraints(
                cursor, COPY_PREFIX + "registry_stay"
            )
        targets = {c["foreign_key"][0] for c in constraints.values() if c["foreign_key"]}
        assert COPY_PREFIX + "registry_person" in targets and "registry_person" not in targets
    finally:
        _drop_copies()


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="samples Linux's /proc")
def test_the_benchs_memory_figure_sees_growth_after_an_earlier_peak():
    import time

    from tongxin.exchange.bench import PeakRss

    earlier = bytearray(80 << 20)  # an earlier, higher peak (as the import leaves one)
    del earlier
    with PeakRss() as memory:
        block = bytearray(40 << 20)
        block[::4096] = b"x" * len(block[::4096])  # touched: resident
        # Held until a sample has seen it, as an export holds its memory (at most 5 s).
        deadline = time.monotonic() + 5
        while memory.grown_mb < 30 and time.monotonic() < deadline:
            time.sleep(0.02)
        del block
    assert 30 <= memory.grown_mb <= 60
