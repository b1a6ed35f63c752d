"""The progress states: where a learner stands in each lesson (``LessonState``), quiz
(``QuizState``), written assignment (``AssignmentState``) and module (``ModuleState``) of a
course, and in the whole course (``Progress``); and how a quiz's graded attempts count
(``quiz_outcome``, ``attempt_percent``). compute.py fills them in; the package docstring
gives the rules.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from diplolearn.models import AttemptState, SubmissionState
from diplolearn.services.catalogue.outline import (
    AssignmentNode,
    CourseOutline,
    LessonNode,
    ModuleNode,
    QuizNode,
)


@dataclass(eq=False, slots=True)
class LessonState:
    node: LessonNode
    viewed: bool = False
    completed_at: dt.datetime | None = None
    time_spent_seconds: int = 0
    excused: bool = False  # a tutor or instructor excused it (models.deadlines.Excusal)

    @property
    def done(self) -> bool:
        return self.completed_at is not None


@dataclass(eq=False, slots=True)
class QuizState:
    node: QuizNode
    attempts: list = field(default_factory=list)  # rows of _ATTEMPT_COLUMNS, by number
    excused: bool = False  # a tutor or instructor excused it (models.deadlines.Excusal)

    @property
    def graded(self) -> list:
        # A grade waiting for a tutor's release is not the learner's yet and does not count.
        return [a for a in self.attempts if a.state == AttemptState.GRADED and not a.grade_withheld]

    @property
    def in_progress(self):
        return next((a for a in self.attempts if a.state == AttemptState.IN_PROGRESS), None)

    @property
    def awaiting_grading(self):
        """The attempt whose essay waits for a person (submitted or expired, not graded yet):
        no other attempt starts meanwhile (services.assessment.quizzes.start_attempt)."""
        return next(
            (a for a in self.attempts if a.state in (AttemptState.SUBMITTED, AttemptState.EXPIRED)),
            None,
        )

    @property
    def used(self) -> int:
        return sum(1 for a in self.attempts if a.state != AttemptState.ABANDONED)

    @property
    def left(self) -> int | None:
        limit = self.node.max_attempts
        return None if limit is None else max(limit - self.used, 0)

    @property
    def percent(self) -> Decimal | None:
        return quiz_outcome(self.graded, self.node.grading_method)[0]

    @property
    def done(self) -> bool:
        return quiz_outcome(self.graded, self.node.grading_method)[1]


@dataclass(eq=False, slots=True)
class AssignmentState:
    """A written assignment and the learner's submissions to it (rows of _SUBMISSION_COLUMNS,
    by number). Done by its rule: ``submitted`` — handed in; ``passed`` — returned with a
    passing grade (services.assessment.assignments)."""

    node: AssignmentNode
    submissions: list = field(default_factory=list)
    excused: bool = False  # a tutor or instructor excused it (models.deadlines.Excusal)

    @property
    def latest(self):
        return self.submissions[-1] if self.submissions else None

    @property
    def late(self) -> bool:
        latest = self.latest
        return bool(latest is not None and latest.is_late)

    @property
    def done(self) -> bool:
        handed_in = [s for s in self.submissions if s.state != SubmissionState.DRAFT]
        if self.node.completion == "passed":
            return any(s.state == SubmissionState.RETURNED and s.passed for s in handed_in)
        return bool(handed_in)


@dataclass(eq=False, slots=True)
class ModuleState:
    node: ModuleNode
    lessons: list[LessonState]
    quizzes: list[QuizState]
    waiting_for: list[ModuleNode] = field(default_factory=list)  # prerequisites not complete
    opens_at: dt.datetime | None = None  # set while the cohort's schedule keeps it closed
    due_at: dt.datetime | None = None  # the learner's extension when they have one
    due_extended: bool = False  # due_at comes from the learner's DueDateExtension
    # The completion rules in force: the course's, or the cohort's (Cohort.module_rules).
    required: bool = True
    prerequisites: list[str] = field(default_factory=list)
    is_open: bool = False
    complete: bool = False
    overdue: bool = False  # due_at has passed and the module is not complete
    assignments: list[AssignmentState] = field(default_factory=list)
    # The cohort's discussion requirement (Cohort.module_rules "annotations"): how many posts
    # on the module's text or prompt the learner must make, and how many they have made.
    annotations_needed: int = 0
    annotations_made: int = 0

    @property
    def discussion_done(self) -> bool:
        return self.annotations_made >= self.annotations_needed

    @property
    def items(self) -> list[LessonState | QuizState | AssignmentState]:
        return [*self.lessons, *self.quizzes, *self.assignments]

    @property
    def required_items(self) -> list[LessonState | QuizState]:
        return [item for item in self.items if item.node.required]

    @property
    def percent(self) -> int:
        return _percent(self.required_items, self.complete)

    @property
    def status(self) -> str:
        if not self.is_open:
            return "locked"
        if self.complete:
            return "complete"
        started = (
            any(s.viewed or s.done for s in self.lessons)
            or any(q.attempts for q in self.quizzes)
            or any(a.submissions for a in self.assignments)
        )
        return "in_progress" if started else "open"


@dataclass(eq=False, slots=True)
class Progress:
    enrolment_id: int
    outline: CourseOutline
    modules: list[ModuleState]
    records: tuple = ()  # what it was computed from, to re-evaluate after a change
    rules: dict = field(default_factory=dict)  # the cohort's completion-rule overrides
    submissions: dict = field(default_factory=dict)  # by assignment id, to re-evaluate
    annotations: dict = field(default_factory=dict)  # the learner's posts by module id
    excused: frozenset = frozenset()  # (item kind, item key) the learner is excused from
    # Read back from the stored rows (services/progress/summary.py): what the learner's dates
    # come from (services.deadlines.dates.Batch), so that they cost no query; None otherwise.
    dated: dict | None = None

    @property
    def items(self) -> list[LessonState | QuizState]:
        return [item for module in self.modules for item in module.items]

    def next_change(self, now: dt.datetime) -> dt.datetime | None:
        """When this progress next changes with the clock alone: a module the schedule keeps
        closed opens, or one not complete falls due (a kept page is rendered again then)."""
        moments = [m.opens_at for m in self.modules if m.opens_at is not None] + [
            m.due_at for m in self.modules if m.due_at is not None and not m.complete
        ]
        return min((moment for moment in moments if moment > now), default=None)

    @property
    def complete(self) -> bool:
        required = [m for m in self.modules if m.required]
        return bool(self.modules) and all(m.complete for m in required)

    @property
    def percent(self) -> int:
        items = [i for m in self.modules if m.required for i in m.required_items]
        return _percent(items, self.complete)

    @property
    def next_step(self) -> LessonState | QuizState | None:
        return next(
            (
                item
                for module in self.modules
                if module.is_open
                for item in module.required_items
                if not (item.done or item.excused)
            ),
            None,
        )

    @property
    def next_opening(self) -> ModuleState | None:
        """The first required module still closed, when nothing open is left to do."""
        return next((m for m in self.modules if m.required and not m.is_open), None)

    def lesson(self, key: str) -> LessonState | None:
        return next((s for m in self.modules for s in m.lessons if s.node.key == key), None)

    def quiz(self, key: str) -> QuizState | None:
        return next((s for m in self.modules for s in m.quizzes if s.node.key == key), None)

    def assignment(self, key: str) -> AssignmentState | None:
        return next((s for m in self.modules for s in m.assignments if s.node.key == key), None)

    def module_of(self, item: LessonState | QuizState) -> ModuleState:
        return next(m for m in self.modules if m.node is item.node.module)

    def neighbours(self, item) -> tuple:
        items = self.items
        index = items.index(item)
        return (
            items[index - 1] if index else None,
            items[index + 1] if index + 1 < len(items) else None,
        )


def _percent(items, complete: bool) -> int:
    if not items:
        return 100 if complete else 0
    return int(100 * sum(1 for item in items if item.done or item.excused) / len(items))


def quiz_outcome(graded: list, method: str) -> tuple[Decimal | None, bool]:
    """(percentage that counts, passed?) of graded attempts (in order) by the grading method."""
    if not graded:
        return None, False
    percents = [attempt_percent(a) for a in graded]
    if method == "average":
        mean = sum(percents) / len(percents)
        return mean, mean >= graded[-1].pass_mark
    if method in ("first", "last"):
        chosen = graded[0] if method == "first" else graded[-1]
        return attempt_percent(chosen), bool(chosen.passed)
    return max(percents), any(a.passed for a in graded)


def attempt_percent(attempt) -> Decimal:
    if not attempt.max_score:
        return Decimal(100)
    return Decimal(attempt.score or 0) * 100 / Decimal(attempt.max_score)
