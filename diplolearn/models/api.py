"""The REST API's credentials and the requests it must not run twice (issue 17).

- ``ApiToken``: a bearer token, stored as the SHA-256 digest of a high-entropy random value
  with a recognisable prefix (``dlk_``; only the first characters are kept in clear, to tell
  tokens apart on the integrations page). A *ministry* token acts as that ministry's
  coordinator would (``ministry_id``); a *personal* token acts with its user's own scope
  (``user_id``) and stops working when that user is no longer active. Each carries scopes
  (``staff:read``, ``nominations:write``, ...), an expiry, when it was last used (recorded at
  most once a minute), and when it was revoked.
- ``IdempotencyKey``: a POST or PUT that carried an ``Idempotency-Key`` header: the digest of
  what was asked (method, path and body) and the response given, so a replay gets the same
  response and a different request under the same key is refused.
"""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diplolearn.models.base import Base, utcnow


class ApiTokenKind(enum.StrEnum):
    MINISTRY = "ministry"
    PERSONAL = "personal"


class ApiToken(Base):
    __tablename__ = "api_token"
    __table_args__ = (
        sa.CheckConstraint(
            "(kind = 'ministry' AND ministry_id IS NOT NULL AND user_id IS NULL) OR "
            "(kind = 'personal' AND user_id IS NOT NULL AND ministry_id IS NULL)",
            name="owner_matches_kind",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    kind: Mapped[str] = mapped_column(sa.String(16))
    ministry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ministry.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    token_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # The first characters of the raw token ("dlk_" and a few more), never enough to use it.
    prefix: Mapped[str] = mapped_column(sa.String(16))
    scopes: Mapped[list] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    expires_at: Mapped[dt.datetime]
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    ministry = relationship("Ministry")
    user = relationship("User", foreign_keys=[user_id])
    created_by = relationship("User", foreign_keys=[created_by_id])

    def usable(self, now: dt.datetime | None = None) -> bool:
        """Neither revoked nor expired (a personal token also needs an active user)."""
        now = now or utcnow()
        return self.revoked_at is None and self.expires_at > now

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.kind} {self.prefix}>"


class IdempotencyKey(Base):
    __tablename__ = "idempotency_key"
    __table_args__ = (sa.UniqueConstraint("token_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int] = mapped_column(sa.ForeignKey("api_token.id"), index=True)
    key: Mapped[str] = mapped_column(sa.String(255))
    # SHA-256 of the method, the path and the body: the same key with another request is refused.
    request_digest: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[int]
    response: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
