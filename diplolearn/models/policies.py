"""Quiz policy overrides: a cohort's or one learner's exceptions to a quiz's policy.

``QuizPolicyOverride`` belongs to a logical quiz (so it survives new versions) and to exactly
one of a cohort or an enrolment. It may set the window in which attempts can start and answers
count (``opens_at`` / ``closes_at``), add minutes to the time limit (an accessibility
accommodation) and add attempts. A learner's override is applied over their cohort's: the
learner's window replaces the cohort's where it is set, extra minutes and attempts add up.
Changes are audited (services/assessment/quiz_policy.py).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diplolearn.models.base import Base, utcnow


class QuizPolicyOverride(Base):
    __tablename__ = "quiz_policy_override"
    __table_args__ = (
        sa.CheckConstraint(
            "(cohort_id IS NULL) <> (enrolment_id IS NULL)", name="cohort_or_enrolment"
        ),
        sa.CheckConstraint("extra_minutes >= 0 AND extra_attempts >= 0", name="extras_positive"),
        sa.CheckConstraint(
            "opens_at IS NULL OR closes_at IS NULL OR opens_at < closes_at", name="window_ordered"
        ),
        sa.UniqueConstraint("quiz_id", "cohort_id"),
        sa.UniqueConstraint("quiz_id", "enrolment_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(sa.ForeignKey("quiz.id"), index=True)
    cohort_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cohort.id"), index=True)
    enrolment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("enrolment.id"), index=True)
    opens_at: Mapped[dt.datetime | None]
    closes_at: Mapped[dt.datetime | None]
    extra_minutes: Mapped[int] = mapped_column(default=0)
    extra_attempts: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    quiz = relationship("Quiz")
    cohort = relationship("Cohort")
    enrolment = relationship("Enrolment")
