"""Client secrets at rest: sealed (security.sealed: Fernet under a key from the environment),
never plain in the database.

The key comes from the environment: SSO_SECRET_KEY, or SECRET_KEY when it is not set; either is
stretched with HKDF into a Fernet key, so any long random string will do. Changing the key
makes stored secrets unreadable: the administrator then types them again (or names an
environment variable instead, which is the way that never stores a secret at all).
"""

from __future__ import annotations

import logging
import os

from diplolearn.models import SsoProvider
from diplolearn.security.sealed import InvalidToken, seal, unseal
from diplolearn.services.sso import ProviderUnavailable, SecretMissing

log = logging.getLogger(__name__)


PURPOSE = "sso client secret"


def encrypt(secret: str) -> str:
    return seal(secret, PURPOSE, "SSO_SECRET_KEY")


def client_secret(provider: SsoProvider) -> str:
    """The provider's client secret, from the named environment variable or decrypted."""
    if provider.client_secret_env:
        value = os.environ.get(provider.client_secret_env, "")
        if not value:
            log.error("sso: environment variable %s is empty", provider.client_secret_env)
            raise SecretMissing()
        return value
    if not provider.client_secret_encrypted:
        raise SecretMissing()
    try:
        return unseal(provider.client_secret_encrypted, PURPOSE, "SSO_SECRET_KEY")
    except InvalidToken:
        log.error("sso: the client secret of provider %s cannot be decrypted", provider.id)
        raise ProviderUnavailable() from None
