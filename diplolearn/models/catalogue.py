"""Course content: logical items with stable ids, and their per-version revisions.

Every item a learner's record can point at exists twice over:

- a *logical* row (``Module``, ``Lesson``, ``Paragraph``) whose identity is the stable ``key``
  written in the course files — never a file name or a position. Progress, discussion and
  certificates point at logical rows, so they survive new versions. A logical row is never
  deleted: when a version no longer contains it, ``retired_at`` is set.
- a *revision* row per published ``CourseVersion`` (``ModuleRevision``, ``LessonRevision``,
  ``ParagraphRevision``) holding that version's position and texts. Published versions are
  immutable; a cohort follows exactly one of them.

Short texts are ``Translated`` mappings (language -> text); every text exists per language.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diplolearn.models.base import Base, TimestampMixin, Translated, utcnow
from diplolearn.models.states import COURSE_VERSION, CourseVersionState


class Course(TimestampMixin, Base):
    __tablename__ = "course"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    title: Mapped[dict] = mapped_column(Translated())
    # Languages every lesson must exist in, e.g. ["ar", "en"]; the first is the source language.
    languages: Mapped[list] = mapped_column(sa.JSON, default=lambda: ["ar", "en"])
    # Languages some texts have; readers of them see the rest as "not yet translated".
    optional_languages: Mapped[list] = mapped_column(sa.JSON, default=list)
    retired_at: Mapped[dt.datetime | None]
    # A copy's origin (services/authoring/owners.py copy_course) and the credits it keeps: the chain
    # of courses it descends from, [{"course", "version", "title", "owners"}], oldest first.
    copied_from_id: Mapped[int | None] = mapped_column(sa.ForeignKey("course.id"))
    attribution: Mapped[list] = mapped_column(sa.JSON, default=list, server_default=sa.text("'[]'"))

    versions: Mapped[list[CourseVersion]] = relationship(
        back_populates="course", order_by="CourseVersion.number"
    )


class CourseVersion(Base):
    __tablename__ = "course_version"
    __table_args__ = (sa.UniqueConstraint("course_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id"), index=True)
    number: Mapped[int]
    state: Mapped[str] = mapped_column(sa.String(16), default=CourseVersionState.DRAFT)
    # Digest of the canonical course files this version was imported from (idempotent import).
    source_digest: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    published_at: Mapped[dt.datetime | None]
    # Set by an audited correction (services/authoring/corrections.py), the one change a published
    # version may receive; part of the outline cache's stamp so every process re-reads it.
    corrected_at: Mapped[dt.datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    # The course's reference list and glossary as published in this version:
    # [{"id", "language", "text", "url"?}], [{"id", "term": {lang: text}, "definition": {...}}]
    bibliography: Mapped[list] = mapped_column(sa.JSON, default=list)
    glossary: Mapped[list] = mapped_column(sa.JSON, default=list)

    course: Mapped[Course] = relationship(back_populates="versions")

    def move_to(self, target: CourseVersionState) -> None:
        self.state = COURSE_VERSION.advance(self.state, target)
        if target == CourseVersionState.PUBLISHED:
            self.published_at = utcnow()

    @property
    def is_published(self) -> bool:
        return self.state == CourseVersionState.PUBLISHED


class LogicalItem:
    """Columns shared by every logical item: its stable key and when it was retired."""

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[dt.datetime | None]


class Module(LogicalItem, Base):
    __tablename__ = "module"
    __table_args__ = (sa.UniqueConstraint("course_id", "key"),)

    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id"), index=True)


class ModuleRevision(Base):
    __tablename__ = "module_revision"
    __table_args__ = (sa.UniqueConstraint("course_version_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("module.id"), index=True)
    course_version_id: Mapped[int] = mapped_column(sa.ForeignKey("course_version.id"))
    position: Mapped[int]
    title: Mapped[dict] = mapped_column(Translated())
    # {"ar": ["objective", ...], "en": [...]}
    objectives: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    estimated_minutes: Mapped[int | None]
    # Completion rules: whether the course needs this module, and the module keys that must be
    # complete before this one opens.
    required: Mapped[bool] = mapped_column(default=True)
    prerequisites: Mapped[list] = mapped_column(sa.JSON, default=list)
    # The week of a tutor-led run this module is planned for (cohort schedules start from it).
    week: Mapped[int | None]
    # The discussion prompt, course content versioned with the module: {"id", "prompt",
    # "refers_to"?}; empty when the module has none. Each tutor group discusses it in the
    # module's pinned thread: annotations with no paragraph (discussion.py). (Written
    # assignments have their own tables: assignments.py.)
    discussion: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    module: Mapped[Module] = relationship()
    course_version: Mapped[CourseVersion] = relationship()


class Lesson(LogicalItem, Base):
    __tablename__ = "lesson"
    __table_args__ = (sa.UniqueConstraint("course_id", "key"),)

    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id"), index=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("module.id"), index=True)


class LessonRevision(Base):
    __tablename__ = "lesson_revision"
    __table_args__ = (sa.UniqueConstraint("course_version_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(sa.ForeignKey("lesson.id"), index=True)
    course_version_id: Mapped[int] = mapped_column(sa.ForeignKey("course_version.id"))
    module_revision_id: Mapped[int] = mapped_column(sa.ForeignKey("module_revision.id"), index=True)
    position: Mapped[int]
    title: Mapped[dict] = mapped_column(Translated())
    estimated_minutes: Mapped[int | None]
    # Whether the module's completion needs this lesson done.
    required: Mapped[bool] = mapped_column(default=True)

    lesson: Mapped[Lesson] = relationship()
    paragraphs: Mapped[list[ParagraphRevision]] = relationship(
        order_by="ParagraphRevision.position", back_populates="lesson_revision"
    )


class Paragraph(LogicalItem, Base):
    """A paragraph anchor. Discussion and quiz references point here, in every language."""

    __tablename__ = "paragraph"
    __table_args__ = (sa.UniqueConstraint("lesson_id", "key"),)

    lesson_id: Mapped[int] = mapped_column(sa.ForeignKey("lesson.id"), index=True)


class ParagraphRevision(Base):
    __tablename__ = "paragraph_revision"
    __table_args__ = (sa.UniqueConstraint("lesson_revision_id", "paragraph_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    paragraph_id: Mapped[int] = mapped_column(sa.ForeignKey("paragraph.id"), index=True)
    lesson_revision_id: Mapped[int] = mapped_column(sa.ForeignKey("lesson_revision.id"))
    position: Mapped[int]
    # Markdown per language; the Arabic and English texts share this one paragraph structure.
    body: Mapped[dict] = mapped_column(Translated())

    paragraph: Mapped[Paragraph] = relationship()
    lesson_revision: Mapped[LessonRevision] = relationship(back_populates="paragraphs")
