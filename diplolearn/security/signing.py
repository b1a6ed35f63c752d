"""The platform's Ed25519 signing key, for the Open Badges credentials it issues.

Where the key comes from:

- ``CERTIFICATE_SIGNING_KEY`` in the environment: an Ed25519 private key, either PEM (PKCS#8,
  ``openssl genpkey -algorithm ed25519``) or base64 (standard or URL-safe) of the 32-byte
  seed or of the DER encoding;
- in development, without it, a key generated once into the instance folder
  (``certificate_signing_key.pem``, created atomically like the development secret key, so
  that several workers agree on one key);
- in production, without it, nothing: issuing a credential raises ``SigningKeyMissing``
  rather than signing with a key nobody configured (everything else keeps working).

The public half is published as a JWK set (RFC 7517) at /verify/issuer/keys.json; its ``kid``
is the key's RFC 7638 thumbprint, so rotating the key changes the id.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app

from diplolearn.config import ConfigError
from diplolearn.services.certificates import SigningKeyMissing

KEY_FILE = "certificate_signing_key.pem"
_CACHE = "diplolearn.signing_key"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class SigningKey:
    private: Ed25519PrivateKey

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()

    @property
    def x(self) -> str:
        raw = self.public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return b64url(raw)

    @property
    def kid(self) -> str:
        """RFC 7638 thumbprint: SHA-256 of the required members, sorted, without spaces."""
        members = json.dumps(
            {"crv": "Ed25519", "kty": "OKP", "x": self.x}, separators=(",", ":"), sort_keys=True
        )
        return b64url(hashlib.sha256(members.encode("ascii")).digest())

    def public_jwk(self) -> dict:
        return {
            "kty": "OKP",
            "crv": "Ed25519",
            "x": self.x,
            "kid": self.kid,
            "alg": "EdDSA",
            "use": "sig",
        }


def parse_private_key(text: str) -> Ed25519PrivateKey:
    """An Ed25519 private key from PEM or base64 (seed or DER); ConfigError otherwise."""
    text = text.strip()
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_private_key(text.encode("ascii"), password=None)
        else:
            raw = base64.b64decode(
                text.replace("-", "+").replace("_", "/") + "=" * (-len(text) % 4), validate=True
            )
            key = (
                Ed25519PrivateKey.from_private_bytes(raw)
                if len(raw) == 32
                else serialization.load_der_private_key(raw, password=None)
            )
    except (ValueError, TypeError, binascii.Error, UnicodeEncodeError) as error:
        raise ConfigError(
            f"CERTIFICATE_SIGNING_KEY is not a readable private key: {error}"
        ) from error
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError("CERTIFICATE_SIGNING_KEY must be an Ed25519 key")
    return key


def _instance_key(instance_path: str) -> Ed25519PrivateKey:
    """Read the development key, creating it on first use (O_EXCL: one key for all workers)."""
    path = Path(instance_path) / KEY_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return parse_private_key(path.read_text())
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    return parse_private_key(path.read_text())


def signing_key() -> SigningKey:
    """The configured key (read once per process); SigningKeyMissing in production without."""
    app = current_app._get_current_object()
    cached = app.extensions.get(_CACHE)
    if cached is not None:
        return cached
    configured = app.config.get("CERTIFICATE_SIGNING_KEY")
    if configured:
        key = SigningKey(parse_private_key(configured))
    elif app.config.get("PRODUCTION"):
        raise SigningKeyMissing()
    else:
        key = SigningKey(_instance_key(app.instance_path))
    app.extensions[_CACHE] = key
    return key
