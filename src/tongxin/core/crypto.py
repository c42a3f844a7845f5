"""Field encryption (AES-256-GCM) and keyed hashes for equality search on encrypted fields."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

_VERSION = b"\x01"


def _key() -> bytes:
    return settings.DATA_KEY


@lru_cache(maxsize=4)
def _cipher(key: bytes) -> AESGCM:
    return AESGCM(key)


@lru_cache(maxsize=16)
def _subkey(key: bytes, purpose: str) -> bytes:
    return hashlib.sha256(key + purpose.encode("ascii")).digest()


def encrypt(plaintext: str) -> str:
    """Encrypt to text: base64(version | nonce | ciphertext+tag). Empty stays empty."""
    if not plaintext:
        return ""
    nonce = os.urandom(12)
    sealed = _cipher(_key()).encrypt(nonce, plaintext.encode("utf-8"), _VERSION)
    return base64.b64encode(_VERSION + nonce + sealed).decode("ascii")


def decrypt(token: str) -> str:
    if not token:
        return ""
    raw = base64.b64decode(token)
    version, nonce, sealed = raw[:1], raw[1:13], raw[13:]
    return _cipher(_key()).decrypt(nonce, sealed, version).decode("utf-8")


def blind_index(value: str, *, purpose: str) -> str:
    """A keyed hash (HMAC-SHA256) so equal values can be found without decrypting."""
    if not value:
        return ""
    return hmac.new(_subkey(_key(), purpose), value.encode("utf-8"), hashlib.sha256).hexdigest()[
        :40
    ]
