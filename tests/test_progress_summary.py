"""Stored progress (issue 16, services/progress/summary.py): after any sequence of the real
services' calls, each committed as a request commits it, the stored rows equal the rows a fresh
computation from the records gives, and the learner pages' progress read back from them equals
the computed progress, now and after time has moved (schedules opening, due dates passing)."""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest
import sqlalchemy as sa

from diplolearn.extensions import db as _db
from diplolearn.models import ModuleProgress, Role, utcnow
from diplolearn.services import progress
from diplolearn.services.assessment import assignments, quizzes
from diplolearn.services.cohorts import cohorts
from diplolearn.services.deadlines import excusals
from diplolearn.services.deadlines import requests as extension_requests
from diplolearn.services.deadlines.dates import Batch
from diplolearn.services.discussion import posting
from diplolearn.services.errors import DomainError
from diplolearn.services.progress import summary
from tests.factories import (
    make_assignment,
    make_learner,
    make_published_course,
    make_with_role,
    quiz_answers,
)

COMPARED = [c.key for c in ModuleProgress.__table__.columns if c.key != "computed_at"]


def stored_rows(enrolment_id: int) -> list[dict]:
    rows = _db.session.execute(
        sa.select(ModuleProgress)
        .where(ModuleProgress.enrolment_id == enrolment_id)
        .order_by(ModuleProgress.position)
        .execution_options(populate_existing=True)
    ).scalars()
    return [{k: getattr(r, k) for k in COMPARED} for r in rows]


def fresh_rows(enrolment, now) -> list[dict]:
    computed = progress.progress_for([enrolment], now)[enrolment.id]
    if computed is None:
        return []
    rows = summary.rows_of(
        enrolment, computed, now, summary.dated_of(enrolment, Batch([enrolment]))
    )
    for row in rows:  # as the database gives it back
        row["detail"] = json.loads(json.dumps(row["detail"]))
    return [{k: row[k] for k in COMPARED} for row in rows]


def outcome(standing) -> list:
    """What the learner pages show of a progress, item by item."""
    return [
        (
            m.node.key,
            m.status,
            m.is_open,
            m.complete,
            m.overdue,
            m.percent,
            m.due_at,
            m.opens_at,
            [w.key for w in m.waiting_for],
            [(i.node.key, i.done, i.excused) for i in m.items],
            m.annotations_made,
        )
        for m in standing.modules
    ] + [
        standing.percent,
        standing.complete,
        getattr(standing.next_step, "node", None) and standing.next_step.node.key,
    ]


def check(enrolments, now=None):
    now = now or utcnow()
    _db.session.expire_all()
    for enrolment in enrolments:
        assert stored_rows(enrolment.id) == fresh_rows(enrolment, now), enrolment.id
    # Read back (never computed: the rows are valid), now and later, as the pages read it.
    for later in (now, now + dt.timedelta(days=20), now + dt.timedelta(days=80)):
        computed = progress.progress_for(enrolments, later)
        original, summary.progress_for = summary.progress_for, _refuse
        try:
            stored = summary.stored_progress_for(enrolments, later)
        finally:
            summary.progress_for = original
        for enrolment in enrolments:
            assert outcome(stored[enrolment.id]) == outcome(computed[enrolment.id])


def _refuse(*_args, **_kwargs):
    raise AssertionError("the stored rows were not valid: progress was computed")


@pytest.fixture
def world(db):
    published = make_published_course(modules=3, lessons_per_module=2)
    make_assignment(published, "m2", completion="passed")
    instructor = make_with_role(Role.INSTRUCTOR, published.course.id)
    cohort = cohorts.create_cohort(
        published.course,
        name={"en": "Run"},
        timezone="UTC",
        starts_at=None,
        ends_at=None,
        capacity=None,
        by=instructor,
    )
    learners = [make_learner(cohort)[1] for _ in range(2)]
    db.session.commit()
    return published, cohort, instructor, learners


def _step(rng, published, cohort, instructor, enrolments):
    enrolment = rng.choice(enrolments)
    standing = progress.course_progress(enrolment)
    action = rng.randrange(11)
    module = rng.choice(standing.modules)
    now = utcnow()
    if action == 0 and module.lessons:
        progress.mark_lesson_done(enrolment, standing, rng.choice(module.lessons))
    elif action == 1:
        lesson = rng.choice(module.lessons)
        progress.ensure_open(standing, lesson)
        progress.record_lesson_activity(
            enrolment.id,
            lesson.node.lesson_id,
            standing.outline.version_id,
            enrolment.last_activity_at,
            now,
            viewed=lesson.viewed,
        )
    elif action == 2 and module.quizzes:
        quiz = module.quizzes[0]
        progress.ensure_open(standing, quiz)
        attempt = quizzes.start_attempt(enrolment, quiz, "en")
        if rng.random() < 0.8:
            quizzes.submit(attempt, quiz_answers(attempt, right=rng.random() < 0.6))
        else:
            quizzes.save_answers(attempt, quiz_answers(attempt, right=True))
    elif action == 3:
        item = rng.choice([i for i in module.items if i.node.kind != "lesson"] or module.items)
        excusals.excuse(enrolment, item.node.kind, item.node.key, "Reason", instructor)
    elif action == 4:
        extension_requests.extend_module(
            enrolment,
            module.node.module_id,
            now + dt.timedelta(days=rng.choice([-5, 10, 40])),
            "Reason",
            instructor,
        )
    elif action == 5:
        opens = now + dt.timedelta(days=rng.choice([-20, -1, 5, 50]))
        due = opens + dt.timedelta(days=rng.choice([3, 30]))
        cohorts.set_schedule(
            cohort,
            {module.node.module_id: (opens.replace(tzinfo=None), due.replace(tzinfo=None))},
            by=instructor,
        )
    elif action == 6:
        keys = [m.node.key for m in standing.modules]
        cohorts.set_module_rules(
            cohort,
            {
                k: {
                    "required": rng.random() < 0.7,
                    "prerequisites": rng.sample([o for o in keys if o != k], rng.randint(0, 1)),
                    "annotations": rng.choice([0, 0, 1]),
                }
                for k in keys
            },
            by=instructor,
        )
    elif action == 7 and module.assignments:
        state = module.assignments[0]
        latest = state.latest
        if latest is not None and latest.state == "submitted":
            submission = next(
                s
                for s in assignments.submissions_of(enrolment.id, state.node.assignment_id)
                if s.id == latest.id
            )
            revision = assignments.rubric(submission.assignment_revision_id)
            levels = {c.id: rng.choice(c.levels).id for c in revision.criteria}
            assignments.grade(submission, instructor, levels, "Comments", rng.random() < 0.5)
        else:
            progress.ensure_open(standing, state)
            assignments.save(enrolment, standing, state, body="An essay.", submit=True)
    elif action == 8:
        lesson = rng.choice(module.lessons)
        progress.ensure_open(standing, lesson)
        posting.annotate(
            enrolment, standing, lesson, "p1", kind="comment", body="A post.", lang="en"
        )
    elif action == 9:
        quiz = next((q for m in standing.modules for q in m.quizzes), None)
        extension_requests.extend_quiz(
            enrolment, quiz.node.quiz_id, now + dt.timedelta(days=rng.choice([-2, 9])), 1,
            instructor,
        )  # fmt: skip
    elif action == 10:
        cohorts.withdraw(enrolment, by=instructor)


@pytest.mark.parametrize("seed", range(4))
def test_the_stored_progress_equals_a_fresh_computation_after_any_sequence(world, seed):
    published, cohort, instructor, enrolments = world
    rng = random.Random(seed)
    check(enrolments)
    done = 0
    for _ in range(45):
        try:
            with _db.session.begin_nested():
                _step(rng, published, cohort, instructor, enrolments)
        except DomainError:
            continue  # refused (locked, withdrawn, no attempts left...): nothing written
        _db.session.commit()
        done += 1
        check(enrolments)
    assert done >= 15  # the sequence did change things


def test_a_change_rolled_back_leaves_the_rows_as_they_were(world):
    _published, _cohort, _instructor, (enrolment, _other) = world
    before = stored_rows(enrolment.id)
    standing = progress.course_progress(enrolment)
    with _db.session.begin_nested() as nested:
        progress.mark_lesson_done(enrolment, standing, standing.lesson("m1-l1"))
        nested.rollback()
    _db.session.commit()
    assert stored_rows(enrolment.id) == before
    check([enrolment])


def test_rebuild_restores_rows_deleted_or_wrong(world, runner):
    _published, cohort, _instructor, enrolments = world
    _db.session.execute(sa.delete(ModuleProgress))
    _db.session.commit()
    # Without rows, the pages compute progress from the records (and a GET writes nothing).
    assert progress.stored_progress(enrolments[0]) is not None
    result = runner.invoke(args=["progress", "rebuild", "--cohort", str(cohort.id)])
    assert result.exit_code == 0, result.output
    assert "2 enrolment(s)" in result.output
    check(enrolments)
    result = runner.invoke(args=["progress", "rebuild", "--cohort", "999999"])
    assert result.exit_code != 0
    result = runner.invoke(args=["progress", "rebuild"])
    assert result.exit_code == 0, result.output
    check(enrolments)


def test_the_answer_save_recomputes_nothing(world):
    """Saving answers changes no progress: no stored row is read or rewritten (a short write)."""
    _published, _cohort, _instructor, (enrolment, _other) = world
    standing = progress.course_progress(enrolment)
    attempt = quizzes.start_attempt(enrolment, standing.quiz("m1-quiz"), "en")
    _db.session.commit()
    statements = []

    def note(_conn, _cursor, statement, *_args):
        statements.append(statement)

    sa.event.listen(_db.engine, "before_cursor_execute", note)
    try:
        quizzes.save_answers(attempt, quiz_answers(attempt, right=True))
        _db.session.commit()
    finally:
        sa.event.remove(_db.engine, "before_cursor_execute", note)
    assert statements and not any("module_progress" in s for s in statements), statements
