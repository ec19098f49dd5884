"""Encryption at rest of the identity vault: Fernet tokens (AES-128-CBC + HMAC-SHA256, ``cryptography``) under
keys from the environment, so a database dump or backup does not reveal who reported.

``HOTLINE_IDENTITY_KEYS`` is a comma-separated list of Fernet keys: the first encrypts, every one decrypts
(:class:`~cryptography.fernet.MultiFernet`). To rotate, put a new key first, run
``python manage.py reencrypt_identity_vault`` (every row under the first key), then drop the old key.
Fernet tokens are random, so the encrypted columns cannot be searched or compared in SQL; nothing filters on them.
"""

from __future__ import annotations

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("HOTLINE_IDENTITY_KEYS is empty: the identity vault cannot be read or written.")
    return MultiFernet([Fernet(key) for key in keys])


def identity_fernet() -> MultiFernet:
    """Return the MultiFernet of ``settings.HOTLINE_IDENTITY_KEYS`` (first key encrypts, all decrypt)."""
    return _fernet(tuple(settings.HOTLINE_IDENTITY_KEYS))


@receiver(setting_changed)
def _keys_changed(*, setting, **kwargs) -> None:
    if setting == "HOTLINE_IDENTITY_KEYS":
        _fernet.cache_clear()


def encrypt(value: str) -> str:
    """Return the Fernet token of ``value`` under the first key; the empty string stays empty (so the vault's
    "something was given" constraint still works on the stored columns)."""
    if value == "":
        return ""
    return identity_fernet().encrypt(value.encode()).decode("ascii")


def decrypt(token: str) -> str:
    """Return the plain text of ``token``; raise :class:`InvalidToken` if no configured key opens it."""
    if token == "":
        return ""
    return identity_fernet().decrypt(token.encode("ascii")).decode()


class EncryptedTextField(models.TextField):
    """A text column stored as a Fernet token and read back as plain text.

    Lookups other than ``isnull`` and ``= ''`` are meaningless on it (every encryption of the same text differs).
    """

    description = "Text encrypted at rest (Fernet)"

    def from_db_value(self, value, expression, connection):
        if value is None:
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None:
            return value
        return encrypt(str(value))


__all__ = ["EncryptedTextField", "InvalidToken", "decrypt", "encrypt", "identity_fernet"]
