"""Quizzes and questions, versioned like the rest of the course content.

- ``Quiz`` / ``Question``: logical items with stable keys (see catalogue.py for the pattern).
- ``QuizRevision``: a quiz as published in one course version: its policy (pass mark, attempts,
  time limit, grading method) and its questions, in order, through ``QuizQuestion``.
- ``QuestionRevision``: a question's text and settings in one version. ``kind`` is the type
  discriminator: it names a question type of diplolearn/questions/ (its registry), the one
  class that grades the kind and knows what its ``settings`` hold.
- ``ChoiceRevision``: a choice with its stable key, correctness and per-choice feedback.
- ``QuestionCategory``: a category of the course's question bank (kept per module in the course
  files); its questions are QuestionRevisions with ``category_id`` set. ``QuizDraw``: N questions
  drawn at random from a category when an attempt starts (services/assessment/question_banks.py), placed
  among the quiz's fixed questions by ``position``.

Attempts (learning.py) pin a QuizRevision and the QuestionRevisions drawn, so editing a quiz
never rewrites anyone's history.
"""

from __future__ import annotations

import enum
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diplolearn.models.base import Base, Translated
from diplolearn.models.catalogue import LogicalItem


class GradingMethod(enum.StrEnum):
    HIGHEST = "highest"
    LAST = "last"
    FIRST = "first"
    AVERAGE = "average"


class Reveal(enum.StrEnum):
    """When feedback or the correct answers are shown to the learner after an attempt."""

    IMMEDIATELY = "immediately"  # as soon as the attempt is submitted
    AFTER_ATTEMPT = "after_attempt"  # once no further attempt can use them (passed or none left)
    AFTER_CLOSE = "after_close"  # once the quiz has closed for the learner
    NEVER = "never"


class Quiz(LogicalItem, Base):
    __tablename__ = "quiz"
    __table_args__ = (sa.UniqueConstraint("course_id", "key"),)

    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id"), index=True)
    module_id: Mapped[int | None] = mapped_column(sa.ForeignKey("module.id"), index=True)


class QuizRevision(Base):
    __tablename__ = "quiz_revision"
    __table_args__ = (
        sa.UniqueConstraint("course_version_id", "quiz_id"),
        sa.CheckConstraint("pass_mark >= 0 AND pass_mark <= 100", name="pass_mark_percent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(sa.ForeignKey("quiz.id"), index=True)
    course_version_id: Mapped[int] = mapped_column(sa.ForeignKey("course_version.id"))
    module_revision_id: Mapped[int | None] = mapped_column(sa.ForeignKey("module_revision.id"))
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[dict] = mapped_column(Translated())
    pass_mark: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2), default=Decimal("50"))
    max_attempts: Mapped[int | None]
    time_limit_minutes: Mapped[int | None]
    grading_method: Mapped[str] = mapped_column(sa.String(16), default=GradingMethod.HIGHEST)
    shuffle_questions: Mapped[bool] = mapped_column(default=False)
    shuffle_choices: Mapped[bool] = mapped_column(default=False)
    # Whether the module's completion needs this quiz passed.
    required: Mapped[bool] = mapped_column(default=True)
    # When the learner sees feedback, and the correct answers (a Reveal value), and whether
    # grades wait for a tutor or instructor to release them (services/assessment/quiz_policy.py).
    feedback_shown: Mapped[str] = mapped_column(
        sa.String(16), default="immediately", server_default="immediately"
    )
    answers_shown: Mapped[str] = mapped_column(
        sa.String(16), default="after_attempt", server_default="after_attempt"
    )
    grade_release_required: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # How multiple-select questions earn partial credit: "all_or_nothing" or
    # "right_minus_wrong" (questions/choice.py).
    partial_credit: Mapped[str] = mapped_column(
        sa.String(24), default="all_or_nothing", server_default="all_or_nothing"
    )

    quiz: Mapped[Quiz] = relationship()
    questions: Mapped[list[QuizQuestion]] = relationship(order_by="QuizQuestion.position")
    # Random draws from bank categories; positions share one sequence with ``questions``.
    draws: Mapped[list[QuizDraw]] = relationship(order_by="QuizDraw.position")


class Question(LogicalItem, Base):
    __tablename__ = "question"
    __table_args__ = (sa.UniqueConstraint("course_id", "key"),)

    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id"), index=True)


class QuestionRevision(Base):
    __tablename__ = "question_revision"
    __table_args__ = (sa.UniqueConstraint("course_version_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("question.id"), index=True)
    course_version_id: Mapped[int] = mapped_column(sa.ForeignKey("course_version.id"))
    kind: Mapped[str] = mapped_column(sa.String(32))
    prompt: Mapped[dict] = mapped_column(Translated())
    feedback: Mapped[dict] = mapped_column(Translated())
    points: Mapped[Decimal] = mapped_column(sa.Numeric(6, 2), default=Decimal("1"))
    # What the kind's type keeps beyond the choices (QuestionType.settings): a tolerance,
    # accepted answers per language, matching pairs, ...
    settings: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # Optional reference to the paragraph the question is about (a stable anchor).
    paragraph_id: Mapped[int | None] = mapped_column(sa.ForeignKey("paragraph.id"))
    # A bank question: the category it is drawn from, and its place there (None: a question
    # written into one quiz).
    category_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("question_category.id"), index=True
    )
    bank_position: Mapped[int | None]

    question: Mapped[Question] = relationship()
    choices: Mapped[list[ChoiceRevision]] = relationship(order_by="ChoiceRevision.position")


class ChoiceRevision(Base):
    __tablename__ = "choice_revision"
    __table_args__ = (sa.UniqueConstraint("question_revision_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_revision_id: Mapped[int] = mapped_column(
        sa.ForeignKey("question_revision.id"), index=True
    )
    key: Mapped[str] = mapped_column(sa.String(64))
    position: Mapped[int]
    text: Mapped[dict] = mapped_column(Translated())
    is_correct: Mapped[bool] = mapped_column(default=False)
    feedback: Mapped[dict] = mapped_column(Translated())


class QuizQuestion(Base):
    __tablename__ = "quiz_question"
    __table_args__ = (sa.UniqueConstraint("quiz_revision_id", "question_revision_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_revision_id: Mapped[int] = mapped_column(sa.ForeignKey("quiz_revision.id"), index=True)
    question_revision_id: Mapped[int] = mapped_column(sa.ForeignKey("question_revision.id"))
    position: Mapped[int]

    question_revision: Mapped[QuestionRevision] = relationship()


class QuestionCategory(Base):
    """A category of a course's question bank, in one course version: questions quizzes draw
    from at random. Each module may keep its own bank (``module_revision_id``); the key is
    stable across versions and unique within the course."""

    __tablename__ = "question_category"
    __table_args__ = (sa.UniqueConstraint("course_version_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_version_id: Mapped[int] = mapped_column(sa.ForeignKey("course_version.id"), index=True)
    module_revision_id: Mapped[int | None] = mapped_column(sa.ForeignKey("module_revision.id"))
    key: Mapped[str] = mapped_column(sa.String(64))
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[dict] = mapped_column(Translated())

    questions: Mapped[list[QuestionRevision]] = relationship(
        order_by="QuestionRevision.bank_position"
    )


class QuizDraw(Base):
    """``count`` questions drawn at random from a category when an attempt starts; the draw is
    then pinned on the attempt (AttemptQuestion rows)."""

    __tablename__ = "quiz_draw"
    __table_args__ = (sa.CheckConstraint("count >= 1", name="draw_count_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_revision_id: Mapped[int] = mapped_column(sa.ForeignKey("quiz_revision.id"), index=True)
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("question_category.id"))
    count: Mapped[int]
    position: Mapped[int]

    category: Mapped[QuestionCategory] = relationship()
