"""The account and department lists as exported files (`exchange.lists`), with the pages'
search and scope.

Accounts: the system administrator's access review (权限清查), one row per account — who,
where, which roles and data scope, whether enabled or locked, whether the second factor is
required and set up, last login, created, password changed and whether expired. Never the
password hash, the TOTP key or anything else secret; accounts hold no phone or e-mail of
their own (the e-mail field Django brings is never filled and not exported).
Departments: the page's columns as the page shows them to everyone who may see it — the
contact phone is how staff reach the department; since it is often a liaison's own mobile,
the file is marked as holding personal data."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from tongxin.exchange.lists import ListExport, labels, local_time, yes_no

from .models import Department, DepartmentKind, LoginThrottle, SecurityPolicy, User
from .roles import DataScope
from .services import password_expired

ACCOUNTS = ListExport(
    title=_("账户清单"),
    slug="accounts",
    object_type="accounts.user",
    headers=[
        _("用户名"),
        _("姓名"),
        _("角色"),
        _("所属单位"),
        _("所属部门"),
        _("数据范围"),
        _("状态"),
        _("锁定至"),
        _("须动态口令"),
        _("已启用动态口令"),
        _("最近登录"),
        _("创建时间"),
        _("密码修改时间"),
        _("密码已过期"),
    ],
    widths=[16, 14, 24, 20, 20, 12, 6, 16, 8, 10, 16, 16, 16, 8],
)


def account_rows(users) -> Iterator[list[object]]:
    """Each account of an `accounts.selectors.user_list_for` queryset as exported cells;
    roles, second factor and lockout read with the accounts, not per row."""
    now = timezone.now()
    policy = SecurityPolicy.current()
    scopes = labels(DataScope)
    enabled, disabled = gettext("启用"), gettext("停用")
    annotated = (
        users.annotate(
            otp_confirmed=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
            locked_until=Subquery(
                LoginThrottle.objects.filter(
                    username=OuterRef("username"), locked_until__gt=now
                ).values("locked_until")[:1]
            ),
        )
        .prefetch_related("role_grants")
        .order_by("username")
    )
    user: User
    for user in annotated.iterator(chunk_size=2000):
        user._roles_cache = {grant.role for grant in user.role_grants.all()}
        yield [
            user.username,
            user.full_name,
            "、".join(user.role_labels()),
            user.unit.name if user.unit else "",
            user.department.name if user.department else "",
            scopes.get(user.data_scope, user.data_scope),
            enabled if user.is_active else disabled,
            local_time(user.locked_until),  # type: ignore[attr-defined]
            yes_no(user.needs_second_factor()),
            yes_no(user.otp_confirmed),  # type: ignore[attr-defined]
            local_time(user.last_login),
            local_time(user.date_joined),
            local_time(user.password_changed_at),
            yes_no(password_expired(user, policy)),
        ]


DEPARTMENTS = ListExport(
    title=_("成员单位"),
    slug="departments",
    object_type="accounts.department",
    headers=[_("名称"), _("类别"), _("所属辖区"), _("联络员"), _("联系电话")],
    widths=[30, 18, 20, 14, 16],
    masked=False,
)


def department_rows(departments) -> Iterator[list[object]]:
    """Each department of an `accounts.selectors.department_list_for` queryset as exported
    cells."""
    kinds = labels(DepartmentKind)
    item: Department
    for item in departments.iterator(chunk_size=2000):
        yield [
            item.name,
            kinds.get(item.kind, item.kind),
            item.unit.name,
            str(item.liaison) if item.liaison else "",
            item.phone,
        ]
