"""Staff rosters: a coordinator's CSV file kept between its preview and its confirmation, and
the invitations an import leaves for the job command to send.

- ``RosterUpload``: the uploaded file's bytes and SHA-256 digest, tied to the ministry and the
  coordinator who uploaded it, and the mode chosen (``sync`` also ends the memberships of
  people missing from the file). Confirming re-reads and re-validates these very bytes; once
  applied, the content is dropped (only the digest and the counts stay), and the job command
  purges uploads left unconfirmed.
- ``PendingInvitation``: a person an import created (or re-addressed) who still needs an
  invitation mail. ``flask jobs run`` issues the token and queues the mail in the outbox, so a
  5,000-row import never renders 5,000 mails inside the request.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from diplolearn.models.base import Base, utcnow


class RosterUpload(Base):
    __tablename__ = "roster_upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    ministry_id: Mapped[int] = mapped_column(sa.ForeignKey("ministry.id"), index=True)
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(255), default="")
    digest: Mapped[str] = mapped_column(sa.String(64))
    size: Mapped[int] = mapped_column(default=0)
    content: Mapped[bytes] = deferred(mapped_column(sa.LargeBinary))
    sync: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    applied_at: Mapped[dt.datetime | None]
    # What the import did, in counts (never the file's contents).
    result: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    ministry = relationship("Ministry")
    uploaded_by = relationship("User")


class PendingInvitation(Base):
    __tablename__ = "pending_invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), unique=True)
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    user = relationship("User", foreign_keys=[user_id])
    requested_by = relationship("User", foreign_keys=[requested_by_id])
