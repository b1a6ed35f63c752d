"""Where a learner stands: the completion rules applied to the progress states (states.py).

See the package docstring for the rules. ``progress_for`` reads any number of enrolments'
progress in a fixed number of queries (the outlines' four, or one when cached, plus three);
``evaluate`` applies the rules to records already read, without a query.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa

from diplolearn.extensions import db
from diplolearn.models import (
    DueDateExtension,
    Enrolment,
    Excusal,
    LessonProgress,
    ModuleSchedule,
    QuizAttempt,
    Submission,
    utcnow,
)
from diplolearn.services.catalogue.outline import CourseOutline, load_outlines
from diplolearn.services.progress.states import (
    AssignmentState,
    LessonState,
    ModuleState,
    Progress,
    QuizState,
)

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
    Submission.returned_at,
)


def progress_for(
    enrolments: list[Enrolment], now: dt.datetime | None = None, *, remember: bool = True
) -> dict[int, Progress | None]:
    """Each enrolment's progress (None when its cohort follows no version yet), in the same
    number of queries whatever the number of enrolments and the size of their courses.
    The enrolments' cohorts must be loaded already. ``remember``: as load_outlines'."""
    now = now or utcnow()
    versions = {e.id: e.cohort.course_version_id for e in enrolments}
    outlines = load_outlines(versions.values(), remember=remember)
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
    # The cohorts' schedules, the learners' due-date extensions and the items they are
    # excused from (issue 14: rows with an item kind), in one query.
    schedules: dict[int, dict] = defaultdict(dict)
    extensions: dict[int, dict] = defaultdict(dict)
    excused: dict[int, set] = defaultdict(set)
    no_text = sa.cast(sa.null(), sa.String)
    for row in db.session.execute(
        sa.union_all(
            sa.select(
                sa.false().label("extended"),
                ModuleSchedule.cohort_id.label("owner_id"),
                ModuleSchedule.module_id,
                ModuleSchedule.opens_at,
                ModuleSchedule.due_at,
                no_text.label("item_kind"),
                no_text.label("item_key"),
            ).where(ModuleSchedule.cohort_id.in_({e.cohort_id for e in studying})),
            sa.select(
                sa.true(),
                DueDateExtension.enrolment_id,
                DueDateExtension.module_id,
                sa.null(),
                DueDateExtension.due_at,
                no_text,
                no_text,
            ).where(DueDateExtension.enrolment_id.in_(ids)),
            sa.select(
                sa.false(),
                Excusal.enrolment_id,
                Excusal.module_id,
                sa.null(),
                sa.null(),
                Excusal.item_kind,
                Excusal.item_key,
            ).where(Excusal.enrolment_id.in_(ids)),
        )
    ):
        if row.item_kind is not None:
            excused[row.owner_id].add((row.item_kind, row.item_key))
        else:
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
    # ask for some (services/discussion/posting.py: shared posts, not hidden, not private notes).
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
            excused=frozenset(excused[e.id]),
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
    excused: frozenset = frozenset(),
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
                    ("lesson", lesson.key) in excused,
                )
            )
        quiz_states = [
            QuizState(quiz, list(attempts.get(quiz.quiz_id, ())), ("quiz", quiz.key) in excused)
            for quiz in node.quizzes
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
                AssignmentState(
                    a, list(submissions.get(a.assignment_id, ())), ("assignment", a.key) in excused
                )
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
            and all(item.done or item.excused for item in state.required_items)
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
        frozenset(excused),
    )
