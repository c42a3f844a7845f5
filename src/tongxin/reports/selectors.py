"""Scoped reads of the forms: which units a user may open, and how complete a level is."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from django.http import Http404
from django.utils import timezone

from tongxin.accounts.roles import Cap, DataScope
from tongxin.accounts.scoping import visible_units
from tongxin.geo.models import Level, Unit

from .models import FormStatus, ReportTemplate, StatForm
from .periods import Period
from .services import deadline_for

FILING_LEVELS = (Level.CITY, Level.DISTRICT, Level.STREET, Level.COMMUNITY)


def unit_for(user, code: str | None) -> Unit:
    """A filing unit (city to community) the user may see: `code`, or their own unit."""
    units = visible_units(user, Unit.objects.filter(level__in=FILING_LEVELS))
    if code:
        unit = units.filter(code=code).first()
    else:
        unit = units.filter(pk=user.unit_id).first() if user.unit_id else None
        unit = unit or units.order_by("path").first()
    if unit is None:
        raise Http404
    return unit


def opens_forms(user) -> bool:
    """Whether the user's scope holds a filing unit (a grid worker's does not: grids never
    file), i.e. whether the forms' pages have anything for them."""
    # What `unit_for` would find, without a query on every page: a scope is a subtree, and
    # every subtree but a grid's holds a filing unit.
    if not user.can(Cap.GEO_READ) or (user.data_scope != DataScope.ALL and user.unit is None):
        return False
    return user.data_scope == DataScope.ALL or user.unit.level != Level.GRID


@dataclass
class Entry:
    unit: Unit
    form: StatForm | None
    deadline: date
    below: int = 0  # units right below that file forms
    below_accepted: int = 0

    @property
    def state(self) -> str:
        """accepted, submitted, returned, overdue (nothing filed past the deadline), due."""
        if self.form is not None:
            return self.form.status
        return "overdue" if timezone.localdate() > self.deadline else "due"


def completeness(template: ReportTemplate, root: Unit, period: Period) -> tuple[Entry, list[Entry]]:
    """The root's own form and each child's, with how many of each child's own children
    have had their forms accepted (the next level down, at a glance)."""
    children = list(Unit.objects.filter(parent=root, level__in=FILING_LEVELS).order_by("path"))
    forms = {
        f.unit_id: f
        for f in StatForm.objects.filter(
            template=template, period=period.key, unit__in=[root, *children]
        ).select_related("submitted_by", "reviewed_by")
    }
    below = Counter(
        Unit.objects.filter(parent__in=children, level__in=FILING_LEVELS).values_list(
            "parent_id", flat=True
        )
    )
    accepted = Counter(
        StatForm.objects.filter(
            template=template,
            period=period.key,
            unit__parent__in=children,
            status=FormStatus.ACCEPTED,
        ).values_list("unit__parent_id", flat=True)
    )

    def entry(unit: Unit) -> Entry:
        return Entry(
            unit,
            forms.get(unit.pk),
            deadline_for(template, unit, period),
            below.get(unit.pk, 0),
            accepted.get(unit.pk, 0),
        )

    return entry(root), [entry(c) for c in children]
