"""Account, department and login-policy writes. Each writes its audit event in the same
transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.audit.services import Action, Outcome, audit_record
from tongxin.geo.models import Unit

from .models import Department, LoginThrottle, RoleGrant, SecurityPolicy, User


@dataclass
class LoginResult:
    user: User | None
    error: str = ""
    locked: bool = False


def _lock_message(policy: SecurityPolicy) -> str:
    return _("该账户因连续 %(n)d 次登录失败已被锁定，请 %(m)d 分钟后再试。") % {
        "n": policy.max_failures,
        "m": policy.lock_minutes,
    }


def login_attempt(request: HttpRequest | None, username: str, password: str) -> LoginResult:
    """Check the lock, the password, and count failures. Used by the login page and the API."""
    policy = SecurityPolicy.current()
    username = (username or "").strip()[:150]
    now = timezone.now()
    throttle = LoginThrottle.objects.filter(username=username).first()
    if throttle and throttle.locked_until and throttle.locked_until > now:
        audit_record(
            action=Action.LOGIN_FAILED,
            request=request,
            username=username,
            outcome=Outcome.DENIED,
            detail={"reason": "locked"},
        )
        return LoginResult(None, _lock_message(policy), locked=True)
    user = authenticate(request, username=username, password=password)
    if user is not None:
        LoginThrottle.objects.filter(username=username).delete()
        audit_record(action=Action.LOGIN, actor=user, request=request)
        return LoginResult(user)  # type: ignore[arg-type]
    with transaction.atomic():
        LoginThrottle.objects.get_or_create(username=username)
        LoginThrottle.objects.filter(username=username).update(
            failures=F("failures") + 1, last_failure_at=now
        )
        throttle = LoginThrottle.objects.get(username=username)
        audit_record(
            action=Action.LOGIN_FAILED,
            request=request,
            username=username,
            outcome=Outcome.FAILURE,
            detail={"failures": throttle.failures},
        )
        if throttle.failures >= policy.max_failures:
            LoginThrottle.objects.filter(username=username).update(
                failures=0, locked_until=now + timedelta(minutes=policy.lock_minutes)
            )
            audit_record(
                action=Action.LOCKOUT, request=request, username=username, outcome=Outcome.DENIED
            )
            return LoginResult(None, _lock_message(policy), locked=True)
    remaining = policy.max_failures - throttle.failures
    return LoginResult(
        None,
        _("用户名或密码不正确。再失败 %(n)d 次账户将被锁定 %(m)d 分钟。")
        % {"n": remaining, "m": policy.lock_minutes},
    )


def password_expired(user: User, policy: SecurityPolicy | None = None) -> bool:
    policy = policy or SecurityPolicy.current()
    if not policy.password_max_age_days:
        return False
    return user.password_changed_at < timezone.now() - timedelta(days=policy.password_max_age_days)


@transaction.atomic
def password_set(*, actor: User, user: User, password: str, request=None) -> None:
    validate_password(password, user)
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "password_changed_at"])
    audit_record(action=Action.PASSWORD, actor=actor, request=request, obj=user)


def _role_change(actor, user: User, roles: set[str], request) -> None:
    current = set(user.role_grants.values_list("role", flat=True))
    if current == roles:
        return
    RoleGrant.objects.filter(user=user).exclude(role__in=roles).delete()
    RoleGrant.objects.bulk_create([RoleGrant(user=user, role=r) for r in sorted(roles - current)])
    user._roles_cache = None  # type: ignore[assignment]
    audit_record(
        action=Action.PERMISSION,
        actor=actor,
        request=request,
        obj=user,
        detail={"roles_before": sorted(current), "roles_after": sorted(roles)},
    )


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    password: str,
    unit: Unit,
    roles: set[str],
    data_scope: str,
    full_name: str = "",
    department: Department | None = None,
    request=None,
    validate: bool = True,
) -> User:
    user = User(
        username=username,
        full_name=full_name,
        unit=unit,
        department=department,
        data_scope=data_scope,
    )
    if validate:
        validate_password(password, user)
    user.set_password(password)
    user.save()
    audit_record(action=Action.CREATE, actor=actor, request=request, obj=user, username="system")
    _role_change(actor, user, set(roles), request)
    return user


@transaction.atomic
def user_update(
    *,
    actor: User,
    user: User,
    unit: Unit,
    roles: set[str],
    data_scope: str,
    full_name: str,
    department: Department | None,
    is_active: bool,
    request=None,
) -> User:
    before = {
        "unit": user.unit.code if user.unit else "",
        "data_scope": user.data_scope,
        "is_active": user.is_active,
        "department": user.department.code if user.department else "",
    }
    user.unit, user.data_scope, user.full_name = unit, data_scope, full_name
    user.department, user.is_active = department, is_active
    user.save()
    after = {
        "unit": unit.code,
        "data_scope": data_scope,
        "is_active": is_active,
        "department": department.code if department else "",
    }
    if before != after:
        scope_changed = before["data_scope"] != data_scope or before["unit"] != unit.code
        audit_record(
            action=Action.PERMISSION if scope_changed else Action.UPDATE,
            actor=actor,
            request=request,
            obj=user,
            detail={"before": before, "after": after},
        )
    _role_change(actor, user, set(roles), request)
    return user


@transaction.atomic
def department_save(
    *,
    actor: User | None,
    department: Department | None = None,
    code: str,
    name: str,
    kind: str,
    unit: Unit,
    liaison: User | None = None,
    phone: str = "",
    request=None,
) -> Department:
    creating = department is None
    department = department or Department()
    department.code, department.name, department.kind = code, name, kind
    department.unit, department.liaison, department.phone = unit, liaison, phone
    department.save()
    audit_record(
        action=Action.CREATE if creating else Action.UPDATE,
        actor=actor,
        request=request,
        obj=department,
        username="system",
    )
    return department


@transaction.atomic
def policy_update(*, actor: User, request=None, **values: int) -> SecurityPolicy:
    policy = SecurityPolicy.current()
    before = {k: getattr(policy, k) for k in values}
    for key, value in values.items():
        setattr(policy, key, value)
    policy.save()
    audit_record(
        action=Action.POLICY,
        actor=actor,
        request=request,
        obj=policy,
        detail={"before": before, "after": values},
    )
    return policy
