"""The mail outbox: messages written in the request's transaction and sent after it commits.

A service adds an ``OutboxMessage`` beside the change it describes; if the transaction rolls
back, the message goes with it. ``flask jobs run`` claims pending messages and sends them, so
nothing is mailed for work that was never saved. States: see states.OUTBOX. The delivery rule
(one hand-over per message, one Message-ID derived from the row, a receipt before the record,
stale claims released only after checking it): see services.outbox.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from diplolearn.models.base import Base, utcnow
from diplolearn.models.states import OutboxState


class OutboxMessage(Base):
    __tablename__ = "outbox_message"
    __table_args__ = (sa.Index("ix_outbox_message_due", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(64))
    to_address: Mapped[str] = mapped_column(sa.String(254))
    to_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    language: Mapped[str] = mapped_column(sa.String(8))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body_text: Mapped[str] = mapped_column(sa.Text)
    state: Mapped[str] = mapped_column(sa.String(16), default=OutboxState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[dt.datetime | None]
    sent_at: Mapped[dt.datetime | None]
    # The request (or job run) that queued it, carried into the logs and the mail's X-Request-ID.
    request_id: Mapped[str | None] = mapped_column(sa.String(128))
