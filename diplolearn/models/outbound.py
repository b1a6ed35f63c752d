"""What leaves DiploLearn for a ministry's own systems (issue 17): learning records sent to
learning record stores (xAPI), and signed webhooks.

- ``RecordStore``: a learning record store a ministry sends its staff's records to (the
  site-wide store, if any, is configured in the environment: LRS_ENDPOINT). Its password is
  sealed at rest (security.sealed). ``share_email``: the ministry allows its staff's email
  addresses to identify them to this store; otherwise a learner is an opaque account id.
- ``Webhook``: an HTTPS endpoint of a ministry, told of the events it chose; each delivery is
  signed with its secret (sealed at rest).
- ``OutboundDelivery``: one statement or webhook call, queued in the transaction of the fact
  it reports and sent by ``flask jobs run`` afterwards: the mail outbox's states and back-off
  (states.OUTBOX), with the answer of the far end kept for the integration page. ``payload_id``
  (the statement's or event's id) is unique per destination, so a fact reported twice is
  queued once.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diplolearn.models.base import Base, utcnow
from diplolearn.models.states import OutboxState

WEBHOOK_EVENTS = ("enrolment.completed", "certificate.issued", "certificate.revoked")


class RecordStore(Base):
    __tablename__ = "record_store"

    id: Mapped[int] = mapped_column(primary_key=True)
    ministry_id: Mapped[int] = mapped_column(sa.ForeignKey("ministry.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    # The xAPI base URL (statements go to <endpoint>statements).
    endpoint: Mapped[str] = mapped_column(sa.String(500))
    username: Mapped[str] = mapped_column(sa.String(200), default="")
    password_sealed: Mapped[str] = mapped_column(sa.Text, default="")
    share_email: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    ministry = relationship("Ministry")


class Webhook(Base):
    __tablename__ = "webhook"

    id: Mapped[int] = mapped_column(primary_key=True)
    ministry_id: Mapped[int] = mapped_column(sa.ForeignKey("ministry.id"), index=True)
    url: Mapped[str] = mapped_column(sa.String(500))
    events: Mapped[list] = mapped_column(sa.JSON, default=list)
    secret_sealed: Mapped[str] = mapped_column(sa.Text)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    ministry = relationship("Ministry")


class OutboundDelivery(Base):
    __tablename__ = "outbound_delivery"
    __table_args__ = (
        sa.Index("ix_outbound_delivery_due", "state", "next_attempt_at"),
        sa.UniqueConstraint("destination", "payload_id", name="uq_outbound_delivery_once"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))  # "statement" or "webhook"
    # Where it goes: "site" (the environment's store), "store:<id>" or "webhook:<id>".
    destination: Mapped[str] = mapped_column(sa.String(40))
    ministry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ministry.id"), index=True)
    record_store_id: Mapped[int | None] = mapped_column(sa.ForeignKey("record_store.id"))
    webhook_id: Mapped[int | None] = mapped_column(sa.ForeignKey("webhook.id"))
    event: Mapped[str] = mapped_column(sa.String(64))
    payload_id: Mapped[str] = mapped_column(sa.String(64))
    payload: Mapped[dict] = mapped_column(sa.JSON)
    state: Mapped[str] = mapped_column(sa.String(16), default=OutboxState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[dt.datetime | None]
    sent_at: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    response_status: Mapped[int | None]
    response_body: Mapped[str | None] = mapped_column(sa.Text)
    request_id: Mapped[str | None] = mapped_column(sa.String(128))

    record_store = relationship("RecordStore")
    webhook = relationship("Webhook")
