"""Written assignments: prompts with rubrics, versioned like the rest of the course, and the
learners' submissions pinned to the version they answered.

- ``Assignment``: a logical item with a stable key (catalogue.py's pattern), in one module.
- ``AssignmentRevision``: the assignment as published in one course version: title and prompt
  per language, whether the module's completion needs it (``required``) and how
  (``completion``: ``submitted`` — handing it in is enough; ``passed`` — graded at or above
  ``pass_mark`` percent of the rubric's points), the formats accepted (``text`` written as
  Markdown, ``file`` a .docx or PDF upload), word limits, and its own deadline
  (``due_days`` after the module opens) and how long late work is still taken (``late_days``).
- ``RubricCriterion`` / ``RubricLevel``: the rubric as rows: each criterion is worth
  ``points`` (its best level); each level awards a number of points with a description.
- ``AssignmentDeadline``: a due date set for one cohort, which wins over every other rule.
- ``Submission``: one learner's answer, numbered per enrolment and assignment; it pins the
  AssignmentRevision (so its rubric) it answers, moves through states.SUBMISSION, and carries
  the text or the uploaded file (content-addressed under STORAGE_ROOT), lateness, the grade
  and the grader's comments.
- ``SubmissionScore``: the level chosen for each criterion when it was graded.

The due date of a submission, first rule that applies: the cohort's ``AssignmentDeadline``;
the revision's ``due_days`` counted from the module's opening in the cohort's schedule (a
self-paced cohort has no schedule, so no such date); the module's due date in the cohort
(``ModuleSchedule.due_at``); none. A learner's ``DueDateExtension`` for the module (tracking.py)
comes before all of these. Work is accepted, marked late after the due date, until the
cut-off: the cohort's late rule for the assignment or for all its written work
(models/deadlines.py ``LateRule``), else ``late_days`` after the due date; never after the
cohort's end nor before the learner's own due date (services.deadlines.cutoff).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diplolearn.models.base import Base, Translated, utcnow
from diplolearn.models.catalogue import LogicalItem
from diplolearn.models.states import SUBMISSION, SubmissionState

FORMATS = ("text", "file")
COMPLETION_RULES = ("submitted", "passed")


class Assignment(LogicalItem, Base):
    __tablename__ = "assignment"
    __table_args__ = (sa.UniqueConstraint("course_id", "key"),)

    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id"), index=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("module.id"), index=True)


class AssignmentRevision(Base):
    __tablename__ = "assignment_revision"
    __table_args__ = (
        sa.UniqueConstraint("course_version_id", "assignment_id"),
        # At most one written assignment per module (the outline reads it with its module).
        sa.UniqueConstraint("module_revision_id"),
        sa.CheckConstraint("pass_mark >= 0 AND pass_mark <= 100", name="pass_mark_percent"),
        sa.CheckConstraint("completion IN ('submitted', 'passed')", name="completion_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(sa.ForeignKey("assignment.id"), index=True)
    course_version_id: Mapped[int] = mapped_column(sa.ForeignKey("course_version.id"))
    module_revision_id: Mapped[int] = mapped_column(sa.ForeignKey("module_revision.id"))
    title: Mapped[dict] = mapped_column(Translated())
    prompt: Mapped[dict] = mapped_column(Translated())
    required: Mapped[bool] = mapped_column(default=True)
    completion: Mapped[str] = mapped_column(sa.String(16), default="submitted")
    pass_mark: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2), default=Decimal("50"))
    # ["text"], ["file"] or ["text", "file"]
    formats: Mapped[list] = mapped_column(sa.JSON, default=lambda: ["text", "file"])
    min_words: Mapped[int | None]
    max_words: Mapped[int | None]
    due_days: Mapped[int | None]
    late_days: Mapped[int | None]

    assignment: Mapped[Assignment] = relationship()
    criteria: Mapped[list[RubricCriterion]] = relationship(
        order_by="RubricCriterion.position", back_populates="assignment_revision"
    )

    @property
    def max_points(self) -> int:
        return sum(c.points for c in self.criteria)


class RubricCriterion(Base):
    __tablename__ = "rubric_criterion"
    __table_args__ = (sa.UniqueConstraint("assignment_revision_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_revision_id: Mapped[int] = mapped_column(
        sa.ForeignKey("assignment_revision.id"), index=True
    )
    key: Mapped[str] = mapped_column(sa.String(64))
    position: Mapped[int]
    criterion: Mapped[dict] = mapped_column(Translated())
    points: Mapped[int]

    assignment_revision: Mapped[AssignmentRevision] = relationship(back_populates="criteria")
    levels: Mapped[list[RubricLevel]] = relationship(order_by="RubricLevel.position")


class RubricLevel(Base):
    __tablename__ = "rubric_level"
    __table_args__ = (sa.UniqueConstraint("criterion_id", "points"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    criterion_id: Mapped[int] = mapped_column(sa.ForeignKey("rubric_criterion.id"), index=True)
    position: Mapped[int]
    points: Mapped[int]
    description: Mapped[dict] = mapped_column(Translated())


class AssignmentDeadline(Base):
    """The due date of an assignment in one cohort, set by its staff."""

    __tablename__ = "assignment_deadline"
    __table_args__ = (sa.UniqueConstraint("cohort_id", "assignment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohort.id"), index=True)
    assignment_id: Mapped[int] = mapped_column(sa.ForeignKey("assignment.id"))
    due_at: Mapped[dt.datetime]


class Submission(Base):
    __tablename__ = "submission"
    __table_args__ = (
        sa.UniqueConstraint("enrolment_id", "assignment_id", "number"),
        sa.CheckConstraint("state IN ('draft', 'submitted', 'returned')", name="state_known"),
        sa.CheckConstraint(
            "file_kind IS NULL OR file_kind IN ('pdf', 'docx')", name="file_kind_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolment.id"), index=True)
    assignment_id: Mapped[int] = mapped_column(sa.ForeignKey("assignment.id"), index=True)
    assignment_revision_id: Mapped[int] = mapped_column(
        sa.ForeignKey("assignment_revision.id"), index=True
    )
    number: Mapped[int] = mapped_column(default=1)
    state: Mapped[str] = mapped_column(sa.String(16), default=SubmissionState.DRAFT, index=True)
    # The answer: Markdown text (with its server-side word count) and/or one uploaded file.
    body: Mapped[str] = mapped_column(sa.Text, default="")
    word_count: Mapped[int] = mapped_column(default=0)
    file_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    file_name: Mapped[str | None] = mapped_column(sa.String(255))
    file_kind: Mapped[str | None] = mapped_column(sa.String(8))
    file_size: Mapped[int | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    saved_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    # The due date that applied when it was submitted, and whether it came after it.
    due_at: Mapped[dt.datetime | None]
    is_late: Mapped[bool] = mapped_column(default=False)
    returned_at: Mapped[dt.datetime | None]
    graded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    score: Mapped[Decimal | None] = mapped_column(sa.Numeric(8, 2))
    max_score: Mapped[Decimal | None] = mapped_column(sa.Numeric(8, 2))
    passed: Mapped[bool | None]
    comments: Mapped[str] = mapped_column(sa.Text, default="")
    # Set by the grader when returning it: the learner may hand in a new version.
    resubmission_allowed: Mapped[bool] = mapped_column(default=False)

    enrolment = relationship("Enrolment")
    assignment: Mapped[Assignment] = relationship()
    assignment_revision: Mapped[AssignmentRevision] = relationship()
    graded_by = relationship("User", foreign_keys=[graded_by_id])
    scores: Mapped[list[SubmissionScore]] = relationship(
        back_populates="submission", cascade="all, delete-orphan"
    )

    def move_to(self, target: SubmissionState, when: dt.datetime | None = None) -> None:
        when = when or utcnow()
        self.state = SUBMISSION.advance(self.state, target)
        if target == SubmissionState.SUBMITTED:
            self.submitted_at = when
        elif target == SubmissionState.RETURNED:
            self.returned_at = when


class SubmissionScore(Base):
    __tablename__ = "submission_score"
    __table_args__ = (sa.UniqueConstraint("submission_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(sa.ForeignKey("submission.id"), index=True)
    criterion_id: Mapped[int] = mapped_column(sa.ForeignKey("rubric_criterion.id"))
    level_id: Mapped[int] = mapped_column(sa.ForeignKey("rubric_level.id"))
    points: Mapped[int]
    # The grader's comment on this criterion, shown to the learner (issue 20).
    comment: Mapped[str | None] = mapped_column(sa.Text)

    submission: Mapped[Submission] = relationship(back_populates="scores")
    criterion: Mapped[RubricCriterion] = relationship()
    level: Mapped[RubricLevel] = relationship()
