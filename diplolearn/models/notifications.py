"""Notifications (issue 20): what the platform tells a person, in the app and by mail.

- ``Notification``: one per recipient and notice, rendered once in the recipient's language
  (``title``: the mail's subject; ``body``: the mail's text, kept for the daily digest) with a
  link to open. ``delivery`` is how it was to reach them, by their preference at the time:
  ``now`` (mailed at once through the outbox), ``digest`` (in the next daily digest) or
  ``app`` (never mailed). ``emailed_at`` is set when its mail is queued.
- ``NotificationPreference``: a person's choice for one kind; without a row, the default is
  ``User.notify_by_mail`` (True: ``now``, False: ``app``).

The unread count in the navigation is ``User.unread_notifications``, kept by the service
beside each change (loaded with the person, so no page pays a query for it).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from diplolearn.models.base import Base, utcnow


class Notification(Base):
    __tablename__ = "notification"
    __table_args__ = (
        sa.Index("ix_notification_user_created", "user_id", "created_at"),
        sa.Index("ix_notification_digest", "delivery", "emailed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    kind: Mapped[str] = mapped_column(sa.String(32))
    language: Mapped[str] = mapped_column(sa.String(8))
    title: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    link: Mapped[str | None] = mapped_column(sa.String(1000))
    # What it is about, for notices that must not repeat (e.g. "discussion_digest:<group id>").
    topic: Mapped[str | None] = mapped_column(sa.String(64))
    delivery: Mapped[str] = mapped_column(sa.String(8))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    read_at: Mapped[dt.datetime | None]
    emailed_at: Mapped[dt.datetime | None]


class NotificationPreference(Base):
    __tablename__ = "notification_preference"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    delivery: Mapped[str] = mapped_column(sa.String(8))
