"""Grading without friction (issue 20): where a submission stands in the grader's queue, the
next one still to grade, and the held quiz grades a grader may release.

Everything starts from the grading scope of security.scoping.grading (``gradable_submissions``,
``graded_attempts``), so the neighbours of a submission are those of the very queue the grader
came from (same scope, same order as services.assessment.assignments.queue: oldest handed in
first), and nobody sees or releases the work of learners they do not grade.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from diplolearn.extensions import db
from diplolearn.models import (
    AttemptState,
    Cohort,
    Enrolment,
    QuizAttempt,
    Submission,
    SubmissionState,
    User,
)
from diplolearn.names import person_order
from diplolearn.security.scoping.grading import gradable_submissions, graded_attempts


@dataclass(frozen=True)
class QueuePlace:
    """A submission's place in a queue: the previous and next ids (None at the ends), its
    position from 1 (None when it is not in that queue) and the queue's length."""

    previous_id: int | None
    next_id: int | None
    position: int | None
    total: int


def _after(submission: Submission):
    return sa.or_(
        Submission.submitted_at > submission.submitted_at,
        sa.and_(Submission.submitted_at == submission.submitted_at, Submission.id > submission.id),
    )


def _before(submission: Submission):
    return sa.or_(
        Submission.submitted_at < submission.submitted_at,
        sa.and_(Submission.submitted_at == submission.submitted_at, Submission.id < submission.id),
    )


def _queue_ids(viewer: User, course_id: int, state: str) -> sa.Select:
    return (
        gradable_submissions(viewer, course_id)
        .with_only_columns(Submission.id)
        .where(Submission.state == state)
    )


def queue_place(viewer: User, course_id: int, submission: Submission, state: str) -> QueuePlace:
    """Where ``submission`` stands in the viewer's queue of ``state`` (submitted: waiting;
    returned), ordered as the queue is."""
    ids = _queue_ids(viewer, course_id, state)
    previous_id = db.session.scalar(
        ids.where(_before(submission))
        .order_by(Submission.submitted_at.desc(), Submission.id.desc())
        .limit(1)
    )
    next_id = db.session.scalar(
        ids.where(_after(submission)).order_by(Submission.submitted_at, Submission.id).limit(1)
    )
    total, before = db.session.execute(
        sa.select(
            sa.func.count(),
            sa.func.count().filter(Submission.id.in_(ids.where(_before(submission)))),
        ).where(Submission.id.in_(ids))
    ).one()
    position = before + 1 if submission.state == state else None
    return QueuePlace(previous_id, next_id, position, total)


def next_ungraded_id(viewer: User, course_id: int, submission: Submission) -> int | None:
    """The next submission waiting for grading after this one in the viewer's queue, else the
    first still waiting before it; None when nothing else waits."""
    ids = _queue_ids(viewer, course_id, SubmissionState.SUBMITTED).where(
        Submission.id != submission.id
    )
    order = (Submission.submitted_at, Submission.id)
    return db.session.scalar(ids.where(_after(submission)).order_by(*order).limit(1)) or (
        db.session.scalar(ids.order_by(*order).limit(1))
    )


# --- held quiz grades -------------------------------------------------------------------------


def held_attempts(viewer: User, course_id: int, quiz_id: int) -> list[QuizAttempt]:
    """The quiz's graded attempts whose grade is held, among the learners the viewer grades,
    with learner and cohort, by cohort, learner and attempt number."""
    return list(
        db.session.scalars(
            graded_attempts(viewer, course_id)
            .join(User, User.id == Enrolment.user_id)
            .where(
                QuizAttempt.quiz_id == quiz_id,
                QuizAttempt.state == AttemptState.GRADED,
                QuizAttempt.grade_withheld.is_(True),
            )
            .options(
                joinedload(QuizAttempt.enrolment).joinedload(Enrolment.user),
                joinedload(QuizAttempt.enrolment).joinedload(Enrolment.cohort),
            )
            .order_by(Cohort.key, *person_order(), User.id, QuizAttempt.number)
        ).all()
    )
