"""Secrets kept at rest in the database, sealed with a key from the environment.

Fernet (AES-128-CBC with HMAC-SHA256) under a key stretched with HKDF-SHA256 from a setting
the deployment keeps out of the database: the purpose's own setting when it is set (for
example ``TWO_FACTOR_KEY``), else ``SECRET_KEY``. Each purpose derives its own key (``info``),
so a value sealed for one purpose never opens for another; a value sealed before the
purpose's own setting was introduced still opens (MultiFernet tries both keys), so that
setting can be added later without losing anything. A database dump alone reveals nothing.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

__all__ = ["InvalidToken", "seal", "unseal"]


def _fernet(material: str, purpose: str) -> Fernet:
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=f"diplolearn {purpose}".encode()
    ).derive(material.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def _keys(purpose: str, setting: str | None) -> MultiFernet:
    materials = [current_app.config.get(setting) if setting else None]
    materials.append(current_app.config["SECRET_KEY"])
    return MultiFernet([_fernet(m, purpose) for m in materials if m])


def seal(value: str, purpose: str, setting: str | None = None) -> str:
    """``value`` encrypted for ``purpose`` (under ``setting``'s key when it is set)."""
    return _keys(purpose, setting).encrypt(value.encode()).decode()


def unseal(token: str, purpose: str, setting: str | None = None) -> str:
    """The sealed value; raises InvalidToken when the key changed or the token was altered."""
    return _keys(purpose, setting).decrypt(token.encode()).decode()
