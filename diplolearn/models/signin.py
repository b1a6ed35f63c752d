"""What a sign-in leaves behind (issue 21).

- ``TwoFactorCredential``: a person's TOTP secret, encrypted at rest (services/signin/crypto.py),
  and the last time step used, so that a code cannot be used twice.
- ``RecoveryCode``: one-time codes for when the phone is lost, stored as SHA-256 digests.
- ``DeviceSession``: one signed-in browser. The session cookie names it; signing it out (or
  suspending the person) ends that session at its next request.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diplolearn.models.accounts import User
from diplolearn.models.base import Base, utcnow


class TwoFactorCredential(Base):
    __tablename__ = "two_factor_credential"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), unique=True)
    secret_encrypted: Mapped[str] = mapped_column(sa.Text)
    enabled_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # The TOTP time step (unix time // 30) of the last accepted code: older or equal ones fail.
    last_used_step: Mapped[int | None] = mapped_column(sa.BigInteger)

    user: Mapped[User] = relationship()


class RecoveryCode(Base):
    __tablename__ = "recovery_code"
    __table_args__ = (sa.UniqueConstraint("user_id", "code_digest"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    code_digest: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    used_at: Mapped[dt.datetime | None]


class DeviceSession(Base):
    __tablename__ = "device_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    # "password" or "sso"; whether a second factor was shown.
    method: Mapped[str] = mapped_column(sa.String(16))
    second_factor: Mapped[bool] = mapped_column(default=False)
    # A summary of the user agent ("Firefox on Windows") and the address's network
    # ("203.0.113.0/24"): enough to recognise a device, no more.
    device: Mapped[str] = mapped_column(sa.String(120), default="")
    network: Mapped[str] = mapped_column(sa.String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[dt.datetime | None]
    # "signed_out", "signed_out_elsewhere", "password_changed", "two_factor_changed",
    # "suspended".
    end_reason: Mapped[str | None] = mapped_column(sa.String(32))

    user: Mapped[User] = relationship()

    @property
    def is_open(self) -> bool:
        return self.ended_at is None
