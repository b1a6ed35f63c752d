"""What learners do: lesson progress and quiz attempts.

- ``LessonProgress``: one row per enrolment and logical lesson (so it survives new versions):
  first and last view, completion, time on task.
- ``QuizAttempt``: one attempt at a quiz. It pins, when it starts, the quiz revision, the pass
  mark, the deadline and the language it is taken in, and moves through states.ATTEMPT.
- ``AttemptQuestion``: the questions drawn for the attempt, in the order shown, each pinned to
  its question revision with the choice order shown; the draw is fixed for the attempt.
- ``Response``: the learner's saved answer to one drawn question, saved as they go.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diplolearn.models.base import Base, utcnow
from diplolearn.models.states import ATTEMPT, AttemptState


class LessonProgress(Base):
    __tablename__ = "lesson_progress"
    __table_args__ = (
        sa.UniqueConstraint("enrolment_id", "lesson_id"),
        # Time on task per enrolment (staff reports) read from the index alone (issue 16).
        sa.Index("ix_lesson_progress_enrolment_time", "enrolment_id", "time_spent_seconds"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolment.id"), index=True)
    lesson_id: Mapped[int] = mapped_column(sa.ForeignKey("lesson.id"), index=True)
    # The version the learner was reading when they last opened it.
    course_version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("course_version.id"))
    first_viewed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_viewed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[dt.datetime | None]
    time_spent_seconds: Mapped[int] = mapped_column(default=0)

    enrolment = relationship("Enrolment")
    lesson = relationship("Lesson")


class QuizAttempt(Base):
    __tablename__ = "quiz_attempt"
    __table_args__ = (
        sa.UniqueConstraint("enrolment_id", "quiz_id", "number"),
        sa.CheckConstraint(
            "state IN ('in_progress', 'submitted', 'graded', 'expired', 'abandoned')",
            name="state_known",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolment.id"), index=True)
    quiz_id: Mapped[int] = mapped_column(sa.ForeignKey("quiz.id"), index=True)
    quiz_revision_id: Mapped[int] = mapped_column(sa.ForeignKey("quiz_revision.id"))
    number: Mapped[int]
    state: Mapped[str] = mapped_column(sa.String(16), default=AttemptState.IN_PROGRESS, index=True)
    language: Mapped[str] = mapped_column(sa.String(8))
    pass_mark: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2))
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # The earlier of start + time limit and the quiz's close time; None when untimed.
    deadline_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    submitted_at: Mapped[dt.datetime | None]
    graded_at: Mapped[dt.datetime | None]
    score: Mapped[Decimal | None] = mapped_column(sa.Numeric(8, 2))
    max_score: Mapped[Decimal | None] = mapped_column(sa.Numeric(8, 2))
    passed: Mapped[bool | None]
    # Graded under a policy that needs a release: hidden from the learner and not counted for
    # completion until a tutor or instructor releases it (services/assessment/quiz_policy.py).
    grade_withheld: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    released_at: Mapped[dt.datetime | None]
    released_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    # A grade set by hand (the reason is in the audit log, and shown to staff).
    overridden_at: Mapped[dt.datetime | None]
    overridden_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    override_reason: Mapped[str | None] = mapped_column(sa.Text)

    enrolment = relationship("Enrolment")
    quiz_revision = relationship("QuizRevision")
    questions: Mapped[list[AttemptQuestion]] = relationship(
        back_populates="attempt", order_by="AttemptQuestion.position"
    )

    def move_to(self, target: AttemptState, when: dt.datetime | None = None) -> None:
        when = when or utcnow()
        self.state = ATTEMPT.advance(self.state, target)
        if target in (AttemptState.SUBMITTED, AttemptState.EXPIRED):
            self.submitted_at = when
        elif target == AttemptState.GRADED:
            self.graded_at = when

    def is_past_deadline(self, now: dt.datetime | None = None) -> bool:
        return self.deadline_at is not None and (now or utcnow()) >= self.deadline_at


class AttemptQuestion(Base):
    __tablename__ = "attempt_question"
    __table_args__ = (sa.UniqueConstraint("attempt_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(sa.ForeignKey("quiz_attempt.id"), index=True)
    question_revision_id: Mapped[int] = mapped_column(sa.ForeignKey("question_revision.id"))
    position: Mapped[int]
    # The choice keys in the order this learner saw them.
    choice_order: Mapped[list] = mapped_column(sa.JSON, default=list)
    # Issue 20: the learner flagged this question to come back to (listed on the review page).
    flagged: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    attempt: Mapped[QuizAttempt] = relationship(back_populates="questions")
    question_revision = relationship("QuestionRevision")
    response: Mapped[Response | None] = relationship(back_populates="attempt_question")


class Response(Base):
    __tablename__ = "response"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("attempt_question.id"), unique=True
    )
    answer: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    saved_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    score: Mapped[Decimal | None] = mapped_column(sa.Numeric(8, 2))
    feedback: Mapped[str | None] = mapped_column(sa.Text)
    graded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    attempt_question: Mapped[AttemptQuestion] = relationship(back_populates="response")
