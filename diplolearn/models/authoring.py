"""Authoring records: who owns a course, what changed in its texts, and which translations
wait for an update.

- ``CourseOwner``: an owner of a course. Owners and co-authors (holders of the course's
  INSTRUCTOR grant, accounts.py) both edit the course; owners alone add or remove co-authors.
  Copying a course makes the copier the owner of the copy.
- ``ContentChange``: the change history of lessons, modules and questions: who, when, which
  logical item (stable across versions), which language, what action (edit, correction,
  create, retire, move, publish, translation cleared) and the text before and after, so an
  earlier text can always be read again. Rows are only ever added.
- ``TranslationFlag``: one lesson language marked as needing an update because another
  language of the lesson changed; removed when a translator clears it (the clearing is a
  ``ContentChange`` of its own).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diplolearn.models.base import Base, utcnow


class CourseOwner(Base):
    __tablename__ = "course_owner"
    __table_args__ = (sa.UniqueConstraint("course_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    user = relationship("User")


class ContentChange(Base):
    __tablename__ = "content_change"
    __table_args__ = (sa.Index("ix_content_change_item", "course_id", "item_kind", "item_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id"))
    # The version the change was made in (the draft, or a published one for a correction).
    course_version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("course_version.id"))
    # "lesson", "module", "question" or "course"; item_id is the logical row's id.
    item_kind: Mapped[str] = mapped_column(sa.String(16))
    item_id: Mapped[int] = mapped_column()
    item_key: Mapped[str] = mapped_column(sa.String(64))
    language: Mapped[str | None] = mapped_column(sa.String(8))
    action: Mapped[str] = mapped_column(sa.String(32))
    before: Mapped[str | None] = mapped_column(sa.Text)
    after: Mapped[str | None] = mapped_column(sa.Text)
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    by = relationship("User")
    course_version = relationship("CourseVersion")


class TranslationFlag(Base):
    __tablename__ = "translation_flag"
    __table_args__ = (sa.UniqueConstraint("lesson_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(sa.ForeignKey("lesson.id"), index=True)
    language: Mapped[str] = mapped_column(sa.String(8))
    # The language whose change raised the flag, and who changed it.
    changed_language: Mapped[str] = mapped_column(sa.String(8))
    flagged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    flagged_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
