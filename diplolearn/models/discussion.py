"""Discussion on the text: annotations on paragraphs, their replies and mentions.

- ``Annotation``: one post. A *thread* is a root post (``parent_id`` NULL) and its replies
  (``parent_id`` = the root; replies to replies attach to the root too). A root is either
  anchored to a logical ``Paragraph`` (kind question, comment or reference), or, with
  ``paragraph_id`` NULL, posted on its module's pinned discussion prompt
  (``ModuleRevision.discussion``). It keeps the course version it was made on and the language
  of the text read; the paragraph id is stable across versions, so a new version keeps it in
  place, and a paragraph the cohort's version no longer has lists it as retired.
- Visibility is stored on every row, replies included (copied from the root), so one filter
  answers for a whole thread (security/scoping/discussion.py ``learner_discussion`` /
  ``staff_discussion``): ``audience`` is ``group`` (the author's tutor group *at posting
  time*, ``tutor_group_id``; a learner who later moves keeps seeing their own posts, not the
  old group's), ``cohort`` (a thread a lead instructor opened for the whole cohort,
  ``tutor_group_id`` NULL) or ``private`` (a learner's own note: nobody else, not even staff).
- ``AnnotationMention``: a group member named in a post (told by mail when they wish).
- ``DiscussionSession``: a weekly live text discussion of one tutor group (or, opened by a
  lead instructor, of the whole cohort: ``tutor_group_id`` NULL) at a set time. Its posts are
  annotations of kind ``session`` with the session's audience; before and after the live hour
  it is an ordinary thread, and once ``archives_at`` has passed it is read-only.

Hiding and editing by staff keep the post and name who did it and why; both are audited
(services/audit.py), the edit with the text before it.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diplolearn.models.base import Base, utcnow

KINDS = ("question", "comment", "reference")
AUDIENCES = ("group", "cohort", "private")


class Annotation(Base):
    __tablename__ = "annotation"
    __table_args__ = (
        sa.CheckConstraint(
            "kind IN ('question', 'comment', 'reference', 'reply', 'prompt', 'session')",
            name="kind_known",
        ),
        sa.CheckConstraint("audience IN ('group', 'cohort', 'private')", name="audience_known"),
        sa.Index("ix_annotation_cohort_paragraph", "cohort_id", "paragraph_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohort.id"), index=True)
    tutor_group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tutor_group.id"), index=True)
    audience: Mapped[str] = mapped_column(sa.String(8), default="group")
    # The module whose text or prompt it discusses; NULL for a weekly session's post.
    module_id: Mapped[int | None] = mapped_column(sa.ForeignKey("module.id"), index=True)
    lesson_id: Mapped[int | None] = mapped_column(sa.ForeignKey("lesson.id"), index=True)
    paragraph_id: Mapped[int | None] = mapped_column(sa.ForeignKey("paragraph.id"))
    course_version_id: Mapped[int] = mapped_column(sa.ForeignKey("course_version.id"))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("annotation.id"), index=True)
    # A post in a weekly text session (``DiscussionSession``) rather than on the text.
    session_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("discussion_session.id"), index=True
    )
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    # question, comment, reference (roots on a paragraph), prompt (roots on a module's
    # pinned prompt), reply
    kind: Mapped[str] = mapped_column(sa.String(16))
    body: Mapped[str] = mapped_column(sa.Text)  # Markdown, rendered through render_markdown
    url: Mapped[str | None] = mapped_column(sa.String(2000))
    lang: Mapped[str] = mapped_column(sa.String(8))
    is_tutor_answer: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    resolved_at: Mapped[dt.datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    hidden_at: Mapped[dt.datetime | None]
    hidden_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    hidden_reason: Mapped[str | None] = mapped_column(sa.String(500))
    edited_at: Mapped[dt.datetime | None]
    edited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)

    author = relationship("User", foreign_keys=[author_id])
    paragraph = relationship("Paragraph")
    tutor_group = relationship("TutorGroup")
    parent: Mapped[Annotation | None] = relationship(remote_side=[id])

    @property
    def is_root(self) -> bool:
        return self.parent_id is None

    @property
    def hidden(self) -> bool:
        return self.hidden_at is not None


class AnnotationMention(Base):
    __tablename__ = "annotation_mention"
    __table_args__ = (sa.UniqueConstraint("annotation_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    annotation_id: Mapped[int] = mapped_column(sa.ForeignKey("annotation.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)

    user = relationship("User")


class DiscussionSession(Base):
    __tablename__ = "discussion_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohort.id"), index=True)
    tutor_group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tutor_group.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    starts_at: Mapped[dt.datetime]
    duration_minutes: Mapped[int] = mapped_column(default=60)
    # After this instant the session is an archive: readable, closed to new posts.
    archives_at: Mapped[dt.datetime]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    tutor_group = relationship("TutorGroup")
    created_by = relationship("User")

    @property
    def ends_at(self) -> dt.datetime:
        return self.starts_at + dt.timedelta(minutes=self.duration_minutes)

    def phase(self, now: dt.datetime) -> str:
        """``upcoming``, ``live``, ``open`` (after the live hour, still a thread) or
        ``archived``."""
        if now >= self.archives_at:
            return "archived"
        if now < self.starts_at:
            return "upcoming"
        return "live" if now < self.ends_at else "open"
