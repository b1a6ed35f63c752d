"""What instructors and tutors add to a cohort's run: extensions and announcements.

- ``DueDateExtension``: a later due date for one learner (enrolment) and one module, granted
  by their tutor or a lead instructor with a reason. At most one per enrolment and module;
  granting again moves it (the audit trail keeps each grant). Progress uses it in place of the
  cohort's ``ModuleSchedule.due_at`` (services.progress), so "overdue" means the same thing on
  the learner's outline and on the instructor's grid.
- ``Announcement``: a message to a whole cohort or to one of its tutor groups, in Markdown
  (rendered and sanitised on the way out, security.sanitize), shown on each recipient's
  dashboard and mailed to those whose preference allows it (``User.notify_by_mail``).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diplolearn.models.base import Base, utcnow


class DueDateExtension(Base):
    __tablename__ = "due_date_extension"
    __table_args__ = (sa.UniqueConstraint("enrolment_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolment.id"), index=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("module.id"))
    due_at: Mapped[dt.datetime]
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    granted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    enrolment = relationship("Enrolment")
    module = relationship("Module")
    granted_by = relationship("User")


class Announcement(Base):
    __tablename__ = "announcement"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohort.id"), index=True)
    # None: the whole cohort; otherwise only this group's learners.
    tutor_group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tutor_group.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)  # Markdown, sanitised when rendered
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)

    cohort = relationship("Cohort")
    tutor_group = relationship("TutorGroup")
    author = relationship("User")
