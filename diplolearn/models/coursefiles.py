"""Course content that travels as files: lesson images, and course folders uploaded as zips.

- ``LessonImage``: an image a course's lessons may show. It is named by the SHA-256 of its
  cleaned bytes (re-encoded without metadata, services/catalogue/images.py), stored once under
  ``STORAGE_ROOT/images/``, with smaller variants for slow links and its alternative text in
  every language of the course. Lesson Markdown refers to it as ``![](image:<sha256>)``, so a
  published lesson keeps pointing at the very image it was written with.
- ``CourseUpload``: a course folder uploaded as a zip, kept between its check report and the
  instructor's confirmation. Confirming re-reads and re-checks these very bytes; once applied,
  the content is dropped (only the digest and the result stay).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from diplolearn.models.base import Base, Translated, utcnow


class LessonImage(Base):
    __tablename__ = "lesson_image"
    __table_args__ = (sa.UniqueConstraint("course_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id"), index=True)
    # Digest of the stored (cleaned) full-size image; its file is images/<ab>/<sha256>.<ext>.
    sha256: Mapped[str] = mapped_column(sa.String(64))
    format: Mapped[str] = mapped_column(sa.String(8))  # png, jpeg or webp
    width: Mapped[int]
    height: Mapped[int]
    byte_size: Mapped[int]
    # Alternative text per language; every language of the course has one.
    alt: Mapped[dict] = mapped_column(Translated())
    # Smaller copies, widest last: [{"width", "height", "sha256", "format"}].
    variants: Mapped[list] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    course = relationship("Course")


class CourseUpload(Base):
    __tablename__ = "course_upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id"), index=True)
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(255), default="")
    digest: Mapped[str] = mapped_column(sa.String(64))
    size: Mapped[int] = mapped_column(default=0)
    content: Mapped[bytes | None] = deferred(mapped_column(sa.LargeBinary))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    applied_at: Mapped[dt.datetime | None]
    # What the import did: {"version": n, "created": bool, "forced": bool}.
    result: Mapped[dict] = mapped_column(sa.JSON, default=dict)
