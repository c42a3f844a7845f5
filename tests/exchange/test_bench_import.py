"""`tongxin bench import` measures real work: check what it did, never how fast."""

import pytest

from tongxin.exchange.bench import bench_import
from tongxin.registry.models import Person


@pytest.mark.django_db
def test_bench_import_runs_all_three_and_imports_every_row():
    before = Person.objects.count()
    result = bench_import(300, seed=3, sample=40, progress=lambda message: None)
    assert result["app"]["status"] == "done"
    assert result["app"]["created"] == 300
    assert result["lower_bound"]["rows"] == 300
    assert (
        result["django_import_export"]["rows"] == 40
        and not result["django_import_export"]["errors"]
    )
    # The app's rows and django-import-export's rows are real persons; the lower bound's are not.
    assert Person.objects.count() == before + 300 + 40
    assert result["app_vs_lower_bound"] > 0 and result["app_vs_django_import_export"] > 0
    assert result["export"]["rows"] == before + 300  # every person at that point, none lost
