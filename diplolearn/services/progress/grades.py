"""The grades page (issue 14): every quiz, written assignment and module of one learner's
course with its score, status and lateness, shaped from their progress (compute.py) without a
query of its own. The learner sees it for themself; their tutor and the cohort's lead
instructor see the same page for each learner they follow.

Statuses: a quiz is ``passed``, ``not_passed`` (graded attempts, none counting as a pass),
``awaiting_grading`` (an essay question waits for a person), ``in_progress``, ``withheld``
(graded, waiting for a tutor to release the grade), ``excused`` (a tutor excused the learner:
the module completes without it) or ``not_started``; a written assignment
is ``returned`` (graded, with feedback), ``submitted``, ``draft``, ``excused`` or
``not_started``; a module
takes its progress status (locked, open, in progress, complete).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from diplolearn.models import AttemptState, SubmissionState
from diplolearn.services.progress.states import (
    AssignmentState,
    ModuleState,
    Progress,
    QuizState,
    attempt_percent,
)


@dataclass(frozen=True, slots=True)
class QuizGrade:
    state: QuizState
    status: str
    percent: Decimal | None
    attempts_used: int
    attempts_left: int | None
    feedback_attempt_id: int | None  # the attempt whose result page explains the score


@dataclass(frozen=True, slots=True)
class AssignmentGrade:
    state: AssignmentState
    status: str
    score: Decimal | None
    max_score: Decimal | None
    passed: bool | None
    late: bool
    submitted_at: dt.datetime | None
    feedback_submission_id: int | None  # the returned submission carrying the feedback


@dataclass(slots=True)
class ModuleGrades:
    module: ModuleState
    quizzes: list[QuizGrade] = field(default_factory=list)
    assignments: list[AssignmentGrade] = field(default_factory=list)


@dataclass(slots=True)
class Grades:
    progress: Progress
    modules: list[ModuleGrades]

    @property
    def complete(self) -> bool:
        return self.progress.complete

    @property
    def percent(self) -> int:
        return self.progress.percent

    @property
    def quiz_average(self) -> Decimal | None:
        """The mean of the scores that count of the required quizzes graded so far (shown for
        information: completion, not an average, decides the course result)."""
        scores = [
            q.percent
            for m in self.modules
            for q in m.quizzes
            if q.percent is not None and q.state.node.required
        ]
        return sum(scores) / len(scores) if scores else None


def quiz_grade(state: QuizState) -> QuizGrade:
    graded = state.graded
    withheld = any(a.state == AttemptState.GRADED and a.grade_withheld for a in state.attempts)
    if getattr(state, "excused", False) and not state.done:
        status = "excused"
    elif state.done:
        status = "passed"
    elif state.awaiting_grading is not None:
        status = "awaiting_grading"
    elif state.in_progress is not None:
        status = "in_progress"
    elif graded:
        status = "not_passed"
    elif withheld:
        status = "withheld"
    else:
        status = "not_started"
    feedback = graded[-1].id if graded else None
    if graded and state.node.grading_method in ("highest", "first"):
        chosen = (
            max(graded, key=attempt_percent)
            if state.node.grading_method == "highest"
            else graded[0]
        )
        feedback = chosen.id
    return QuizGrade(state, status, state.percent, state.used, state.left, feedback)


def assignment_grade(state: AssignmentState) -> AssignmentGrade:
    handed_in = [s for s in state.submissions if s.state != SubmissionState.DRAFT]
    returned = [s for s in handed_in if s.state == SubmissionState.RETURNED]
    latest = state.latest
    if getattr(state, "excused", False) and not state.done:
        status = "excused"
    elif latest is None:
        status = "not_started"
    elif latest.state == SubmissionState.DRAFT and not handed_in:
        status = "draft"
    elif latest.state == SubmissionState.RETURNED:
        status = "returned"
    else:
        status = "submitted"
    graded = returned[-1] if returned else None
    last_in = handed_in[-1] if handed_in else None
    return AssignmentGrade(
        state,
        status,
        graded.score if graded else None,
        graded.max_score if graded else None,
        graded.passed if graded else None,
        bool(last_in is not None and last_in.is_late),
        last_in.submitted_at if last_in else None,
        graded.id if graded else None,
    )


def grades_of(progress: Progress) -> Grades:
    """Every module, quiz and written assignment of the course with its grade (no query)."""
    return Grades(
        progress,
        [
            ModuleGrades(
                module,
                [quiz_grade(q) for q in module.quizzes],
                [assignment_grade(a) for a in module.assignments],
            )
            for module in progress.modules
        ],
    )
