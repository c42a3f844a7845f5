"""The leaders' dashboard: a unit and a period, its charts drawn by ECharts from one JSON
block in the page, and the same figures as tables for screen readers and printing."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.accounts.decorators import capability_required
from tongxin.accounts.roles import Cap
from tongxin.accounts.scoping import visible_units
from tongxin.geo.models import Level, Unit
from tongxin.reports.periods import KINDS, Period

from .data import dashboard as dashboard_data


def _unit(user, code: str | None) -> Unit:
    units = visible_units(user, Unit.objects.exclude(level=Level.PROVINCE))
    unit = units.filter(code=code).first() if code else None
    if code and unit is None:
        raise Http404
    if unit is None:
        unit = units.filter(pk=user.unit_id).first() or units.order_by("path").first()
    if unit is None:
        raise Http404
    return unit


def _period(request) -> Period:
    today = timezone.localdate()
    if request.GET.get("period"):
        try:
            period = Period.parse(request.GET["period"])
        except ValueError:
            raise Http404 from None
        if period.start > today:
            raise Http404
        return period
    kind = request.GET.get("kind", "month")
    return Period.of(kind if kind in KINDS else "month", today)


@capability_required(Cap.DASHBOARD)
def dashboard(request):
    user = request.user
    unit = _unit(user, request.GET.get("unit"))
    period = _period(request)
    data = dashboard_data(user, unit, period)
    visible = set(visible_units(user).values_list("pk", flat=True))
    crumbs = [a for a in unit.ancestors() if a.pk in visible and a.level != Level.PROVINCE]
    following = period.next()
    return render(
        request,
        "analytics/dashboard.html",
        {
            "unit": unit,
            "period": period,
            "data": data,
            "kinds": KINDS,
            "crumbs": crumbs,
            "previous": period.previous(),
            "next": following if following.start <= timezone.localdate() else None,
            "pyramid_rows": list(
                zip(
                    data["pyramid"]["bands"],
                    data["pyramid"]["male"],
                    data["pyramid"]["female"],
                    strict=True,
                )
            ),
            "labels": {
                "persons": _("人数"),
                "male": _("男"),
                "female": _("女"),
                "in": _("流入"),
                "out": _("流出"),
                "move_in": _("辖区内迁入"),
                "move_out": _("辖区内迁出"),
                "present": _("月末在本地"),
                "cases": _("件数"),
                "on_time": _("按时办结率"),
                "empty": _("本期无数据"),
            },
        },
    )
