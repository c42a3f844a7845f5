"""Demo statistics for the demo city: the counts computed, and last month's forms of
北下街街道's communities at every step — most submitted and accepted, one returned with a
comment, one still under review — while 新华社区 (the demo community officer's) is left for
the demo to file. The other communities have no accounts: the street's statistics clerk
(`street_clerk`) files their forms on their behalf and `street_officer` reviews them, since
nobody accepts a form they filed themselves. Deterministic (dates relative to today)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from tongxin.accounts.models import User
from tongxin.accounts.roles import DataScope, Role
from tongxin.accounts.services import user_create
from tongxin.geo.models import Unit

from . import counts, services
from .defaults import restore_defaults
from .models import StatForm
from .periods import last_complete

STREET, OWN_COMMUNITY = "410104001", "410104001001"
CLERK = "street_clerk"


def load_demo_reports(*, seed: int, password: str = "") -> int:
    """Returns 1 when loaded, 0 when the demo street's forms exist already."""
    restore_defaults()
    counts.refresh()
    street = Unit.objects.filter(code=STREET).first()
    officer = User.objects.filter(username="street_officer").first()
    if street is None or officer is None or StatForm.objects.filter(unit__parent=street).exists():
        return 0
    period = last_complete("month", timezone.localdate())
    communities = list(
        Unit.objects.filter(parent=street).exclude(code=OWN_COMMUNITY).order_by("path")
    )
    with transaction.atomic():
        clerk = User.objects.filter(username=CLERK).first() or user_create(
            actor=None,
            username=CLERK,
            password=password,
            unit=street,
            roles={Role.STREET_OFFICER},
            data_scope=DataScope.SUBTREE,
            full_name=f"{street.name}统计员",
            validate=False,
        )
        for i, community in enumerate(communities):
            form = services.form_submit(
                actor=clerk, unit=community, period=period, preparer=f"{community.name}专干"
            )
            if i == 0:
                services.form_review(
                    actor=officer,
                    form=form,
                    accept=False,
                    comment="流出地为“其他”的人数偏多，请核实流出地后重新上报。",
                )
            elif i < len(communities) - 1:
                services.form_review(actor=officer, form=form, accept=True)
    return 1
