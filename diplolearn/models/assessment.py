"""Quizzes and questions, versioned like the rest of the course content.

- ``Quiz`` / ``Question``: logical items with stable keys (see catalogue.py for the pattern).
- ``QuizRevision``: a quiz as published in one course version: its policy (pass mark, attempts,
  time limit, grading method) and its questions, in order, through ``QuizQuestion``.
- ``QuestionRevision``: a question's text and settings in one version. ``kind`` is the type
  discriminator (single_choice, multiple_select, true_false, numeric, short_text, matching,
  ordering, essay); each kind's grading lives in one class behind one interface.
- ``ChoiceRevision``: a choice with its stable key, correctness and per-choice feedback.

Attempts (learning.py) pin a QuizRevision and the QuestionRevisions drawn, so editing a quiz
never rewrites anyone's history.
"""

from __future__ import annotations

import enum
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship


from diplolearn.models.base import Base, Translated
from diplolearn.models.catalogue import _LogicalItem


class GradingMethod(enum.StrEnum):
    HIGHEST = "highest"
    LAST = "last"
    FIRST = "first"
    AVERAGE = "average"


class QuestionKind(enum.StrEnum):
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_SELECT = "multiple_select"
    TRUE_FALSE = "true_false"
    NUMERIC = "numeric"
    SHORT_TEXT = "short_text"
    MATCHING = "matching"
    ORDERING = "ordering"
    ESSAY = "essay"


class Quiz(_LogicalItem, Base):
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

    quiz: Mapped[Quiz] = relationship()
    questions: Mapped[list[QuizQuestion]] = relationship(order_by="QuizQuestion.position")


class Question(_LogicalItem, Base):
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
    # Kind-specific settings: tolerance, accepted answers per language, matching pairs, ...
    settings: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # Optional reference to the paragraph the question is about (a stable anchor).
    paragraph_id: Mapped[int | None] = mapped_column(sa.ForeignKey("paragraph.id"))

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
