"""Refuse to run with a data key other than the one the data was encrypted with."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils.translation import gettext as _

from . import crypto

PROBE = "tongxin-data-key-check"


def current_fingerprint() -> str:
    return crypto.blind_index(PROBE, purpose="key-check")


@transaction.atomic
def verify_data_key() -> None:
    """Record the key's fingerprint on first use; afterwards, raise if the key differs."""
    from .models import KeyCheck

    fingerprint = current_fingerprint()
    stored, created = KeyCheck.objects.get_or_create(pk=1, defaults={"fingerprint": fingerprint})
    if not created and stored.fingerprint != fingerprint:
        raise ImproperlyConfigured(
            _(
                "TONGXIN_DATA_KEY 与数据库中数据加密时使用的密钥不一致，已拒绝启动，以免写入无法解密的数据。"
                "请设置正确的密钥（或恢复 var/data_key）。"
            )
        )


def require_data_key() -> None:
    """For management commands that write: the same check, as a CommandError."""
    from django.core.management.base import CommandError

    try:
        verify_data_key()
    except ImproperlyConfigured as exc:
        raise CommandError(str(exc)) from exc
