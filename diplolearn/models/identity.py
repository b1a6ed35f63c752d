"""Signing in through a ministry's own identity provider (OpenID Connect, issue 21).

- ``SsoProvider``: one ministry's provider, set up by an administrator: its issuer, the client
  DiploLearn is registered as, where the client secret comes from (an environment variable
  named here, or the secret itself encrypted with a key from the environment: never in clear),
  the email domains it covers, the claim carrying the staff id, whether unknown people may get
  an account on their first sign-in, and whether its staff must sign in through it.
- ``SsoUsedCode``: the digest of every authorisation code that signed someone in, so that a
  code replayed to the callback is refused even if the provider would accept it again.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diplolearn.models.base import Base, TimestampMixin, utcnow
from diplolearn.models.organisations import Ministry


class SsoProvider(TimestampMixin, Base):
    __tablename__ = "sso_provider"

    id: Mapped[int] = mapped_column(primary_key=True)
    ministry_id: Mapped[int] = mapped_column(sa.ForeignKey("ministry.id"), unique=True)
    issuer: Mapped[str] = mapped_column(sa.String(500))
    client_id: Mapped[str] = mapped_column(sa.String(255))
    # Either the name of an environment variable holding the secret...
    client_secret_env: Mapped[str] = mapped_column(sa.String(100), default="")
    # ...or the secret itself, Fernet-encrypted (services/sso/secrets.py).
    client_secret_encrypted: Mapped[str | None] = mapped_column(sa.Text)
    # Lower-case domains, e.g. ["mofa.gov.example"]; each belongs to one provider at most.
    email_domains: Mapped[list] = mapped_column(sa.JSON, default=list)
    # The ID token claim carrying StaffMembership.staff_id (empty: match by email only).
    staff_id_claim: Mapped[str] = mapped_column(sa.String(100), default="")
    allow_jit: Mapped[bool] = mapped_column(default=False)
    mandatory: Mapped[bool] = mapped_column(default=False)
    is_enabled: Mapped[bool] = mapped_column(default=True)

    ministry: Mapped[Ministry] = relationship()

    def covers(self, email: str) -> bool:
        domain = (email or "").rpartition("@")[2].strip().lower()
        return bool(domain) and domain in (self.email_domains or [])


class SsoUsedCode(Base):
    __tablename__ = "sso_used_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(sa.ForeignKey("sso_provider.id"), index=True)
    code_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    used_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
