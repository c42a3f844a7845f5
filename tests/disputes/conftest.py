import pytest


@pytest.fixture(autouse=True)
def _screening_due_every_month(db):
    """The demo city starts screening four months ago; these tests use earlier months."""
    from tongxin.disputes.models import ScreeningRule

    ScreeningRule.objects.filter(pk=1).update(starts_on=None)
