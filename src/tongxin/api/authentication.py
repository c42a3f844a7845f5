"""Token authentication with the password policy: a token stops working when its account's
password has expired or was set by an administrator and not yet changed by its owner (a
password change deletes the token outright, `accounts.services.password_set`)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from tongxin.accounts.services import password_expired


class PolicyTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if password_expired(user):
            raise exceptions.AuthenticationFailed(
                _("该账户的密码已过期，请先在网页上修改密码，再重新获取令牌。")
            )
        return user, token
