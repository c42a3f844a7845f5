"""The one place that decides which rows a user may see (deny by default).

Every list, detail, export and API view of scoped data calls `scoped()` or
`get_scoped_or_404()`. A model opts in by declaring:

- `scope_capability`: the capability needed to see any row at all;
- `scope_path_field`: the field holding the jurisdiction path of the row's unit;
- `scope_owner_field` (optional): the user who recorded the row, for the "own" scope;
- `scope_department_fields` (optional): for department liaisons, the fields naming the
  departments a row is referred to; liaisons then see exactly those rows.
- `scope_liaison_q(user)` (optional, a static or class method): for the staff of an origin
  region (role `origin_liaison`), the rows shared with their region; without it they see
  nothing of the model.

Rows outside the scope are indistinguishable from rows that do not exist (404).
"""

from __future__ import annotations

from typing import TypeVar

from django.db import models
from django.http import Http404

from tongxin.geo.models import subtree_q

from .roles import DataScope, Role

M = TypeVar("M", bound=models.Model)


def scoped(
    user, queryset: models.QuerySet[M], *, capability: str | None = None
) -> models.QuerySet[M]:
    model = queryset.model
    capability = capability or getattr(model, "scope_capability", None)
    if capability is None:
        raise TypeError(f"{model.__name__} declares no scope_capability")
    if not getattr(user, "is_authenticated", False) or not user.can(capability):
        return queryset.none()
    if Role.ORIGIN_LIAISON in user.roles:
        # An origin region's liaison sees what is shared with their region, nothing else.
        liaison_q = getattr(model, "scope_liaison_q", None)
        if liaison_q is None:
            return queryset.none()
        return queryset.filter(pk__in=queryset.filter(liaison_q(user)).values("pk"))
    department_fields = getattr(model, "scope_department_fields", ())
    if department_fields and Role.DEPARTMENT_LIAISON in user.roles:
        # A department sees what is referred to it (as handler or co-handler), wherever it
        # came from.
        if not user.department_id:
            return queryset.none()
        q = models.Q()
        for field in department_fields:
            q |= models.Q(**{field: user.department_id})
        return queryset.filter(pk__in=queryset.filter(q).values("pk"))
    scope = user.data_scope
    if scope == DataScope.ALL:
        return queryset
    if user.unit_id is None:
        return queryset.none()
    path_field: str = model.scope_path_field  # type: ignore[attr-defined]
    if scope == DataScope.SUBTREE:
        return queryset.filter(subtree_q(user.unit.path, path_field))
    if scope == DataScope.UNIT:
        return queryset.filter(**{path_field: user.unit.path})
    owner_field = getattr(model, "scope_owner_field", None)
    if scope == DataScope.OWN and owner_field:
        return queryset.filter(**{owner_field: user})
    return queryset.none()


def get_scoped_or_404(
    user, queryset: models.QuerySet[M], *, capability: str | None = None, **lookup
) -> M:
    """One object in scope, or one the user holds a time-limited grant for (a model may
    declare `scope_grant_q(user)`, e.g. break-the-glass access to a person); else 404."""
    try:
        return scoped(user, queryset, capability=capability).get(**lookup)
    except queryset.model.DoesNotExist as exc:  # type: ignore[attr-defined]
        grant_q = getattr(queryset.model, "scope_grant_q", None)
        capability = capability or getattr(queryset.model, "scope_capability", None)
        if grant_q and user.is_authenticated and capability and user.can(capability):
            granted = queryset.filter(grant_q(user)).filter(**lookup).first()
            if granted is not None:
                return granted
        raise Http404 from exc


def in_scope(user, obj: models.Model, *, capability: str | None = None) -> bool:
    return scoped(
        user, type(obj)._default_manager.filter(pk=obj.pk), capability=capability
    ).exists()


def visible_units(user, queryset=None):
    """Units a user may see: their own subtree (all units with scope "all")."""
    from tongxin.geo.models import Unit

    from .roles import Cap

    queryset = Unit.objects.all() if queryset is None else queryset
    if not getattr(user, "is_authenticated", False) or not user.can(Cap.GEO_READ):
        return queryset.none()
    if user.data_scope == DataScope.ALL:
        return queryset
    if user.unit_id is None:
        return queryset.none()
    return queryset.filter(subtree_q(user.unit.path))


def visible_departments(user, queryset=None):
    """Departments of the user's unit, its ancestors (where requests are referred) and below."""
    from .models import Department
    from .roles import Cap

    queryset = Department.objects.all() if queryset is None else queryset
    if not getattr(user, "is_authenticated", False) or not user.can(Cap.GEO_READ):
        return queryset.none()
    if user.data_scope == DataScope.ALL:
        return queryset
    if user.unit_id is None:
        return queryset.none()
    path = user.unit.path
    ancestors = [path[:n] for n in (2, 4, 6, 9, 12) if n <= len(path)]
    return queryset.filter(models.Q(unit__path__in=ancestors) | subtree_q(path, "unit__path"))


def account_units(user, queryset=None):
    """Units an account administrator may attach accounts to: its own unit and below, whatever
    its data scope (an administrator never hands out more than its own part of the city)."""
    from tongxin.geo.models import Unit

    queryset = Unit.objects.all() if queryset is None else queryset
    if not getattr(user, "is_authenticated", False) or user.unit_id is None:
        return queryset.none()
    return queryset.filter(subtree_q(user.unit.path))


def account_departments(user, queryset=None):
    """Departments an account administrator may attach accounts to: those of its subtree
    (not its ancestors' departments, which `visible_departments` also shows)."""
    from .models import Department

    queryset = Department.objects.all() if queryset is None else queryset
    if not getattr(user, "is_authenticated", False) or user.unit_id is None:
        return queryset.none()
    return queryset.filter(subtree_q(user.unit.path, "unit__path"))
