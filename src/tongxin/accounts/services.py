"""Account, department and login-policy writes. Each writes its audit event in the same
transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.audit.services import Action, Outcome, audit_record
from tongxin.geo.models import Level, Unit

from .models import Department, LoginThrottle, RoleGrant, SecurityPolicy, User
from .roles import DataScope, Role
from .scoping import account_departments, account_units

# 三员分立: the security admin and the auditor are provisioned from the command line at
# deployment (`user_create(actor=None, …)`, docs/operations.md), never by the system admin.
PROVISIONED_ROLES = frozenset({Role.SECURITY_ADMIN, Role.AUDITOR})
# Data scope "all" belongs to accounts of the city (or a province above it) only.
TOP_LEVELS = frozenset({Level.PROVINCE, Level.CITY})


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


def password_must_change(user: User) -> bool:
    """The password was set by an administrator (no change by its owner yet)."""
    return user.password_changed_at is None


def password_expired(user: User, policy: SecurityPolicy | None = None) -> bool:
    """Expired by the policy's age, or an administrator's initial password not yet changed."""
    if password_must_change(user):
        return True
    policy = policy or SecurityPolicy.current()
    if not policy.password_max_age_days:
        return False
    assert user.password_changed_at is not None
    return user.password_changed_at < timezone.now() - timedelta(days=policy.password_max_age_days)


def tokens_revoke(user: User) -> int:
    """Delete the user's API token(s); the client must log in again for a new one."""
    from rest_framework.authtoken.models import Token

    deleted, _rows = Token.objects.filter(user=user).delete()
    return deleted


@transaction.atomic
def password_set(*, actor: User, user: User, password: str, request=None) -> None:
    """Set a password. Set by someone else (an administrator), it must be changed by its owner
    at the next login. Either way the user's API tokens stop working."""
    validate_password(password, user)
    user.set_password(password)
    user.password_changed_at = timezone.now() if actor.pk == user.pk else None
    user.save(update_fields=["password", "password_changed_at"])
    revoked = tokens_revoke(user)
    audit_record(
        action=Action.PASSWORD,
        actor=actor,
        request=request,
        obj=user,
        detail={"tokens_revoked": revoked} if revoked else "",
    )


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


def account_change_errors(
    actor: User | None,
    *,
    user: User | None,
    unit: Unit,
    roles: set[str],
    data_scope: str,
    department: Department | None,
    is_active: bool = True,
) -> dict[str, str]:
    """What an account administrator may not do (三员分立 and its own part of the city), as
    {field: message}; empty if allowed. `actor=None` is the command line (deployment, demo),
    which may do anything. `user` is the account edited, None for a new one."""
    if actor is None:
        return {}
    errors: dict[str, str] = {}
    if user is not None and user.roles & PROVISIONED_ROLES:
        errors["__all__"] = _(
            "安全管理员和安全审计员账户由部署时在命令行创建和维护，系统管理员不能修改或停用。"
        )
    if user is not None and user.pk == actor.pk:
        changed = (
            set(roles) != user.roles
            or unit.pk != user.unit_id
            or data_scope != user.data_scope
            or (department.pk if department else None) != user.department_id
            or not is_active
        )
        if changed:
            errors["roles"] = _(
                "三员分立：不能修改自己账户的角色、单位、部门、数据范围或启用状态。"
            )
    if set(roles) & PROVISIONED_ROLES:
        errors.setdefault(
            "roles",
            _("三员分立：安全管理员和安全审计员由部署时在命令行创建，系统管理员不能授予。"),
        )
    if not account_units(actor).filter(pk=unit.pk).exists():
        errors["unit"] = _("单位代码 %(code)s 不存在或不在您的管理范围内。") % {"code": unit.code}
    if department is not None and not account_departments(actor).filter(pk=department.pk).exists():
        errors["department"] = _("只能选择您管理范围内单位的部门。")
    if data_scope == DataScope.ALL:
        actor_top = (
            actor.data_scope == DataScope.ALL and actor.unit and actor.unit.level in TOP_LEVELS
        )
        if not actor_top:
            errors["data_scope"] = _("只有市级、数据范围为全部数据的系统管理员才能授予“全部数据”。")
        elif unit.level not in TOP_LEVELS:
            errors["data_scope"] = _("“全部数据”只能授予市级单位的账户。")
    return errors


def _refuse(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError(errors)


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
    _refuse(
        account_change_errors(
            actor,
            user=None,
            unit=unit,
            roles=set(roles),
            data_scope=data_scope,
            department=department,
        )
    )
    user = User(
        username=username,
        full_name=full_name,
        unit=unit,
        department=department,
        data_scope=data_scope,
        # An administrator's initial password is changed by its owner at the first login;
        # accounts from the command line (deployment, demo) keep theirs.
        password_changed_at=None if actor is not None else timezone.now(),
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
    _refuse(
        account_change_errors(
            actor,
            user=user,
            unit=unit,
            roles=set(roles),
            data_scope=data_scope,
            department=department,
            is_active=is_active,
        )
    )
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
    stored = SecurityPolicy.objects.filter(pk=1).first()
    policy = SecurityPolicy.current()
    before = {k: getattr(stored or policy, k) for k in values}
    refused = {}
    for key, value in values.items():
        field = SecurityPolicy._meta.get_field(key)
        assert isinstance(field, models.Field)
        try:
            field.clean(value, policy)
        except ValidationError as exc:
            refused[key] = exc.messages
    if refused:
        raise ValidationError(refused)
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
