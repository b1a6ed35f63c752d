"""Private messages between a learner and their tutor (issue 20).

- ``MessageThread``: one per (enrolment, tutor) pair, that is one per learner and tutor
  within a cohort (a group with two tutors gives the learner two threads, one with each; a
  learner in two cohorts has a thread per cohort). The pair is fixed when the thread opens;
  ``tutor_group_id`` keeps the group it opened in. After a move to another group the thread
  stays readable by both participants but takes no new messages (services/messages).
  ``last_message_at`` and each participant's ``..._read_at`` give the read state: a thread is
  unread for a participant when a message came after they last read it (writing counts as
  reading).
- ``Message``: one message, Markdown in ``body``, checked on the way in (nothing the
  sanitiser would strip) and rendered through ``render_markdown`` on the way out. Its language
  is not recorded: pages show it isolated (``lang=""``, ``dir="auto"``).

Who reads a thread: its two participants and those who manage the cohort (its lead
instructors, the course's instructors, administrators); never coordinators
(security/scoping/messages.py).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diplolearn.models.base import Base, utcnow


class MessageThread(Base):
    __tablename__ = "message_thread"
    __table_args__ = (sa.UniqueConstraint("enrolment_id", "tutor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohort.id"), index=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolment.id"), index=True)
    learner_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    tutor_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    tutor_group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tutor_group.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_message_at: Mapped[dt.datetime | None]
    learner_read_at: Mapped[dt.datetime | None]
    tutor_read_at: Mapped[dt.datetime | None]

    learner = relationship("User", foreign_keys=[learner_id])
    tutor = relationship("User", foreign_keys=[tutor_id])
    enrolment = relationship("Enrolment")
    cohort = relationship("Cohort")

    def unread_for(self, user_id: int) -> bool:
        if self.last_message_at is None:
            return False
        if user_id == self.learner_id:
            seen = self.learner_read_at
        elif user_id == self.tutor_id:
            seen = self.tutor_read_at
        else:
            return False
        return seen is None or seen < self.last_message_at

    def other_party(self, user_id: int):
        return self.tutor if user_id == self.learner_id else self.learner


class Message(Base):
    __tablename__ = "message"

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(sa.ForeignKey("message_thread.id"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    body: Mapped[str] = mapped_column(sa.Text)  # Markdown, rendered through render_markdown
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)

    author = relationship("User")
    thread = relationship("MessageThread")
