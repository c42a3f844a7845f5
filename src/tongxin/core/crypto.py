"""Field encryption (AES-256-GCM) and keyed hashes for equality search on encrypted fields."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

_VERSION = b"\x01"


def _key() -> bytes:
    return settings.DATA_KEY


def encrypt(plaintext: str) -> str:
    """Encrypt to text: base64(version | nonce | ciphertext+tag). Empty stays empty."""
    if not plaintext:
        return ""
    nonce = os.urandom(12)
    sealed = AESGCM(_key()).encrypt(nonce, plaintext.encode("utf-8"), _VERSION)
    return base64.b64encode(_VERSION + nonce + sealed).decode("ascii")


def decrypt(token: str) -> str:
    if not token:
        return ""
    raw = base64.b64decode(token)
    version, nonce, sealed = raw[:1], raw[1:13], raw[13:]
    return AESGCM(_key()).decrypt(nonce, sealed, version).decode("utf-8")


def blind_index(value: str, *, purpose: str) -> str:
    """A keyed hash (HMAC-SHA256) so equal values can be found without decrypting."""
    if not value:
        return ""
    subkey = hashlib.sha256(_key() + purpose.encode("ascii")).digest()
    return hmac.new(subkey, value.encode("utf-8"), hashlib.sha256).hexdigest()[:40]
