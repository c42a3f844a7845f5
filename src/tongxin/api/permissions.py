from __future__ import annotations

from rest_framework.permissions import BasePermission

from tongxin.accounts.middleware import second_factor_pending


def capability(cap: str) -> type[BasePermission]:
    """Permission class: authenticated, second factor done (session logins), holds `cap`."""

    class HasCapability(BasePermission):
        message = "您没有执行该操作的权限。"

        def has_permission(self, request, view) -> bool:
            user = request.user
            if not (user and user.is_authenticated):
                return False
            if request.auth is None and second_factor_pending(request._request):
                return False
            return user.can(cap)

    HasCapability.__name__ = f"Has_{cap.replace('.', '_')}"
    return HasCapability
