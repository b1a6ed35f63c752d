"""People and what they may do.

- ``User``: one person, with names in Arabic and Latin script, languages and a time zone.
  Learning happens through an ``Enrolment`` (organisations.py), never through a role flag.
- ``RoleGrant``: a role held within a scope: administrator (site), coordinator (of a ministry),
  instructor (of a course), lead instructor (of a cohort), tutor (of a tutor group). A person may
  hold many at once, and be a learner elsewhere.
- ``UserToken``: one-time, expiring tokens for invitations and password resets, stored hashed.
"""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from diplolearn.models.base import Base, TimestampMixin, utcnow
from diplolearn.textnorm import collapse_spaces, name_sort_key, nfc


def normalise_email(email: str) -> str:
    return collapse_spaces(nfc(email or "")).lower()


class User(UserMixin, TimestampMixin, Base):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    name_ar: Mapped[str] = mapped_column(sa.String(200), default="")
    name_latin: Mapped[str] = mapped_column(sa.String(200), default="")
    sort_key: Mapped[str] = mapped_column(sa.String(1024), index=True, default="")
    interface_language: Mapped[str | None] = mapped_column(sa.String(8))
    reading_language: Mapped[str | None] = mapped_column(sa.String(8))
    timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    # Whether announcements and similar notices are also sent by mail (always on the dashboard).
    notify_by_mail: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    is_active_account: Mapped[bool] = mapped_column("is_active", default=True)
    # Bumped when the password changes: every session carrying the old value ends.
    session_epoch: Mapped[int] = mapped_column(default=0)
    last_login_at: Mapped[dt.datetime | None]
    erased_at: Mapped[dt.datetime | None]
    # Suspension (issue 21): a suspended person cannot sign in by any route and is_active is
    # false, so their sessions and API tokens stop working; their records are kept.
    suspended_at: Mapped[dt.datetime | None]
    suspended_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    suspension_reason: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    # Issue 14: the calendar feed. Its secret URL is an HMAC of the id and this salt under the
    # SECRET_KEY (services/calendar); a new salt regenerates it; revoked_at turns it off.
    calendar_salt: Mapped[str] = mapped_column(sa.String(32), default="", server_default="")
    calendar_revoked_at: Mapped[dt.datetime | None]
    # Issue 20: unread notifications, kept by services.notifications beside each change so the
    # navigation shows it without a query; and when the last daily digest was queued.
    unread_notifications: Mapped[int] = mapped_column(default=0, server_default="0")
    notification_digest_at: Mapped[dt.datetime | None]

    grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="user", cascade="all, delete-orphan", foreign_keys="RoleGrant.user_id"
    )

    @validates("email")
    def _normalise_email(self, _key, value):
        return normalise_email(value)

    @validates("name_ar", "name_latin")
    def _normalise_name(self, key, value):
        value = collapse_spaces(nfc(value or ""))
        other = self.name_latin if key == "name_ar" else self.name_ar
        ar, latin = (value, other) if key == "name_ar" else (other, value)
        self.sort_key = name_sort_key(ar, latin)
        return value

    # Flask-Login
    @property
    def is_active(self) -> bool:
        return self.is_active_account and self.erased_at is None and self.suspended_at is None

    # The signed-in device (models/signin.py DeviceSession) this object was loaded for or
    # signed in on; not a column. auth/sessions.py sets it.
    device_session_id = None

    def get_id(self) -> str:
        return f"{self.id}.{self.session_epoch}.{self.device_session_id or 0}"

    @property
    def display_name(self) -> str:
        return self.name_latin or self.name_ar or self.email

    def display_name_for(self, language: str) -> str:
        if language == "ar" and self.name_ar:
            return self.name_ar
        return self.name_latin or self.name_ar or self.email

    @property
    def has_password(self) -> bool:
        return self.password_hash is not None

    def has_role(self, role: str) -> bool:
        return any(grant.role == role for grant in self.grants)

    @property
    def is_administrator(self) -> bool:
        return self.has_role(Role.ADMINISTRATOR)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


# Unique regardless of case, enforced by the database on SQLite and PostgreSQL alike (the
# validator also stores emails lower-cased, so this index guards writes that bypass the ORM).
sa.Index("uq_user_email_lower", sa.func.lower(User.email), unique=True)


class Role(enum.StrEnum):
    ADMINISTRATOR = "administrator"
    COORDINATOR = "coordinator"
    INSTRUCTOR = "instructor"
    LEAD_INSTRUCTOR = "lead_instructor"
    TUTOR = "tutor"


# Which scope column each role must carry; every other scope column must be empty.
ROLE_SCOPE = {
    Role.ADMINISTRATOR: None,
    Role.COORDINATOR: "ministry_id",
    Role.INSTRUCTOR: "course_id",
    Role.LEAD_INSTRUCTOR: "cohort_id",
    Role.TUTOR: "tutor_group_id",
}
_SCOPE_COLUMNS = ("ministry_id", "course_id", "cohort_id", "tutor_group_id")


def _scope_check() -> str:
    clauses = []
    for role, column in ROLE_SCOPE.items():
        parts = [f"role = '{role.value}'"]
        for col in _SCOPE_COLUMNS:
            parts.append(f"{col} IS NOT NULL" if col == column else f"{col} IS NULL")
        clauses.append("(" + " AND ".join(parts) + ")")
    return " OR ".join(clauses)


class RoleGrant(Base):
    __tablename__ = "role_grant"
    __table_args__ = (
        sa.CheckConstraint(_scope_check(), name="scope_matches_role"),
        sa.UniqueConstraint("user_id", "role", "scope_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    role: Mapped[str] = mapped_column(sa.String(32))
    ministry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ministry.id"), index=True)
    course_id: Mapped[int | None] = mapped_column(sa.ForeignKey("course.id"), index=True)
    cohort_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cohort.id"), index=True)
    tutor_group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tutor_group.id"), index=True)
    # "site", "ministry:3", "course:5", ...: one string so the unique constraint sees NULL scopes.
    scope_key: Mapped[str] = mapped_column(sa.String(64))
    granted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="grants", foreign_keys=[user_id])

    @staticmethod
    def make_scope_key(role: str, scope_id: int | None) -> str:
        column = ROLE_SCOPE[Role(role)]
        return "site" if column is None else f"{column.removesuffix('_id')}:{scope_id}"


class TokenPurpose(enum.StrEnum):
    INVITATION = "invitation"
    PASSWORD_RESET = "password_reset"


class UserToken(Base):
    """A one-time token sent by mail. Only its SHA-256 digest is stored."""

    __tablename__ = "user_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    purpose: Mapped[str] = mapped_column(sa.String(32))
    token_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]
    # Set when a newer token of the same purpose replaces this one (a re-sent invitation).
    superseded_at: Mapped[dt.datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
