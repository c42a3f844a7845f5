"""The account and department lists as their pages and their exports read them: one query
each, so the file holds exactly what the page lists (every row, not the page's first 200)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import Department, User
from .roles import Cap
from .scoping import scoped, visible_departments


def user_list_for(user, *, q: str = "") -> QuerySet[User]:
    """The accounts the user manages (their scope), searched by username or name."""
    users = scoped(
        user,
        User.objects.select_related("unit", "department"),
        capability=Cap.ACCOUNT_MANAGE,
    )
    q = q.strip()
    if q:
        users = users.filter(Q(username__icontains=q) | Q(full_name__icontains=q))
    return users


def department_list_for(user) -> QuerySet[Department]:
    """The member departments the user may see, with their unit and liaison."""
    return visible_departments(user).select_related("unit", "liaison")
