"""Talking to a provider: its metadata, its keys, the authorisation request, the code exchange,
and the verification of the ID token it sends back.

Metadata (``/.well-known/openid-configuration``) and keys (JWKS) are cached per process for
SSO_CACHE_SECONDS; a token signed with a key id the cache does not know makes one fresh fetch
of the keys (providers rotate them), and is refused if the key is still unknown. The ID token
comes straight from the token endpoint, and is still checked in full: its signature (RS/PS/ES
algorithms only, never "none" or a shared-secret HMAC), issuer, audience, expiry and nonce.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlencode

import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from flask import current_app
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from diplolearn.models import SsoProvider
from diplolearn.services.sso import (
    CodeUsed,
    NonceMismatch,
    ProviderUnavailable,
    TokenExpired,
    TokenInvalid,
    UnknownKey,
    WrongAudience,
    crypto,
)

log = logging.getLogger(__name__)

ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
SCOPE = "openid email profile"
_lock = threading.Lock()
_metadata: dict[str, tuple[float, dict]] = {}
_keys: dict[str, tuple[float, KeySet]] = {}


def clear_caches() -> None:
    with _lock:
        _metadata.clear()
        _keys.clear()


def _get_json(url: str) -> dict:
    try:
        response = requests.get(url, timeout=current_app.config["SSO_HTTP_TIMEOUT"])
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError) as error:
        log.warning("sso: %s could not be read: %s", url, error)
        raise ProviderUnavailable() from None
    if not isinstance(data, dict):
        raise ProviderUnavailable()
    return data


def _fresh(entry, now: float) -> bool:
    return entry is not None and now - entry[0] < current_app.config["SSO_CACHE_SECONDS"]


def metadata(provider: SsoProvider) -> dict:
    """The provider's discovery document, checked to name the configured issuer."""
    issuer = provider.issuer.rstrip("/")
    now = time.monotonic()
    with _lock:
        entry = _metadata.get(issuer)
    if _fresh(entry, now):
        return entry[1]
    data = _get_json(issuer + "/.well-known/openid-configuration")
    if str(data.get("issuer", "")).rstrip("/") != issuer or not all(
        isinstance(data.get(k), str)
        for k in ("authorization_endpoint", "token_endpoint", "jwks_uri")
    ):
        log.warning("sso: the discovery document of %s is not for that issuer", issuer)
        raise ProviderUnavailable()
    with _lock:
        _metadata[issuer] = (now, data)
    return data


def cached_metadata(provider: SsoProvider) -> dict | None:
    """The metadata if already cached (never fetches: used to build headers)."""
    with _lock:
        entry = _metadata.get(provider.issuer.rstrip("/"))
    return entry[1] if entry else None


def key_set(jwks_uri: str, *, refresh: bool = False) -> KeySet:
    now = time.monotonic()
    with _lock:
        entry = _keys.get(jwks_uri)
    if not refresh and _fresh(entry, now):
        return entry[1]
    data = _get_json(jwks_uri)
    try:
        keys = KeySet.import_key_set(data)
    except (JoseError, ValueError, KeyError, TypeError):
        log.warning("sso: the keys at %s cannot be read", jwks_uri)
        raise ProviderUnavailable() from None
    with _lock:
        _keys[jwks_uri] = (now, keys)
    return keys


@dataclass
class Authorisation:
    """What the callback must find again: kept in the person's (signed) session."""

    url: str
    state: str
    nonce: str
    verifier: str


def _session(provider: SsoProvider, redirect_uri: str, secret: str = "") -> OAuth2Session:
    meta = metadata(provider)
    methods = meta.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    auth_method = (
        "client_secret_basic" if "client_secret_basic" in methods else "client_secret_post"
    )
    return OAuth2Session(
        client_id=provider.client_id,
        client_secret=secret,
        scope=SCOPE,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method=auth_method,
    )


def authorisation(provider: SsoProvider, redirect_uri: str, login_hint: str = "") -> Authorisation:
    """The provider's sign-in URL: code flow with PKCE (S256), a fresh state and nonce."""
    state, nonce, verifier = generate_token(32), generate_token(32), generate_token(64)
    extra = {"login_hint": login_hint} if login_hint else {}
    with _session(provider, redirect_uri) as oauth:
        url, _state = oauth.create_authorization_url(
            metadata(provider)["authorization_endpoint"],
            state=state,
            code_verifier=verifier,
            nonce=nonce,
            **extra,
        )
    return Authorisation(url=url, state=state, nonce=nonce, verifier=verifier)


def exchange_code(provider: SsoProvider, code: str, redirect_uri: str, verifier: str) -> dict:
    """Trade the authorisation code for tokens at the token endpoint."""
    with _session(provider, redirect_uri, crypto.client_secret(provider)) as oauth:
        try:
            token = oauth.fetch_token(
                metadata(provider)["token_endpoint"],
                grant_type="authorization_code",
                code=code,
                code_verifier=verifier,
                timeout=current_app.config["SSO_HTTP_TIMEOUT"],
            )
        except OAuthError as error:
            log.info("sso: the token endpoint refused the code: %s", error.error)
            if error.error == "invalid_grant":
                raise CodeUsed() from None
            raise ProviderUnavailable() from None
        except (requests.RequestException, ValueError) as error:
            log.warning("sso: the token endpoint could not be read: %s", error)
            raise ProviderUnavailable() from None
    if not isinstance(token.get("id_token"), str):
        raise TokenInvalid()
    return dict(token)


def verify_id_token(provider: SsoProvider, id_token: str, nonce: str) -> dict:
    """The ID token's claims, once its signature, issuer, audience, expiry and nonce hold."""
    meta = metadata(provider)
    try:
        header = jws.extract_compact(id_token.encode()).protected
    except (JoseError, ValueError, UnicodeError):
        raise TokenInvalid() from None
    if header.get("alg") not in ALGORITHMS:
        raise TokenInvalid()
    kid = header.get("kid")
    for refresh in (False, True):
        candidates = _candidates(key_set(meta["jwks_uri"], refresh=refresh), kid)
        if not candidates:
            continue  # a key id the cached keys do not know: the provider may have rotated
        claims = _first_verified(id_token, candidates)
        if claims is not None:
            return check_claims(provider, meta, claims, nonce)
        if kid:
            raise TokenInvalid()  # the named key is known, and the signature is wrong
    if kid:
        raise UnknownKey()
    raise TokenInvalid()


def _candidates(keys: KeySet, kid: str | None) -> list:
    """The keys that may have signed the token: the one it names, or (no key id) every one."""
    return [key for key in keys.keys if not kid or key.kid == kid]


def _first_verified(id_token: str, candidates: list) -> dict | None:
    for key in candidates:
        try:
            return jwt.decode(id_token, key, algorithms=list(ALGORITHMS)).claims
        except (JoseError, ValueError):
            continue
    return None


def check_claims(provider: SsoProvider, meta: dict, claims: dict, nonce: str) -> dict:
    skew = current_app.config["SSO_CLOCK_SKEW_SECONDS"]
    now = time.time()
    if claims.get("iss") != meta["issuer"] or not claims.get("sub"):
        raise TokenInvalid()
    audience = claims.get("aud")
    audiences = [audience] if isinstance(audience, str) else list(audience or [])
    if provider.client_id not in audiences:
        raise WrongAudience()
    if len(audiences) > 1 and claims.get("azp", provider.client_id) != provider.client_id:
        raise WrongAudience()
    expires = claims.get("exp")
    if not isinstance(expires, int | float) or expires + skew < now:
        raise TokenExpired()
    issued = claims.get("iat")
    if isinstance(issued, int | float) and issued - skew > now:
        raise TokenInvalid()
    if not nonce or claims.get("nonce") != nonce:
        raise NonceMismatch()
    return claims


def end_session_url(provider: SsoProvider, post_logout_redirect_uri: str) -> str | None:
    """Where to send the browser to sign out at the provider too (None if it offers nothing)."""
    try:
        endpoint = metadata(provider).get("end_session_endpoint")
    except ProviderUnavailable:
        return None
    if not isinstance(endpoint, str) or not endpoint:
        return None
    separator = "&" if "?" in endpoint else "?"
    query = urlencode(
        {"client_id": provider.client_id, "post_logout_redirect_uri": post_logout_redirect_uri}
    )
    return f"{endpoint}{separator}{query}"
