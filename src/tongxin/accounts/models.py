from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .roles import CAPABILITIES, SECOND_FACTOR_ROLES, DataScope, Role


class DepartmentKind(models.TextChoices):
    ETHNIC_AFFAIRS = "ethnic_affairs", _("民族宗教事务")
    POLICE = "police", _("公安")
    EDUCATION = "education", _("教育")
    HEALTH = "health", _("卫生健康")
    HUMAN_RESOURCES = "human_resources", _("人力资源和社会保障")
    CIVIL_AFFAIRS = "civil_affairs", _("民政")
    JUSTICE = "justice", _("司法")
    FINANCE = "finance", _("财政")
    MARKET = "market", _("市场监管")
    URBAN_MANAGEMENT = "urban_management", _("城市管理")
    HOUSING = "housing", _("住房和城乡建设")
    CULTURE_TOURISM = "culture_tourism", _("文化广电和旅游")
    TRANSPORT = "transport", _("交通运输")
    RAILWAY = "railway", _("铁路")
    AIRPORT = "airport", _("机场")
    BANKING = "banking", _("金融")
    MEDIA = "media", _("宣传媒体")
    SUPERVISION = "supervision", _("督查")


class Department(models.Model):
    """A member department (成员单位) of the coordination body at city or district level."""

    code = models.CharField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类别"), max_length=20, choices=DepartmentKind.choices)
    unit = models.ForeignKey(
        "geo.Unit", on_delete=models.PROTECT, related_name="departments", verbose_name=_("所属辖区")
    )
    liaison = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("联络员"),
    )
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)

    class Meta:
        ordering = ["unit__path", "code"]
        verbose_name = _("成员单位")
        verbose_name_plural = _("成员单位")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    full_name = models.CharField(_("姓名"), max_length=100, blank=True)
    unit = models.ForeignKey(
        "geo.Unit",
        on_delete=models.PROTECT,
        null=True,
        related_name="users",
        verbose_name=_("所属单位"),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("所属部门"),
    )
    data_scope = models.CharField(
        _("数据范围"), max_length=10, choices=DataScope.choices, default=DataScope.UNIT
    )
    # None: the password was set by an administrator and must be changed at the next login.
    password_changed_at = models.DateTimeField(_("密码修改时间"), default=timezone.now, null=True)

    scope_capability = "account.manage"
    scope_path_field = "unit__path"

    class Meta:
        ordering = ["username"]
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def roles(self) -> set[str]:
        cached = getattr(self, "_roles_cache", None)
        if cached is None:
            cached = set(self.role_grants.values_list("role", flat=True)) if self.pk else set()
            self._roles_cache = cached
        return cached

    def role_labels(self) -> list[str]:
        return [str(Role(r).label) for r in sorted(self.roles)]

    def can(self, capability: str) -> bool:
        if not self.is_active:
            return False
        return any(capability in CAPABILITIES.get(role, set()) for role in self.roles)

    def needs_second_factor(self) -> bool:
        """Administrators and anyone who sees the whole city log in with TOTP."""
        if self.roles & SECOND_FACTOR_ROLES:
            return True
        return Role.BUREAU_OFFICER in self.roles and self.data_scope == DataScope.ALL


class RoleGrant(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="unique_role_grant")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.role}"


class LoginThrottle(models.Model):
    """Failed logins per username (also for unknown names, so lockout reveals nothing)."""

    username = models.CharField(max_length=150, unique=True)
    failures = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.username


# The bounds of each policy value (等保三级: lockout after a few failures, a session ended
# after minutes of idleness, passwords changed periodically). 0 days = passwords never expire.
POLICY_BOUNDS: dict[str, tuple[int, int]] = {
    "max_failures": (3, 20),
    "lock_minutes": (1, 1440),
    "idle_timeout_minutes": (5, 480),
    "password_max_age_days": (0, 3650),
}


def _bounds(name: str) -> list:
    low, high = POLICY_BOUNDS[name]
    return [
        MinValueValidator(low, message=_("该值不能小于 %(limit_value)s。")),
        MaxValueValidator(high, message=_("该值不能大于 %(limit_value)s。")),
    ]


class SecurityPolicy(models.Model):
    """One row, edited by the security admin; defaults come from settings."""

    max_failures = models.PositiveIntegerField(
        _("连续失败锁定次数"), default=5, validators=_bounds("max_failures")
    )
    lock_minutes = models.PositiveIntegerField(
        _("锁定时长（分钟）"), default=15, validators=_bounds("lock_minutes")
    )
    idle_timeout_minutes = models.PositiveIntegerField(
        _("空闲超时（分钟）"), default=15, validators=_bounds("idle_timeout_minutes")
    )
    password_max_age_days = models.PositiveIntegerField(
        _("密码有效期（天，0 为不过期）"), default=90, validators=_bounds("password_max_age_days")
    )

    class Meta:
        verbose_name = _("安全策略")

    def __str__(self) -> str:
        return str(_("安全策略"))

    @classmethod
    def current(cls) -> SecurityPolicy:
        policy: SecurityPolicy | None = SecurityPolicy.objects.filter(pk=1).first()
        if policy is None:
            policy = cls(
                pk=1,
                max_failures=settings.LOGIN_MAX_FAILURES,
                lock_minutes=settings.LOGIN_LOCK_MINUTES,
                idle_timeout_minutes=settings.IDLE_TIMEOUT_MINUTES,
                password_max_age_days=settings.PASSWORD_MAX_AGE_DAYS,
            )
        policy.clamp()
        return policy

    def clamp(self) -> None:
        """Hold each value within its bounds (a value stored, or configured, before the bounds
        existed must not crash the login: `timedelta` overflows on huge ones)."""
        for name, (low, high) in POLICY_BOUNDS.items():
            value = getattr(self, name)
            if value is None or value < low or value > high:
                setattr(self, name, min(max(value or 0, low), high))
