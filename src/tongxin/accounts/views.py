from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from tongxin.audit.services import Action, Outcome, audit_record
from tongxin.exchange.lists import export_context, export_response

from . import services
from .decorators import capability_required
from .forms import DepartmentForm, LoginForm, OtpForm, PasswordChangeForm, PolicyForm, UserForm
from .models import Department, SecurityPolicy, User
from .roles import Cap, Role
from .scoping import (
    account_departments,
    account_units,
    get_scoped_or_404,
    scoped,
    visible_units,
)
from .selectors import department_list_for, user_list_for


def _safe_next(request, fallback: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or fallback
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return fallback


def login_view(request):
    form = LoginForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        result = services.login_attempt(
            request, form.cleaned_data["username"], form.cleaned_data["password"]
        )
        if result.user is not None:
            login(request, result.user)
            return redirect(_safe_next(request))
        error = result.error
    return render(
        request,
        "accounts/login.html",
        {"form": form, "error": error, "next": _safe_next(request, ""), "demo": settings.DEMO},
    )


@require_POST
def logout_view(request):
    if request.user.is_authenticated:
        audit_record(action=Action.LOGOUT, actor=request.user, request=request)
    logout(request)
    messages.info(request, _("您已安全退出。"))
    return redirect("accounts:login")


def _confirmed_device(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def _not_throttled(device, form) -> bool:
    """django-otp doubles the wait after each wrong code; say so instead of failing silently."""
    allowed, info = device.verify_is_allowed()
    if not allowed:
        wait = ""
        if info and info.get("locked_until"):
            seconds = max(1, int((info["locked_until"] - timezone.now()).total_seconds()) + 1)
            wait = _("请 %(n)d 秒后再试。") % {"n": seconds}
        form.add_error("token", _("动态口令错误次数过多。") + wait)
    return allowed


@login_required
def otp_verify(request):
    device = _confirmed_device(request.user)
    if device is None:
        return redirect("accounts:otp_setup")
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _not_throttled(device, form):
        if device.verify_token(form.cleaned_data["token"]):
            otp_login(request, device)
            return redirect(_safe_next(request))
        audit_record(
            action=Action.OTP_FAILED, actor=request.user, request=request, outcome=Outcome.FAILURE
        )
        form.add_error("token", _("动态口令不正确或已过期。"))
    return render(request, "accounts/otp_verify.html", {"form": form})


@login_required
def otp_setup(request):
    if _confirmed_device(request.user) is not None:
        return redirect("accounts:otp_verify")
    device, _created = TOTPDevice.objects.get_or_create(
        user=request.user, confirmed=False, defaults={"name": "authenticator"}
    )
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _not_throttled(device, form):
        if device.verify_token(form.cleaned_data["token"]):
            with transaction.atomic():
                device.confirmed = True
                device.save()
                audit_record(
                    action=Action.UPDATE,
                    actor=request.user,
                    request=request,
                    obj=device,
                    detail={"second_factor": "totp_enrolled"},
                )
            otp_login(request, device)
            messages.success(request, _("动态口令已启用。"))
            return redirect("home")
        form.add_error("token", _("动态口令不正确，请确认手机时间准确后重试。"))
    import segno

    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=4)
    return render(
        request,
        "accounts/otp_setup.html",
        {
            "form": form,
            "qr_svg": qr_svg,
            "secret": device.config_url.split("secret=")[1].split("&")[0],
        },
    )


@login_required
def password_change(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.password_set(
            actor=request.user,
            user=request.user,
            password=form.cleaned_data["new_password"],
            request=request,
        )
        from django.contrib.auth import update_session_auth_hash

        update_session_auth_hash(request, request.user)
        messages.success(request, _("密码已修改。"))
        return redirect("home")
    return render(request, "accounts/password_change.html", {"form": form})


# --- Accounts (system admin) ---


@capability_required(Cap.ACCOUNT_MANAGE)
def user_list(request):
    q = request.GET.get("q", "").strip()
    users = user_list_for(request.user, q=q).prefetch_related("role_grants")[:200]
    return render(
        request,
        "accounts/user_list.html",
        {"users": users, "q": q, **export_context(request)},
    )


@capability_required(Cap.ACCOUNT_MANAGE)
def user_export(request):
    """The searched accounts, every one, as Excel or CSV: the access review (权限清查)."""
    from .exports import ACCOUNTS, account_rows

    users = user_list_for(request.user, q=request.GET.get("q", ""))
    return export_response(request, ACCOUNTS, account_rows(users))


def _user_form(request, editing: User | None):
    units = account_units(request.user)
    departments = account_departments(request.user)
    initial = {}
    if editing is not None:
        initial = {
            "username": editing.username,
            "full_name": editing.full_name,
            "unit": editing.unit.code if editing.unit else "",
            "department": editing.department_id,
            "roles": sorted(editing.roles),
            "data_scope": editing.data_scope,
            "is_active": editing.is_active,
        }
    return UserForm(
        request.POST or None,
        initial=initial,
        actor=request.user,
        units=units,
        departments=departments,
        editing=editing,
    )


@capability_required(Cap.ACCOUNT_MANAGE)
def user_create(request):
    form = _user_form(request, None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        user = services.user_create(
            actor=request.user,
            username=d["username"],
            password=d["password"],
            unit=d["unit"],
            roles=set(d["roles"]),
            data_scope=d["data_scope"],
            full_name=d["full_name"],
            department=d["department"],
            request=request,
        )
        messages.success(request, _("已创建账户 %(u)s。") % {"u": user.username})
        return redirect("accounts:user_list")
    return render(request, "accounts/user_form.html", {"form": form, "editing": None})


@capability_required(Cap.ACCOUNT_MANAGE)
def user_edit(request, username: str):
    # Only accounts of the administrator's own subtree, whatever its data scope.
    editing = get_scoped_or_404(
        request.user,
        User.objects.filter(unit__in=account_units(request.user)),
        capability=Cap.ACCOUNT_MANAGE,
        username=username,
    )
    form = _user_form(request, editing)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        services.user_update(
            actor=request.user,
            user=editing,
            unit=d["unit"],
            roles=set(d["roles"]),
            data_scope=d["data_scope"],
            full_name=d["full_name"],
            department=d["department"],
            is_active=d["is_active"],
            request=request,
        )
        messages.success(request, _("已保存账户 %(u)s。") % {"u": editing.username})
        return redirect("accounts:user_list")
    return render(request, "accounts/user_form.html", {"form": form, "editing": editing})


# --- Member departments ---


@capability_required(Cap.GEO_READ)
def department_list(request):
    return render(
        request,
        "accounts/department_list.html",
        {
            "departments": department_list_for(request.user),
            "can_manage": request.user.can(Cap.DEPARTMENT_MANAGE),
            "can_export": request.user.can(Cap.LIST_EXPORT),
            **export_context(request),
        },
    )


@capability_required(Cap.GEO_READ, Cap.LIST_EXPORT)
def department_export(request):
    """The departments the user may see as Excel or CSV, as the page shows them."""
    from .exports import DEPARTMENTS, department_rows

    return export_response(request, DEPARTMENTS, department_rows(department_list_for(request.user)))


def _department_form(request, department: Department | None):
    liaisons = scoped(
        request.user,
        User.objects.filter(role_grants__role=Role.DEPARTMENT_LIAISON),
        capability=Cap.DEPARTMENT_MANAGE,
    )
    return DepartmentForm(
        request.POST or None,
        instance=department,
        units=visible_units(request.user),
        liaisons=liaisons,
    )


@capability_required(Cap.DEPARTMENT_MANAGE)
def department_edit(request, code: str | None = None):
    department = None
    if code is not None:
        # Departments above the user's unit are visible but not theirs to edit.
        department = Department.objects.filter(
            code=code, unit__in=visible_units(request.user)
        ).first()
        if department is None:
            raise Http404
    form = _department_form(request, department)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        services.department_save(
            actor=request.user,
            department=department,
            code=d["code"],
            name=d["name"],
            kind=d["kind"],
            unit=d["unit_code"],
            liaison=d["liaison"],
            phone=d["phone"],
            request=request,
        )
        messages.success(request, _("已保存成员单位。"))
        return redirect("accounts:department_list")
    return render(
        request, "accounts/department_form.html", {"form": form, "department": department}
    )


# --- Security policy (security admin) ---


@capability_required(Cap.POLICY_MANAGE)
def policy_edit(request):
    policy = SecurityPolicy.current()
    form = PolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        services.policy_update(
            actor=request.user,
            request=request,
            **{f: form.cleaned_data[f] for f in PolicyForm.Meta.fields},
        )
        messages.success(request, _("安全策略已保存。"))
        return redirect("accounts:policy")
    return render(request, "accounts/policy.html", {"form": form})
