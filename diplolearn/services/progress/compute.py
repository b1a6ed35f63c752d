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
    Enrolment,
    LessonProgress,
    ModuleSchedule,
    QuizAttempt,
    utcnow,
)
from diplolearn.services.outline import (
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
        return [a for a in self.attempts if a.state == AttemptState.GRADED]

    @property
    def in_progress(self):
        return next((a for a in self.attempts if a.state == AttemptState.IN_PROGRESS), None)

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
class ModuleState:
    node: ModuleNode
    lessons: list[LessonState]
    quizzes: list[QuizState]
    waiting_for: list[ModuleNode] = field(default_factory=list)  # prerequisites not complete
    opens_at: dt.datetime | None = None  # set while the cohort's schedule keeps it closed
    due_at: dt.datetime | None = None
    is_open: bool = False
    complete: bool = False

    @property
    def items(self) -> list[LessonState | QuizState]:
        return [*self.lessons, *self.quizzes]

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
        started = any(s.viewed or s.done for s in self.lessons) or any(q.attempts
                                                                        for q in self.quizzes)
        return "in_progress" if started else "open"


@dataclass(eq=False, slots=True)
class Progress:
    enrolment_id: int
    outline: CourseOutline
    modules: list[ModuleState]
    records: tuple = ()  # what it was computed from, to re-evaluate after a change

    @property
    def items(self) -> list[LessonState | QuizState]:
        return [item for module in self.modules for item in module.items]

    @property
    def complete(self) -> bool:
        required = [m for m in self.modules if m.node.required]
        return bool(self.modules) and all(m.complete for m in required)

    @property
    def percent(self) -> int:
        items = [i for m in self.modules if m.node.required for i in m.required_items]
        return _percent(items, self.complete)

    @property
    def next_step(self) -> LessonState | QuizState | None:
        return next((item for module in self.modules if module.is_open
                     for item in module.required_items if not item.done), None)

    @property
    def next_opening(self) -> ModuleState | None:
        """The first required module still closed, when nothing open is left to do."""
        return next((m for m in self.modules if m.node.required and not m.is_open), None)

    def lesson(self, key: str) -> LessonState | None:
        return next((s for m in self.modules for s in m.lessons if s.node.key == key), None)

    def quiz(self, key: str) -> QuizState | None:
        return next((s for m in self.modules for s in m.quizzes if s.node.key == key), None)

    def module_of(self, item: LessonState | QuizState) -> ModuleState:
        return next(m for m in self.modules if m.node is item.node.module)

    def neighbours(self, item) -> tuple:
        items = self.items
        index = items.index(item)
        return (items[index - 1] if index else None,
                items[index + 1] if index + 1 < len(items) else None)


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

_ATTEMPT_COLUMNS = (QuizAttempt.id, QuizAttempt.enrolment_id, QuizAttempt.quiz_id,
                    QuizAttempt.number, QuizAttempt.state, QuizAttempt.score,
                    QuizAttempt.max_score, QuizAttempt.passed, QuizAttempt.pass_mark,
                    QuizAttempt.deadline_at, QuizAttempt.started_at)


def progress_for(enrolments: list[Enrolment], now: dt.datetime | None = None
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
    for row in db.session.execute(sa.select(
            LessonProgress.enrolment_id, LessonProgress.lesson_id, LessonProgress.completed_at,
            LessonProgress.time_spent_seconds).where(LessonProgress.enrolment_id.in_(ids))):
        lessons[row.enrolment_id][row.lesson_id] = row
    attempts: dict[int, dict] = defaultdict(lambda: defaultdict(list))
    for row in db.session.execute(sa.select(*_ATTEMPT_COLUMNS).where(
            QuizAttempt.enrolment_id.in_(ids)).order_by(QuizAttempt.number)):
        attempts[row.enrolment_id][row.quiz_id].append(row)
    schedules: dict[int, dict] = defaultdict(dict)
    for row in db.session.execute(sa.select(
            ModuleSchedule.cohort_id, ModuleSchedule.module_id, ModuleSchedule.opens_at,
            ModuleSchedule.due_at).where(
            ModuleSchedule.cohort_id.in_({e.cohort_id for e in studying}))):
        schedules[row.cohort_id][row.module_id] = row
    result: dict[int, Progress | None] = {e.id: None for e in enrolments}
    for e in studying:
        result[e.id] = evaluate(e.id, outlines[versions[e.id]], lessons[e.id], attempts[e.id],
                                schedules[e.cohort_id], now)
    return result


def course_progress(enrolment: Enrolment, now: dt.datetime | None = None) -> Progress | None:
    return progress_for([enrolment], now)[enrolment.id]


def evaluate(enrolment_id: int, outline: CourseOutline, lessons: dict, attempts: dict,
             schedules: dict, now: dt.datetime) -> Progress:
    """Apply the completion rules to one learner's records (pure: no queries)."""
    states: dict[str, ModuleState] = {}
    for node in outline.modules:
        lesson_states = []
        for lesson in node.lessons:
            row = lessons.get(lesson.lesson_id)
            lesson_states.append(LessonState(lesson, row is not None,
                                             row.completed_at if row else None,
                                             row.time_spent_seconds if row else 0))
        quiz_states = [QuizState(quiz, list(attempts.get(quiz.quiz_id, ())))
                       for quiz in node.quizzes]
        schedule = schedules.get(node.module_id)
        states[node.key] = ModuleState(
            node, lesson_states, quiz_states, due_at=schedule.due_at if schedule else None,
            opens_at=schedule.opens_at if schedule and schedule.opens_at > now else None)

    settled: set[str] = set()

    def settle(key: str, path: frozenset) -> bool:
        state = states[key]
        if key in settled:
            return state.complete
        if key in path:  # a prerequisite cycle never opens
            return False
        needed = [states[k] for k in state.node.prerequisites if k in states]
        state.waiting_for = [s.node for s in needed if not settle(s.node.key, path | {key})]
        state.is_open = not state.waiting_for and state.opens_at is None
        state.complete = state.is_open and all(item.done for item in state.required_items)
        settled.add(key)
        return state.complete

    for key in states:
        settle(key, frozenset())
    return Progress(enrolment_id, outline, list(states.values()),
                    (lessons, attempts, schedules, now))
