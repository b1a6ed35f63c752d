"""The demo tells a true story whatever day it is seeded (issue 14): every learner of the
running cohort has something they can do next; dates follow each other and nothing happened
in the future; essays read as different people's; quiz answers vary like a real class's;
one request for more time waits and one was granted; seeding twice changes nothing."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import sqlalchemy as sa

from diplolearn.demo import DEMO_COHORT_KEY, seed_demo
from diplolearn.models import (
    Annotation,
    Certificate,
    Cohort,
    DiscussionSession,
    Enrolment,
    EnrolmentState,
    ExtensionRequest,
    LateRule,
    LessonProgress,
    QuizAttempt,
    StaffMembership,
    Submission,
    User,
    utcnow,
)
from diplolearn.services.assessment import results
from diplolearn.services.deadlines import next_steps

COUNTED = (
    Enrolment,
    Submission,
    QuizAttempt,
    LessonProgress,
    ExtensionRequest,
    DiscussionSession,
    LateRule,
    Annotation,
)


def _all(db, model):
    return list(db.session.scalars(sa.select(model)))


def test_the_demo_tells_a_true_story(app, db):
    seed_demo()
    db.session.commit()
    now = utcnow()
    running = db.session.scalar(sa.select(Cohort).where(Cohort.key == DEMO_COHORT_KEY))
    learners = list(
        db.session.scalars(
            sa.select(Enrolment).where(
                Enrolment.cohort_id == running.id,
                Enrolment.state.in_((EnrolmentState.ACTIVE, EnrolmentState.INVITED)),
            )
        )
    )
    assert len(learners) >= 10

    # Every learner of the running cohort has something to do now.
    with app.test_request_context():
        steps = next_steps(learners, now=now)
    stuck = {e.user.email: (s.kind, s.action) for e in learners for s in [steps[e.id]]}
    assert all(kind == "act" for kind, _action in stuck.values()), stuck

    # Most learners keep up: those gone quiet (silent for the cohort's at-risk days) are few.
    quiet = [
        e
        for e in learners
        if (e.last_activity_at or e.created_at)
        <= now - dt.timedelta(days=running.at_risk_inactive_days)
    ]
    assert 0 < len(quiet) <= len(learners) // 2, [e.user.email for e in quiet]

    # Dates in order, nothing in the future.
    for e in _all(db, Enrolment):
        for later in (e.activated_at, e.completed_at, e.last_activity_at):
            assert later is None or e.created_at <= later, (e.user.email, e.created_at, later)
        assert e.completed_at is None or e.completed_at <= now
        assert e.last_activity_at is None or e.last_activity_at <= now
        assert e.user.created_at <= e.created_at
    for m in _all(db, StaffMembership):
        assert m.started_at <= db.session.get(User, m.user_id).created_at + dt.timedelta(seconds=1)
    moments = [
        *(p.completed_at for p in _all(db, LessonProgress)),
        *(p.first_viewed_at for p in _all(db, LessonProgress)),
        *(a.started_at for a in _all(db, QuizAttempt)),
        *(a.submitted_at for a in _all(db, QuizAttempt)),
        *(a.graded_at for a in _all(db, QuizAttempt)),
        *(s.submitted_at for s in _all(db, Submission)),
        *(s.returned_at for s in _all(db, Submission)),
        *(c.issued_at for c in _all(db, Certificate)),
        *(p.created_at for p in _all(db, Annotation)),
        *(r.created_at for r in _all(db, ExtensionRequest)),
        *(r.decided_at for r in _all(db, ExtensionRequest)),
    ]
    future = [m for m in moments if m is not None and m > now]
    assert not future, future[:5]

    # Essays: every handed-in essay is its own, none a paragraph repeated.
    bodies = [s.body for s in _all(db, Submission) if s.body]
    assert len(bodies) >= 10
    repeated = [b for b, n in Counter(bodies).items() if n > 1]
    assert not repeated, repeated[0][:200]
    for body in bodies:
        paragraphs = [p for p in body.split("\n\n") if p.strip()]
        assert len(paragraphs) == len(set(paragraphs)) >= 4

    # Quiz answers vary: first attempts of the first quiz score differently, and its questions
    # are neither all answered right nor all wrong.
    attempts = [a for a in _all(db, QuizAttempt) if a.number == 1 and a.max_score]
    assert len({a.score * 100 / a.max_score for a in attempts}) >= 4
    quiz_id = Counter(a.quiz_id for a in attempts).most_common(1)[0][0]
    scoped = sa.select(QuizAttempt.id).where(QuizAttempt.quiz_id == quiz_id)
    stats = [s for s in results.question_stats(quiz_id, scoped) if s.facility is not None]
    facilities = {round(s.facility, 2) for s in stats}
    assert len(facilities) >= 3, facilities
    assert any(0.2 <= s.facility <= 0.9 for s in stats), facilities

    # Requests for more time: one waiting, one granted.
    states = Counter(r.state for r in _all(db, ExtensionRequest))
    assert states["pending"] >= 1 and states["granted"] >= 1, states

    # A weekly session is coming up for the running cohort's groups.
    assert any(s.starts_at > now for s in _all(db, DiscussionSession))

    # Seeding again changes nothing.
    counts = [db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in COUNTED]
    created = [e.created_at for e in _all(db, Enrolment)]
    assert seed_demo() == 0
    db.session.commit()
    assert counts == [db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in COUNTED]
    assert created == [e.created_at for e in _all(db, Enrolment)]
