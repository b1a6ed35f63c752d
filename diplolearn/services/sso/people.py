"""Who a verified ID token names, and the codes that may not sign anyone in twice.

A person is matched to an existing account (invited or active) by the ministry's staff-id claim
(their current StaffMembership.staff_id in that ministry), or else by an email address that
the provider reports as verified and that lies in one of the ministry's domains. Nobody is
created silently: only a ministry that allows accounts "just in time" gets a new learner
account, with a staff membership of that ministry, for a verified address of its domains.
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from diplolearn.extensions import db
from diplolearn.models import SsoProvider, SsoUsedCode, StaffMembership, User, utcnow
from diplolearn.models.accounts import normalise_email
from diplolearn.services import audit
from diplolearn.services.accounts import accounts, people
from diplolearn.services.sso import (
    CodeUsed,
    DomainNotCovered,
    EmailUnverified,
    UnknownPerson,
)

# RFC 8176 authentication method references that mean a second factor was used.
SECOND_FACTOR_AMR = frozenset({"mfa", "otp", "hwk", "swk"})


def reports_second_factor(claims: dict) -> bool:
    amr = claims.get("amr")
    if isinstance(amr, str):
        amr = [amr]
    return bool(SECOND_FACTOR_AMR & {str(v).lower() for v in amr or []})


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def check_code_unused(code: str) -> None:
    used = db.session.scalar(
        sa.select(SsoUsedCode.id).where(SsoUsedCode.code_digest == _digest(code))
    )
    if used is not None:
        raise CodeUsed()


def record_code(provider: SsoProvider, code: str) -> None:
    """Remember the code (its digest); a second use, even racing the first, is refused."""
    try:
        with db.session.begin_nested():
            db.session.add(SsoUsedCode(provider_id=provider.id, code_digest=_digest(code)))
    except IntegrityError:
        raise CodeUsed() from None


def end_reads() -> None:
    """End a GET's read-only transaction, so that the write that follows begins afresh under
    the write lock (``unit_of_work.write_lock``); the callback is a GET that writes."""
    db.session.rollback()


def _verified(claims: dict) -> bool:
    value = claims.get("email_verified")
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _by_staff_id(provider: SsoProvider, claims: dict) -> User | None:
    if not provider.staff_id_claim:
        return None
    value = claims.get(provider.staff_id_claim)
    if not isinstance(value, str | int) or isinstance(value, bool) or str(value) == "":
        return None
    return db.session.scalar(
        sa.select(User)
        .join(StaffMembership, StaffMembership.user_id == User.id)
        .where(
            StaffMembership.ministry_id == provider.ministry_id,
            StaffMembership.staff_id == str(value),
            StaffMembership.ended_at.is_(None),
        )
    )


def _checked_email(provider: SsoProvider, claims: dict) -> str:
    email = (
        normalise_email(claims.get("email") or "") if isinstance(claims.get("email"), str) else ""
    )
    if not email:
        raise UnknownPerson()
    if not provider.covers(email):
        raise DomainNotCovered()
    if not _verified(claims):
        raise EmailUnverified()
    return email


def person_for(provider: SsoProvider, claims: dict) -> User:
    """The account the claims name (created just in time where the ministry allows it)."""
    user = _by_staff_id(provider, claims)
    if user is None:
        email = _checked_email(provider, claims)
        user = accounts.find_user_by_email(email)
        if user is None:
            if not provider.allow_jit:
                raise UnknownPerson()
            user = _create_just_in_time(provider, claims, email)
    # A suspended or deactivated person is refused by finish_sign_in (auth/signin.py), the
    # one place every sign-in route ends in; nothing about them is changed here.
    if user.is_active:
        user.last_login_at = utcnow()
    return user


def _create_just_in_time(provider: SsoProvider, claims: dict, email: str) -> User:
    name = claims.get("name") if isinstance(claims.get("name"), str) else ""
    locale = str(claims.get("locale") or "")[:2].lower()
    language = locale if locale in ("ar", "en", "fr") else None
    user = accounts.create_user(
        email, name_latin=name[:200], interface_language=language, reading_language=language
    )
    staff_id = claims.get(provider.staff_id_claim) if provider.staff_id_claim else None
    people.join_ministry(
        user,
        provider.ministry,
        staff_id=str(staff_id)[:64] if isinstance(staff_id, str | int) and staff_id != "" else None,
    )
    audit.record(
        None, "sso.account_created", subject=user, ministry_id=provider.ministry_id, target=provider
    )
    return user
