"""Encryption of personal data at rest, with a keyed blind index for exact-match lookup.

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under a key derived from
FIELD_ENCRYPTION_KEY; the blind index is HMAC-SHA256 under a second derived key, so the
database never holds the clear value and equality search still works.
"""

import base64
import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


def _derive(purpose: bytes) -> bytes:
    secret = settings.FIELD_ENCRYPTION_KEY
    if not secret:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY is not set.")
    return hmac.new(secret.encode(), purpose, hashlib.sha256).digest()


@cache
def _fernet(secret: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derive(b"civicgrid:field-encryption:v1")))


def encrypt(value: str) -> str:
    return _fernet(settings.FIELD_ENCRYPTION_KEY).encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet(settings.FIELD_ENCRYPTION_KEY).decrypt(token.encode()).decode()


def blind_index(value: str, *, purpose: str = "default") -> str:
    """Return a keyed digest of a normalised value, for exact-match lookup."""
    normalised = value.strip().upper()
    key = _derive(b"civicgrid:blind-index:" + purpose.encode())
    return hmac.new(key, normalised.encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """A text column stored encrypted; Python code sees the clear value."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)


def mask(value: str | None, *, keep_start: int = 3, keep_end: int = 4) -> str:
    """Mask the middle of a personal value: 13812345678 → 138****5678."""
    if not value:
        return ""
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]
