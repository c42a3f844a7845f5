"""Login policy on every page: idle timeout, required second factor, password expiry."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from tongxin.audit.services import Action, audit_record

from .models import SecurityPolicy
from .services import password_expired, password_must_change

EXEMPT_PREFIXES = ("/static/", "/healthz", "/i18n/")
API_PREFIX = "/api/"
# The token endpoint checks the password (and its expiry) itself and needs no session.
API_EXEMPT = ("/api/v1/auth/token/",)


def second_factor_pending(request) -> bool:
    user = request.user
    if settings.DEMO or not user.is_authenticated or not user.needs_second_factor():
        return False
    return not user.is_verified()


class LoginPolicyMiddleware:
    """Idle timeout, second factor and password expiry for every browser session, on pages
    and on `/api/` alike. A token-authenticated API client has no session user here: the
    token's own rules apply (`api.authentication`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(EXEMPT_PREFIXES) or not request.user.is_authenticated:
            return self.get_response(request)
        api = request.path.startswith(API_PREFIX)
        if api and request.path.startswith(API_EXEMPT):
            return self.get_response(request)
        policy = SecurityPolicy.current()
        now = time.time()
        last = request.session.get("last_activity")
        if last is not None and now - last > policy.idle_timeout_minutes * 60:
            audit_record(action=Action.SESSION_TIMEOUT, actor=request.user, request=request)
            logout(request)
            message = _("您已 %(n)d 分钟未操作，为保护个人信息已自动退出，请重新登录。") % {
                "n": policy.idle_timeout_minutes
            }
            if api:
                return JsonResponse({"detail": message}, status=401)
            messages.info(request, message)
            return redirect(f"{reverse('accounts:login')}?next={request.path}")
        request.session["last_activity"] = now

        if api:
            # The API permission refuses a pending second factor (403) itself.
            if password_expired(request.user, policy):
                return JsonResponse({"detail": _password_message(request.user)}, status=403)
            return self.get_response(request)
        allowed = {
            reverse("accounts:logout"),
            reverse("accounts:otp_verify"),
            reverse("accounts:otp_setup"),
        }
        if request.path in allowed:
            return self.get_response(request)
        if second_factor_pending(request):
            return redirect("accounts:otp_verify")
        if request.path != reverse("accounts:password_change") and password_expired(
            request.user, policy
        ):
            messages.warning(request, _password_message(request.user))
            return redirect("accounts:password_change")
        return self.get_response(request)


def _password_message(user) -> str:
    if password_must_change(user):
        return _("您的密码由管理员设置，请先修改为只有您知道的密码。")
    return _("您的密码已过期，请先修改密码。")
