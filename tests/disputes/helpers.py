"""Builders for the screening, mediation and coordination tests: accounts in 西大街街道
(410104002, six communities, no demo data) and disputes made through the services."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone

from tongxin.accounts.models import Department, User
from tongxin.accounts.roles import Role
from tongxin.accounts.services import user_create
from tongxin.disputes import services
from tongxin.geo.models import Unit

STREET = "410104002"  # 西大街街道
COMMUNITIES = [f"{STREET}00{i}" for i in range(1, 7)]  # 南顺城街社区 … 华亿社区
TZ = timezone.get_fixed_timezone(8 * 60)


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=TZ)


def unit(code: str) -> Unit:
    return Unit.objects.get(code=code)


def account(
    username: str,
    code: str,
    role: str,
    scope: str = "subtree",
    department: Department | None = None,
) -> User:
    return user_create(
        actor=None,
        username=username,
        password="Tongxin@2026test",
        unit=unit(code),
        roles={role},
        data_scope=scope,
        full_name=username,
        department=department,
        validate=False,
    )


def community_officer(index: int = 1) -> User:
    return account(f"community_{index}", COMMUNITIES[index - 1], Role.COMMUNITY_OFFICER)


def street_officer(name: str = "xidajie") -> User:
    return account(name, STREET, Role.STREET_OFFICER)


def dispute(actor: User, code: str, found_on: date = date(2026, 3, 10), **extra):
    values = {
        "kind": "rental",
        "place": "3 号院",
        "occurred_on": found_on,
        "found_on": found_on,
        "facts": "租户与房东因押金退还发生争执。",
        "parties": [
            services.PartyInput(name="马某", role="applicant"),
            services.PartyInput(name="王某", role="respondent", description="房东"),
        ],
    }
    values.update(extra)
    return services.dispute_create(actor=actor, unit=unit(code), **values)
