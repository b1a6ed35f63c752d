"""Each ministry's provider as an administrator configures it, and who it covers.

A provider covers the email domains listed for it (each domain belongs to one provider at most).
A ministry may make it mandatory: its staff, and every address of its domains, then sign in
through it only, except the platform's administrators, who keep their password so that a
provider that is down or misconfigured cannot lock the platform's own staff out.
"""

from __future__ import annotations

import re
from typing import NamedTuple
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import g, has_request_context
from sqlalchemy.exc import SQLAlchemyError

from diplolearn import page_cache
from diplolearn.extensions import db
from diplolearn.models import Ministry, SsoProvider, StaffMembership, User
from diplolearn.services import audit
from diplolearn.services.sso import DomainTaken, ProviderSettingsInvalid, SecretMissing, crypto

DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
ENV_NAME_RE = re.compile(r"^[A-Z_][A-Z0-9_]{0,99}$")
CLAIM_RE = re.compile(r"^[A-Za-z0-9_.:/-]{0,100}$")
LOOPBACK = {"localhost", "127.0.0.1", "::1"}


def email_domain(email: str) -> str:
    return (email or "").rpartition("@")[2].strip().lower()


def issuer_problem(issuer: str) -> bool:
    """True when ``issuer`` is not an https URL (http is allowed on this machine only)."""
    parts = urlsplit(issuer or "")
    if not parts.hostname or parts.query or parts.fragment:
        return True
    return parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in LOOPBACK)


def parse_domains(text: str) -> list[str]:
    """Domains from a free text (commas, spaces or lines), lower-cased, without "@"."""
    items = [d.strip().lstrip("@").lower() for d in re.split(r"[\s,;]+", text or "")]
    return sorted({d for d in items if d})


def enabled_providers() -> list[SsoProvider]:
    return list(
        db.session.scalars(
            sa.select(SsoProvider)
            .join(Ministry)
            .where(SsoProvider.is_enabled.is_(True), Ministry.is_active.is_(True))
            .order_by(SsoProvider.id)
        )
    )


# The sign-in page's read: two columns, the statement built once (it is most of the query's
# cost on a page that is otherwise kept rendered: diplolearn/page_cache.py).
_SIGN_IN_PAGE_PROVIDERS = (
    sa.select(SsoProvider.issuer, SsoProvider.email_domains)
    .join(Ministry)
    .where(SsoProvider.is_enabled.is_(True), Ministry.is_active.is_(True))
    .order_by(SsoProvider.id)
)


class SignInProvider(NamedTuple):
    """What the sign-in page knows of an enabled provider: its issuer (the origin its form may
    lead to) and the email domains its script recognises."""

    issuer: str
    email_domains: tuple[str, ...]


def enabled_providers_if_reachable() -> tuple[SignInProvider, ...]:
    """The enabled providers, or none while the database is down: the sign-in page is shown
    without its SSO enhancements then (the sign-in itself answers 503, errors.py). Read once
    per request: the page's script and its Content-Security-Policy both ask; a page served
    from the page cache sets them from what it was rendered with (``use_sign_in_providers``)."""
    if has_request_context() and "sso_enabled_providers" in g:
        return g.sso_enabled_providers
    try:
        found = tuple(
            SignInProvider(issuer, tuple(domains or ()))
            for issuer, domains in db.session.execute(_SIGN_IN_PAGE_PROVIDERS)
        )
    except SQLAlchemyError:
        db.session.rollback()
        found = ()
    use_sign_in_providers(found)
    return found


def use_sign_in_providers(found: tuple[SignInProvider, ...]) -> None:
    if has_request_context():
        g.sso_enabled_providers = found


def provider_for_email(email: str) -> SsoProvider | None:
    """The enabled provider covering the address's domain, if any."""
    domain = email_domain(email)
    if not domain:
        return None
    return next((p for p in enabled_providers() if domain in (p.email_domains or [])), None)


def provider_by_id(provider_id: int) -> SsoProvider | None:
    return db.session.get(SsoProvider, provider_id)


def provider_of_ministry(ministry: Ministry) -> SsoProvider | None:
    return db.session.scalar(sa.select(SsoProvider).where(SsoProvider.ministry_id == ministry.id))


def covered_domains() -> list[str]:
    """Every domain an enabled provider covers (the sign-in form's script reads them)."""
    return sorted({d for p in enabled_providers_if_reachable() for d in (p.email_domains or [])})


def mandatory_provider_for(
    user: User | None, email: str, *, by_membership: bool = True
) -> SsoProvider | None:
    """The provider through which this person must sign in, if their ministry requires one:
    by the address's domain, and (``by_membership``) by the person's current ministry."""
    if user is not None and user.is_administrator:
        return None
    providers = [p for p in enabled_providers() if p.mandatory]
    if not providers:
        return None
    domain = email_domain(email)
    for provider in providers:
        if domain in (provider.email_domains or []):
            return provider
    if user is None or not by_membership:
        return None
    ministry_id = db.session.scalar(
        sa.select(StaffMembership.ministry_id).where(
            StaffMembership.user_id == user.id, StaffMembership.ended_at.is_(None)
        )
    )
    return next((p for p in providers if p.ministry_id == ministry_id), None)


def save_provider(
    ministry: Ministry,
    *,
    issuer: str,
    client_id: str,
    client_secret: str = "",
    client_secret_env: str = "",
    email_domains: list[str],
    staff_id_claim: str = "",
    allow_jit: bool = False,
    mandatory: bool = False,
    is_enabled: bool = True,
    by: User,
) -> SsoProvider:
    """Create or update the ministry's provider. An empty ``client_secret`` keeps the stored
    one; naming an environment variable drops any stored secret. Audited, without the secret."""
    issuer = (issuer or "").strip().rstrip("/")
    client_secret_env = (client_secret_env or "").strip()
    staff_id_claim = (staff_id_claim or "").strip()
    if (
        issuer_problem(issuer)
        or not (client_id or "").strip()
        or not email_domains
        or not all(DOMAIN_RE.match(d) for d in email_domains)
        or (client_secret_env and not ENV_NAME_RE.match(client_secret_env))
        or not CLAIM_RE.match(staff_id_claim)
    ):
        raise ProviderSettingsInvalid()
    provider = provider_of_ministry(ministry)
    for other in db.session.scalars(sa.select(SsoProvider)):
        if other is not provider and set(other.email_domains or []) & set(email_domains):
            raise DomainTaken()
    created = provider is None
    if created:
        provider = SsoProvider(ministry_id=ministry.id, ministry=ministry)
        db.session.add(provider)
    before = _settings(provider)
    provider.issuer = issuer
    provider.client_id = client_id.strip()
    provider.email_domains = list(email_domains)
    provider.staff_id_claim = staff_id_claim
    provider.allow_jit = bool(allow_jit)
    provider.mandatory = bool(mandatory)
    provider.is_enabled = bool(is_enabled)
    secret_changed = False
    if client_secret_env:
        secret_changed = provider.client_secret_env != client_secret_env or bool(
            provider.client_secret_encrypted
        )
        provider.client_secret_env = client_secret_env
        provider.client_secret_encrypted = None
    elif client_secret:
        provider.client_secret_env = ""
        provider.client_secret_encrypted = crypto.encrypt(client_secret)
        secret_changed = True
    elif not provider.client_secret_encrypted:
        raise SecretMissing()
    else:
        provider.client_secret_env = ""
    db.session.flush()
    after = _settings(provider)
    changes = {k: after[k] for k in after if before.get(k) != after[k]}
    if secret_changed:
        changes["client_secret"] = "changed"
    audit.record(
        by,
        "sso.provider_create" if created else "sso.provider_update",
        ministry_id=ministry.id,
        target=provider,
        changes=changes or None,
    )
    page_cache.clear()  # this worker's sign-in page shows the change at once
    return provider


def _settings(provider: SsoProvider) -> dict:
    return {
        "issuer": provider.issuer,
        "client_id": provider.client_id,
        "client_secret_env": provider.client_secret_env,
        "email_domains": list(provider.email_domains or []),
        "staff_id_claim": provider.staff_id_claim,
        "allow_jit": provider.allow_jit,
        "mandatory": provider.mandatory,
        "is_enabled": provider.is_enabled,
    }
