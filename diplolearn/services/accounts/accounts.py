"""Accounts: creating people, granting roles, invitations, passwords and sign-in.

Tokens are random (32 bytes, URL-safe), stored only as SHA-256 digests, one-time and expiring.
Looking a token up never uses it: mail gateways of governments open links before the person
does, so only the form that sets a password consumes the token.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import sqlalchemy as sa
from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from diplolearn.extensions import db
from diplolearn.models import Role, RoleGrant, TokenPurpose, User, UserToken, utcnow
from diplolearn.models.accounts import ROLE_SCOPE, normalise_email
from diplolearn.services import audit
from diplolearn.services.accounts import (
    AccountInactive,
    EmailTaken,
    InvalidCredentials,
    TokenExpired,
    TokenInvalid,
    TokenUsed,
    WeakPassword,
)
from diplolearn.services.outbox import public_url, queue_mail
from diplolearn.services.signin import AccountSuspended
from diplolearn.services.sso import SignInThroughMinistry
from diplolearn.services.sso import providers as sso_providers

# Verified against when the email is unknown, so that a wrong email costs as long as a wrong
# password and response times do not reveal who has an account.
_DUMMY_HASH = None


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(
        sa.select(User).where(sa.func.lower(User.email) == normalise_email(email))
    )


def create_user(
    email: str,
    *,
    name_ar: str = "",
    name_latin: str = "",
    interface_language: str | None = None,
    reading_language: str | None = None,
    timezone: str = "UTC",
    password: str | None = None,
    created_by: User | None = None,
) -> User:
    if find_user_by_email(email) is not None:
        raise EmailTaken()
    user = User(
        email=email,
        name_ar=name_ar,
        name_latin=name_latin,
        interface_language=interface_language,
        reading_language=reading_language,
        timezone=timezone,
    )
    if password is not None:
        _set_password_hash(user, password)
    db.session.add(user)
    db.session.flush()
    audit.record(created_by, "user.create", subject=user)
    return user


def grant_role(
    user: User, role: Role | str, scope_id: int | None = None, granted_by: User | None = None
) -> RoleGrant:
    role = Role(role)
    column = ROLE_SCOPE[role]
    if (column is None) != (scope_id is None):
        raise ValueError(f"{role.value} needs {'no scope' if column is None else column}")
    key = RoleGrant.make_scope_key(role, scope_id)
    existing = next((g for g in user.grants if g.role == role and g.scope_key == key), None)
    if existing is not None:
        return existing
    grant = RoleGrant(role=role.value, scope_key=key, granted_by_id=getattr(granted_by, "id", None))
    if column is not None:
        setattr(grant, column, scope_id)
    user.grants.append(grant)
    db.session.flush()
    audit.record(
        granted_by,
        "role.grant",
        subject=user,
        target=grant,
        role=role.value,
        scope=key,
        ministry_id=grant.ministry_id,
    )
    return grant


def revoke_role(grant: RoleGrant, revoked_by: User | None = None) -> None:
    audit.record(
        revoked_by,
        "role.revoke",
        subject=grant.user,
        role=grant.role,
        scope=grant.scope_key,
        ministry_id=grant.ministry_id,
    )
    grant.user.grants.remove(grant)
    db.session.flush()


# --- passwords -----------------------------------------------------------------------------


def check_password_strength(password: str, user: User | None = None) -> None:
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password or "") < minimum:
        raise WeakPassword()
    if user is not None and password.strip().lower() == user.email:
        raise WeakPassword()


def _set_password_hash(user: User, password: str) -> None:
    check_password_strength(password, user)
    user.password_hash = generate_password_hash(
        password, method=current_app.config["PASSWORD_HASH_METHOD"]
    )


def set_password(user: User, password: str) -> None:
    """Set a new password and end every session that carried the old one."""
    _set_password_hash(user, password)
    user.session_epoch += 1
    db.session.flush()


def authenticate(email: str, password: str) -> User:
    global _DUMMY_HASH
    user = find_user_by_email(email)
    # Issue 21: a ministry may refuse its staff's passwords; by domain before the password is
    # checked (domains are public), by membership only after (it would tell who has an account).
    if sso_providers.mandatory_provider_for(user, email, by_membership=False):
        raise SignInThroughMinistry()
    if user is None or user.password_hash is None:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = generate_password_hash(
                secrets.token_hex(8), method=current_app.config["PASSWORD_HASH_METHOD"]
            )
        check_password_hash(_DUMMY_HASH, password or "")
        raise InvalidCredentials()
    if not check_password_hash(user.password_hash, password or ""):
        raise InvalidCredentials()
    if sso_providers.mandatory_provider_for(user, email):
        raise SignInThroughMinistry()
    if not user.is_active:
        raise AccountInactive()
    user.last_login_at = utcnow()
    return user


def change_password(user: User, current: str, new: str) -> None:
    if user.password_hash is None or not check_password_hash(user.password_hash, current or ""):
        raise InvalidCredentials()
    set_password(user, new)
    audit.record(user, "user.password_change", subject=user)


# --- one-time tokens -----------------------------------------------------------------------


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(
    user: User,
    purpose: TokenPurpose,
    created_by: User | None = None,
    now: dt.datetime | None = None,
) -> str:
    """Create a token, supersede older unused ones of the same purpose; return the raw value."""
    now = now or utcnow()
    hours = current_app.config[
        "INVITATION_TTL_HOURS" if purpose == TokenPurpose.INVITATION else "PASSWORD_RESET_TTL_HOURS"
    ]
    db.session.execute(
        sa.update(UserToken)
        .where(
            UserToken.user_id == user.id,
            UserToken.purpose == purpose,
            UserToken.used_at.is_(None),
            UserToken.superseded_at.is_(None),
        )
        .values(superseded_at=now)
        .execution_options(synchronize_session=False)
    )
    raw = secrets.token_urlsafe(32)
    db.session.add(
        UserToken(
            user_id=user.id,
            purpose=purpose.value,
            token_digest=_digest(raw),
            created_at=now,
            expires_at=now + dt.timedelta(hours=hours),
            created_by_id=getattr(created_by, "id", None),
        )
    )
    db.session.flush()
    return raw


def find_token(raw: str, purpose: TokenPurpose, now: dt.datetime | None = None) -> UserToken:
    """Look a token up without using it. Raises TokenInvalid, TokenUsed or TokenExpired."""
    now = now or utcnow()
    if not raw or len(raw) > 128:
        raise TokenInvalid()
    token = db.session.scalar(
        sa.select(UserToken).where(
            UserToken.token_digest == _digest(raw), UserToken.purpose == purpose
        )
    )
    if token is None:
        raise TokenInvalid()
    if token.used_at is not None:
        raise TokenUsed()
    if token.user.suspended_at is not None:  # issue 21: no route signs a suspended person in
        raise AccountSuspended()
    if token.superseded_at is not None or token.expires_at <= now or not token.user.is_active:
        raise TokenExpired()
    return token


def _use_token(raw: str, purpose: TokenPurpose, password: str) -> User:
    token = find_token(raw, purpose)
    user = token.user
    check_password_strength(password, user)
    # Conditional update: two submissions racing on one token cannot both succeed.
    now = utcnow()
    result = db.session.execute(
        sa.update(UserToken)
        .where(UserToken.id == token.id, UserToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise TokenUsed()
    db.session.refresh(token)
    set_password(user, password)
    return user


def invite(user: User, invited_by: User | None = None) -> str:
    """Queue an invitation mail with a fresh token (older invitations stop working)."""
    raw = issue_token(user, TokenPurpose.INVITATION, created_by=invited_by)
    queue_mail(
        "invitation",
        user,
        link=public_url("auth.accept_invitation", token=raw),
        inviter=invited_by,
        ttl_days=current_app.config["INVITATION_TTL_HOURS"] // 24,
    )
    audit.record(invited_by, "user.invite", subject=user)
    return raw


def accept_invitation(raw: str, password: str) -> User:
    user = _use_token(raw, TokenPurpose.INVITATION, password)
    audit.record(user, "user.accept_invitation", subject=user)
    return user


def request_password_reset(email: str) -> str | None:
    """Queue a reset mail if the address belongs to an active account. Says nothing either way."""
    user = find_user_by_email(email)
    if user is None or not user.is_active or user.password_hash is None:
        return None
    raw = issue_token(user, TokenPurpose.PASSWORD_RESET)
    queue_mail(
        "password_reset",
        user,
        link=public_url("auth.reset_password", token=raw),
        ttl_hours=current_app.config["PASSWORD_RESET_TTL_HOURS"],
    )
    return raw


def reset_password(raw: str, password: str) -> User:
    user = _use_token(raw, TokenPurpose.PASSWORD_RESET, password)
    audit.record(user, "user.password_reset", subject=user)
    return user


def resend_token_for(raw: str, purpose: TokenPurpose) -> User | None:
    """For an expired link: send a new one to the same person (never to another address)."""
    try:
        find_token(raw, purpose)
    except TokenExpired:
        token = db.session.scalar(
            sa.select(UserToken).where(UserToken.token_digest == _digest(raw))
        )
        if token is None or not token.user.is_active:
            return None
        if purpose == TokenPurpose.INVITATION:
            invite(token.user)
        else:
            request_password_reset(token.user.email)
        return token.user
    except (TokenInvalid, TokenUsed, AccountSuspended):
        return None
    return None
