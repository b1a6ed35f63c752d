"""TOTP secrets at rest, sealed (security.sealed) under TWO_FACTOR_KEY when it is set, else
SECRET_KEY, so a database dump alone never reveals a secret. Secrets sealed under the
SECRET_KEY-derived key still open after TWO_FACTOR_KEY is introduced."""

from __future__ import annotations

from diplolearn.security.sealed import seal, unseal

PURPOSE = "two-factor secrets v1"


def encrypt(value: str) -> str:
    return seal(value, PURPOSE, "TWO_FACTOR_KEY")


def decrypt(token: str) -> str:
    return unseal(token, PURPOSE, "TWO_FACTOR_KEY")
