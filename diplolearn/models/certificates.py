"""Certificates: the proof that a person completed a course, checkable by anyone.

- ``Certificate``: issued once per enrolment when the course's completion rules are met. It
  keeps what it certifies as it was at issue — the holder's names in Latin and Arabic script,
  the course's title, the course version, the completion date (in the cohort's time zone) and
  the workload in hours — so renaming a course or a person later never rewrites it. Its
  ``code`` is long and random (``secrets.token_urlsafe``: 192 bits), so the public
  verification page (/verify/<code>) cannot be guessed or enumerated.

Statuses move through states.CERTIFICATE: ``issued`` → ``revoked`` (withdrawn, with a reason,
by whom and when) or ``superseded`` (reissued: a new certificate, pointing back through
``supersedes_id``, replaces it — after a name correction, say). Nothing is ever deleted, so
the history stays. At most one certificate per enrolment is *current* (issued or revoked); the
database enforces it with a partial unique index.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diplolearn.models.base import Base, Translated, utcnow
from diplolearn.models.states import CERTIFICATE, CertificateStatus

CURRENT = "status IN ('issued', 'revoked')"


class Certificate(Base):
    __tablename__ = "certificate"
    __table_args__ = (
        sa.CheckConstraint("status IN ('issued', 'revoked', 'superseded')", name="status_known"),
        sa.UniqueConstraint("supersedes_id"),
        sa.Index(
            "uq_certificate_current_per_enrolment",
            "enrolment_id",
            unique=True,
            sqlite_where=sa.text(CURRENT),
            postgresql_where=sa.text(CURRENT),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolment.id"), index=True)
    # The holder, kept beside the enrolment so "my certificates" is one indexed lookup.
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id"), index=True)
    course_version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("course_version.id"))
    # As at issue.
    holder_name_latin: Mapped[str] = mapped_column(sa.String(200), default="")
    holder_name_ar: Mapped[str] = mapped_column(sa.String(200), default="")
    course_title: Mapped[dict] = mapped_column(Translated())
    completed_on: Mapped[dt.date] = mapped_column(sa.Date)
    workload_hours: Mapped[int | None]
    status: Mapped[str] = mapped_column(sa.String(16), default=CertificateStatus.ISSUED)
    issued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Who issued it: empty when the completion rules issued it by themselves.
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    revoked_at: Mapped[dt.datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    revocation_reason: Mapped[str | None] = mapped_column(sa.Text)
    superseded_at: Mapped[dt.datetime | None]
    # A reissue points at the certificate it replaces, and says why it was reissued.
    supersedes_id: Mapped[int | None] = mapped_column(sa.ForeignKey("certificate.id"))
    reissue_reason: Mapped[str | None] = mapped_column(sa.Text)

    enrolment = relationship("Enrolment")
    holder = relationship("User", foreign_keys=[user_id])
    course = relationship("Course")
    course_version = relationship("CourseVersion")
    supersedes: Mapped[Certificate | None] = relationship(remote_side=[id])

    def move_to(self, target: CertificateStatus, when: dt.datetime | None = None) -> None:
        """Change status through the documented machine; a forbidden move raises."""
        when = when or utcnow()
        self.status = CERTIFICATE.advance(self.status, target)
        if target == CertificateStatus.REVOKED:
            self.revoked_at = when
        elif target == CertificateStatus.SUPERSEDED:
            self.superseded_at = when

    @property
    def is_valid(self) -> bool:
        return self.status == CertificateStatus.ISSUED

    def __repr__(self) -> str:
        return f"<Certificate {self.id} enrolment={self.enrolment_id} {self.status}>"
