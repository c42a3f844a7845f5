from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from tongxin.accounts.decorators import capability_required
from tongxin.accounts.models import User
from tongxin.accounts.roles import Cap, DataScope, Role
from tongxin.accounts.scoping import visible_units

from . import services
from .forms import GridEditForm, GridForm
from .models import Level, Unit


def _unit_or_404(request, code: str) -> Unit:
    unit = visible_units(request.user).filter(code=code).first()
    if unit is None:
        raise Http404
    return unit


@capability_required(Cap.GEO_READ)
def unit_root(request):
    user = request.user
    if user.data_scope == DataScope.ALL:
        root = Unit.objects.filter(level=Level.CITY).first() or Unit.objects.first()
    else:
        root = user.unit
    if root is None:
        raise Http404
    return redirect("geo:unit", code=root.code)


@capability_required(Cap.GEO_READ)
def unit_detail(request, code: str):
    unit = _unit_or_404(request, code)
    children = unit.children.annotate(n_children=Count("children")).order_by("code")
    visible = visible_units(request.user)
    crumbs = [u for u in unit.ancestors() if visible.filter(pk=u.pk).exists()]
    can_manage = request.user.can(Cap.GEO_MANAGE)
    form = GridForm(request.POST or None)
    if request.method == "POST":
        if not can_manage or unit.level != Level.COMMUNITY:
            return render(request, "403.html", status=403)
        if form.is_valid():
            try:
                grid = services.grid_create(
                    actor=request.user,
                    community=unit,
                    name=form.cleaned_data["name"],
                    request=request,
                )
            except services.GridError as exc:
                form.add_error("name", str(exc))
            else:
                messages.success(
                    request,
                    _("已新建网格 %(name)s（%(code)s）。") % {"name": grid.name, "code": grid.code},
                )
                return redirect("geo:unit", code=unit.code)
    workers: dict[int | None, list[User]] = {}
    if unit.level == Level.COMMUNITY:
        for u in User.objects.filter(unit__parent=unit, role_grants__role=Role.GRID_WORKER):
            workers.setdefault(u.unit_id, []).append(u)
    return render(
        request,
        "geo/unit_detail.html",
        {
            "unit": unit,
            "children": [(c, workers.get(c.pk, [])) for c in children],
            "crumbs": crumbs,
            "form": form,
            "can_manage": can_manage and unit.level == Level.COMMUNITY,
            "level_grid": Level.GRID,
        },
    )


@capability_required(Cap.GEO_MANAGE)
def grid_edit(request, code: str):
    grid = _unit_or_404(request, code)
    if grid.level != Level.GRID:
        raise Http404
    candidates = User.objects.filter(
        Q(unit=grid) | Q(unit=grid.parent) | Q(unit__parent=grid.parent),
        role_grants__role=Role.GRID_WORKER,
        is_active=True,
    ).distinct()
    form = GridEditForm(
        request.POST or None,
        workers=candidates,
        initial={"name": grid.name, "workers": list(User.objects.filter(unit=grid))},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.grid_update(
                actor=request.user,
                grid=grid,
                name=form.cleaned_data["name"],
                workers=form.cleaned_data["workers"],
                request=request,
            )
        except services.GridError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("网格已保存。"))
            return redirect("geo:unit", code=grid.parent.code if grid.parent else grid.code)
    return render(
        request, "geo/grid_edit.html", {"grid": grid, "form": form, "crumbs": grid.ancestors()}
    )
