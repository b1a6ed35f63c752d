"""Where a learner stands: the progress states and the completion rules applied to them.

See the package docstring for the rules. ``progress_for`` reads any number of enrolments'
progress in a fixed number of queries (the outlines' four, or one when cached, plus three);
``evaluate`` applies the rules to records already read, without a query.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa

from diplolearn.extensions import db
from diplolearn.models import (
    AttemptState,
    DueDateExtension,
    Enrolment,
    LessonProgress,
    ModuleSchedule,
    QuizAttempt,
    Submission,
    SubmissionState,
    utcnow,
)
from diplolearn.services.catalogue.outline import (
    AssignmentNode,
    CourseOutline,
    LessonNode,
    ModuleNode,
    QuizNode,
    load_outlines,
)


@dataclass(eq=False, slots=True)
class LessonState:
    node: LessonNode
    viewed: bool = False
    completed_at: dt.datetime | None = None
    time_spent_seconds: int = 0

    @property
    def done(self) -> bool:
        return self.completed_at is not None


@dataclass(eq=False, slots=True)
class QuizState:
    node: QuizNode
    attempts: list = field(default_factory=list)  # rows of _ATTEMPT_COLUMNS, by number

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

    @property
    def items(self) -> list[LessonState | QuizState]:
        return [item for module in self.modules for item in module.items]

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
                if not item.done
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
    return int(100 * sum(1 for item in items if item.done) / len(items))


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


# --- computing progress ----------------------------------------------------------------------

_ATTEMPT_COLUMNS = (
    QuizAttempt.id,
    QuizAttempt.enrolment_id,
    QuizAttempt.quiz_id,
    QuizAttempt.number,
    QuizAttempt.state,
    QuizAttempt.score,
    QuizAttempt.max_score,
    QuizAttempt.passed,
    QuizAttempt.pass_mark,
    QuizAttempt.deadline_at,
    QuizAttempt.started_at,
    QuizAttempt.grade_withheld,
)


_SUBMISSION_COLUMNS = (
    Submission.id,
    Submission.enrolment_id,
    Submission.assignment_id,
    Submission.number,
    Submission.state,
    Submission.submitted_at,
    Submission.is_late,
    Submission.passed,
    Submission.score,
    Submission.max_score,
    Submission.resubmission_allowed,
)


def progress_for(
    enrolments: list[Enrolment], now: dt.datetime | None = None
) -> dict[int, Progress | None]:
    """Each enrolment's progress (None when its cohort follows no version yet), in the same
    number of queries whatever the number of enrolments and the size of their courses.
    The enrolments' cohorts must be loaded already."""
    now = now or utcnow()
    versions = {e.id: e.cohort.course_version_id for e in enrolments}
    outlines = load_outlines(versions.values())
    studying = [e for e in enrolments if versions[e.id] is not None]
    if not studying:
        return {e.id: None for e in enrolments}
    ids = [e.id for e in studying]
    lessons: dict[int, dict] = defaultdict(dict)
    for row in db.session.execute(
        sa.select(
            LessonProgress.enrolment_id,
            LessonProgress.lesson_id,
            LessonProgress.completed_at,
            LessonProgress.time_spent_seconds,
        ).where(LessonProgress.enrolment_id.in_(ids))
    ):
        lessons[row.enrolment_id][row.lesson_id] = row
    attempts: dict[int, dict] = defaultdict(lambda: defaultdict(list))
    for row in db.session.execute(
        sa.select(*_ATTEMPT_COLUMNS)
        .where(QuizAttempt.enrolment_id.in_(ids))
        .order_by(QuizAttempt.number)
    ):
        attempts[row.enrolment_id][row.quiz_id].append(row)
    # The cohorts' schedules and the learners' due-date extensions, in one query.
    schedules: dict[int, dict] = defaultdict(dict)
    extensions: dict[int, dict] = defaultdict(dict)
    for row in db.session.execute(
        sa.union_all(
            sa.select(
                sa.false().label("extended"),
                ModuleSchedule.cohort_id.label("owner_id"),
                ModuleSchedule.module_id,
                ModuleSchedule.opens_at,
                ModuleSchedule.due_at,
            ).where(ModuleSchedule.cohort_id.in_({e.cohort_id for e in studying})),
            sa.select(
                sa.true(),
                DueDateExtension.enrolment_id,
                DueDateExtension.module_id,
                sa.null(),
                DueDateExtension.due_at,
            ).where(DueDateExtension.enrolment_id.in_(ids)),
        )
    ):
        (extensions if row.extended else schedules)[row.owner_id][row.module_id] = row
    # Submissions to written assignments: one more query, only for courses that have any.
    submissions: dict[int, dict] = defaultdict(lambda: defaultdict(list))
    if any(m.assignments for o in outlines.values() for m in o.modules):
        for row in db.session.execute(
            sa.select(*_SUBMISSION_COLUMNS)
            .where(Submission.enrolment_id.in_(ids))
            .order_by(Submission.number)
        ):
            submissions[row.enrolment_id][row.assignment_id].append(row)
    # The learners' discussion posts per module: one more query, only for cohorts whose rules
    # ask for some (services/discussion/discussion.py: shared posts, not hidden, not private notes).
    annotations: dict[tuple, dict] = defaultdict(dict)
    if any(
        rule.get("annotations")
        for e in studying
        for rule in (e.cohort.module_rules or {}).values()
        if isinstance(rule, dict)
    ):
        from diplolearn.models import Annotation

        for row in db.session.execute(
            sa.select(
                Annotation.author_id, Annotation.cohort_id, Annotation.module_id, sa.func.count()
            )
            .where(
                Annotation.author_id.in_({e.user_id for e in studying}),
                Annotation.cohort_id.in_({e.cohort_id for e in studying}),
                Annotation.audience != "private",
                Annotation.hidden_at.is_(None),
            )
            .group_by(Annotation.author_id, Annotation.cohort_id, Annotation.module_id)
        ):
            annotations[(row[0], row[1])][row[2]] = row[3]
    result: dict[int, Progress | None] = {e.id: None for e in enrolments}
    for e in studying:
        result[e.id] = evaluate(
            e.id,
            outlines[versions[e.id]],
            lessons[e.id],
            attempts[e.id],
            with_extensions(schedules[e.cohort_id], extensions[e.id]),
            now,
            rules=e.cohort.module_rules,
            submissions=submissions[e.id],
            annotations=annotations[(e.user_id, e.cohort_id)],
        )
    return result


@dataclass(frozen=True, slots=True)
class _Due:
    extended: bool
    opens_at: dt.datetime | None
    due_at: dt.datetime | None


def with_extensions(schedules: dict, extensions: dict) -> dict:
    """One learner's schedule: the cohort's, with each extended module due when the learner's
    extension says (an extension replaces the cohort's due date, earlier or later)."""
    if not extensions:
        return schedules
    merged = dict(schedules)
    for module_id, extension in extensions.items():
        base = schedules.get(module_id)
        merged[module_id] = _Due(True, base.opens_at if base else None, extension.due_at)
    return merged


def course_progress(enrolment: Enrolment, now: dt.datetime | None = None) -> Progress | None:
    return progress_for([enrolment], now)[enrolment.id]


def evaluate(
    enrolment_id: int,
    outline: CourseOutline,
    lessons: dict,
    attempts: dict,
    schedules: dict,
    now: dt.datetime,
    rules: dict | None = None,
    submissions: dict | None = None,
    annotations: dict | None = None,
) -> Progress:
    """Apply the completion rules to one learner's records (pure: no queries); ``rules`` are
    the cohort's overrides by module key (``Cohort.module_rules``)."""
    rules, submissions, annotations = rules or {}, submissions or {}, annotations or {}
    states: dict[str, ModuleState] = {}
    for node in outline.modules:
        lesson_states = []
        for lesson in node.lessons:
            row = lessons.get(lesson.lesson_id)
            lesson_states.append(
                LessonState(
                    lesson,
                    row is not None,
                    row.completed_at if row else None,
                    row.time_spent_seconds if row else 0,
                )
            )
        quiz_states = [
            QuizState(quiz, list(attempts.get(quiz.quiz_id, ()))) for quiz in node.quizzes
        ]
        schedule = schedules.get(node.module_id)
        rule = rules.get(node.key) or {}
        states[node.key] = ModuleState(
            node,
            lesson_states,
            quiz_states,
            due_at=schedule.due_at if schedule else None,
            due_extended=bool(schedule and schedule.extended),
            opens_at=schedule.opens_at
            if schedule and schedule.opens_at is not None and schedule.opens_at > now
            else None,
            required=bool(rule.get("required", node.required)),
            prerequisites=list(rule.get("prerequisites", node.prerequisites)),
            assignments=[
                AssignmentState(a, list(submissions.get(a.assignment_id, ())))
                for a in node.assignments
            ],
            annotations_needed=int(rule.get("annotations") or 0),
            annotations_made=int(annotations.get(node.module_id, 0)),
        )

    settled: set[str] = set()

    def settle(key: str, path: frozenset) -> bool:
        state = states[key]
        if key in settled:
            return state.complete
        if key in path:  # a prerequisite cycle never opens
            return False
        needed = [states[k] for k in state.prerequisites if k in states]
        state.waiting_for = [s.node for s in needed if not settle(s.node.key, path | {key})]
        state.is_open = not state.waiting_for and state.opens_at is None
        state.complete = (
            state.is_open
            and all(item.done for item in state.required_items)
            and state.discussion_done
        )
        state.overdue = state.due_at is not None and not state.complete and now >= state.due_at
        settled.add(key)
        return state.complete

    for key in states:
        settle(key, frozenset())
    return Progress(
        enrolment_id,
        outline,
        list(states.values()),
        (lessons, attempts, schedules, now),
        rules,
        submissions,
        annotations,
    )
