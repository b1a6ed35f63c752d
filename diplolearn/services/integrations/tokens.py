"""API tokens: created, revoked, found by their raw value, and the viewer each acts as.

A raw token is ``dlk_`` followed by 32 random bytes (URL-safe base64); only its SHA-256
digest is stored, with its first twelve characters to tell tokens apart on screen. The raw
value is shown once, when the token is created.

Who a token acts as, in the scoping loaders (``viewer_for``):
- a ministry token: a stand-in for that ministry's coordinator (``MinistryViewer``), so every
  loader intersects with that ministry exactly as it does for a coordinator's pages;
- a personal token: its user, with their teaching grants only (``TeachingViewer``): an
  instructor's token never carries the coordinator's or administrator's powers they may also
  hold, and stops working when the user is no longer active.

The actor recorded in the audit trail for what a token changes (``actor_for``) is the person
who answers for it: the personal token's user, or the ministry token's creator (None for a
token made on the command line, recorded as the system).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from diplolearn.extensions import db
from diplolearn.models import ApiToken, ApiTokenKind, Ministry, Role, User, utcnow
from diplolearn.services import audit
from diplolearn.services.errors import MinistryInactive, NotAllowed
from diplolearn.services.integrations import (
    ALL_SCOPES,
    PERSONAL_SCOPES,
    READ_SCOPES,
    ScopeNotAllowed,
    TokenAlreadyRevoked,
    TokenLifetimeInvalid,
    TokenNameMissing,
    UnknownScope,
)

PREFIX = "dlk_"
SHOWN_CHARACTERS = 12
DEFAULT_LIFETIME_DAYS = 365
MAX_LIFETIME_DAYS = 730
TEACHING_ROLES = (Role.INSTRUCTOR, Role.LEAD_INSTRUCTOR)
# last_used_at is written at most this often per token, so reads do not write on every call.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def new_raw_token() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def may_hold_personal_token(user: User) -> bool:
    return user.is_active and any(user.has_role(role) for role in TEACHING_ROLES)


def _checked(name: str, scopes, kind: str, lifetime_days: int) -> tuple[str, list[str]]:
    name = " ".join((name or "").split())
    if not name or len(name) > 100:
        raise TokenNameMissing()
    wanted = (
        sorted(set(scopes))
        if scopes
        else list(PERSONAL_SCOPES if kind == ApiTokenKind.PERSONAL else READ_SCOPES)
    )
    if any(scope not in ALL_SCOPES for scope in wanted):
        raise UnknownScope()
    if kind == ApiTokenKind.PERSONAL and any(s not in PERSONAL_SCOPES for s in wanted):
        raise ScopeNotAllowed()
    if not 1 <= lifetime_days <= MAX_LIFETIME_DAYS:
        raise TokenLifetimeInvalid()
    return name, wanted


def create_token(
    *,
    name: str,
    by: User | None,
    ministry: Ministry | None = None,
    user: User | None = None,
    scopes=None,
    lifetime_days: int = DEFAULT_LIFETIME_DAYS,
    raw: str | None = None,
    now: dt.datetime | None = None,
) -> tuple[ApiToken, str]:
    """A ministry token (``ministry``) or a personal token (``user``); returns (token, raw).
    Without ``scopes`` a token gets the read scopes. ``raw`` is for the development demo only
    (a known value); everything else gets a fresh random one. Audited."""
    kind = ApiTokenKind.MINISTRY if ministry is not None else ApiTokenKind.PERSONAL
    name, wanted = _checked(name, scopes, kind, lifetime_days)
    if ministry is not None and not ministry.is_active:
        raise MinistryInactive()
    if kind == ApiTokenKind.PERSONAL and (user is None or not may_hold_personal_token(user)):
        raise NotAllowed()
    now = now or utcnow()
    raw = raw or new_raw_token()
    token = ApiToken(
        name=name,
        kind=kind,
        ministry_id=ministry.id if ministry is not None else None,
        user_id=user.id if kind == ApiTokenKind.PERSONAL else None,
        token_digest=digest(raw),
        prefix=raw[:SHOWN_CHARACTERS],
        scopes=wanted,
        created_at=now,
        created_by_id=by.id if by is not None else None,
        expires_at=now + dt.timedelta(days=lifetime_days),
    )
    db.session.add(token)
    db.session.flush()
    audit.record(
        by,
        "api_token.create",
        subject=user if kind == ApiTokenKind.PERSONAL else None,
        ministry_id=token.ministry_id,
        target=token,
        kind=str(kind),
        name=name,
        scopes=wanted,
        expires_at=token.expires_at.isoformat(),
    )
    return token, raw


def revoke(token: ApiToken, by: User | None, now: dt.datetime | None = None) -> None:
    if token.revoked_at is not None:
        raise TokenAlreadyRevoked()
    token.revoked_at = now or utcnow()
    token.revoked_by_id = by.id if by is not None else None
    db.session.flush()
    audit.record(
        by,
        "api_token.revoke",
        subject=token.user if token.kind == ApiTokenKind.PERSONAL else None,
        ministry_id=token.ministry_id,
        target=token,
        name=token.name,
    )


def find_by_raw(raw: str) -> ApiToken | None:
    """The token with this raw value, whatever its state (the caller checks ``usable``)."""
    if not raw.startswith(PREFIX) or len(raw) > 200:
        return None
    return db.session.scalar(
        sa.select(ApiToken)
        .where(ApiToken.token_digest == digest(raw))
        .options(joinedload(ApiToken.user), joinedload(ApiToken.ministry))
    )


def authenticate(raw: str, now: dt.datetime | None = None) -> ApiToken | None:
    """The token if it may be used now: known, not revoked, not expired, and for a personal
    token a user who is still active and still teaches. None otherwise."""
    token = find_by_raw(raw)
    if token is None or not token.usable(now):
        return None
    if token.kind == ApiTokenKind.PERSONAL and not may_hold_personal_token(token.user):
        return None
    return token


def needs_touch(token: ApiToken, now: dt.datetime) -> bool:
    return token.last_used_at is None or token.last_used_at <= now - LAST_USED_RESOLUTION


def touch(token_id: int, now: dt.datetime | None = None) -> bool:
    """Record the token's use, at most once a minute: a conditional update, so concurrent
    requests write it once. True when this call wrote it."""
    now = now or utcnow()
    return (
        db.session.execute(
            sa.update(ApiToken)
            .where(
                ApiToken.id == token_id,
                sa.or_(
                    ApiToken.last_used_at.is_(None),
                    ApiToken.last_used_at <= now - LAST_USED_RESOLUTION,
                ),
            )
            .values(last_used_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )


# --- listing, for the integrations pages -------------------------------------------------------


def ministry_tokens(ministry_id: int) -> list[ApiToken]:
    """The ministry's tokens, newest first (the view loads the ministry through the scope)."""
    return list(
        db.session.scalars(
            sa.select(ApiToken)
            .where(ApiToken.ministry_id == ministry_id)
            .options(joinedload(ApiToken.created_by))
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def ministry_token(ministry_id: int, token_id: int) -> ApiToken | None:
    return db.session.scalar(
        sa.select(ApiToken).where(ApiToken.id == token_id, ApiToken.ministry_id == ministry_id)
    )


def personal_tokens(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(
            sa.select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def personal_token(user: User, token_id: int) -> ApiToken | None:
    return db.session.scalar(
        sa.select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)
    )


def ministry_by_code(code: str) -> Ministry | None:
    return db.session.scalar(sa.select(Ministry).where(Ministry.code == code))


def named_ministry_token(ministry_id: int, name: str) -> ApiToken | None:
    """A usable ministry token of this name (for the idempotent development demo)."""
    now = utcnow()
    return db.session.scalar(
        sa.select(ApiToken).where(
            ApiToken.ministry_id == ministry_id,
            ApiToken.name == name,
            ApiToken.revoked_at.is_(None),
            ApiToken.expires_at > now,
        )
    )


# --- whom a token acts as ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Grant:
    role: str
    ministry_id: int | None = None
    course_id: int | None = None
    cohort_id: int | None = None
    tutor_group_id: int | None = None


@dataclass(frozen=True)
class TokenViewer:
    """What the scoping loaders read of a viewer (``id``, ``grants``, ``has_role``), for a
    token: never a signed-in person, never an administrator."""

    id: int
    grants: tuple = field(default_factory=tuple)
    is_active: bool = True
    is_authenticated: bool = True

    def has_role(self, role: str) -> bool:
        return any(grant.role == role for grant in self.grants)

    @property
    def is_administrator(self) -> bool:
        return False


def viewer_for(token: ApiToken) -> TokenViewer:
    """A ministry token: its ministry's coordinator (id 0, nobody's); a personal token: its
    user with their teaching grants only (see the module docstring)."""
    if token.kind == ApiTokenKind.MINISTRY:
        return TokenViewer(id=0, grants=(_Grant(Role.COORDINATOR, ministry_id=token.ministry_id),))
    teaching = tuple(
        _Grant(g.role, g.ministry_id, g.course_id, g.cohort_id, g.tutor_group_id)
        for g in token.user.grants
        if g.role in TEACHING_ROLES
    )
    return TokenViewer(id=token.user_id, grants=teaching)


def actor_for(token: ApiToken) -> User | None:
    if token.kind == ApiTokenKind.PERSONAL:
        return token.user
    return db.session.get(User, token.created_by_id) if token.created_by_id else None


def by_id(token_id: int) -> ApiToken | None:
    """Any token by its id (the command line, which has no viewer)."""
    return db.session.get(ApiToken, token_id)


def record_write(token: ApiToken, actor: User | None, method: str, path: str, status: int) -> None:
    """Beside the change's own audit entries (made by the services, in ``actor``'s name): which
    token made it, so the trail tells a person's click from their system's call."""
    audit.record(
        actor,
        "api_token.write",
        ministry_id=token.ministry_id,
        target=token,
        method=method,
        path=path,
        status=status,
    )
