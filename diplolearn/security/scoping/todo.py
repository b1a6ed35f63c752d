"""The to-do lists of the home pages (issue 14): what waits for the person who asks, scoped by
their own enrolments and grants, each list in one query whatever the number of courses,
cohorts or learners.

- a learner's: work returned lately, replies to their posts, their next weekly session (their
  due dates and next steps come from services.deadlines);
- staff's (tutor, lead instructor, course instructor): written work and essay answers to
  grade, unanswered questions, learners gone quiet, grades held back, modules about to open,
  in the cohorts and groups they follow (``followed_clause``) — an administrator's lists are
  those of their teaching grants, not the whole platform's;
- a coordinator's: their ministries' staff not started or gone quiet, seats not filled,
  certificates issued lately.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload

from diplolearn.extensions import db
from diplolearn.models import (
    Annotation,
    AttemptState,
    Certificate,
    CertificateStatus,
    Cohort,
    Course,
    DiscussionSession,
    Enrolment,
    EnrolmentState,
    ModuleRevision,
    ModuleSchedule,
    QuizAttempt,
    SeatAllotment,
    Submission,
    SubmissionState,
    TutorGroup,
    User,
)
from diplolearn.models.states import SEAT_HOLDING
from diplolearn.security.scoping.base import Scope, scope_of

RECENT = dt.timedelta(days=14)
UNDER_WAY = (EnrolmentState.INVITED, EnrolmentState.ACTIVE)


# --- a learner's -----------------------------------------------------------------------------------


def returned_work(user: User, now: dt.datetime, limit: int = 10) -> list[Submission]:
    """The learner's written work returned with a grade in the last two weeks, newest first."""
    return list(
        db.session.scalars(
            sa.select(Submission)
            .join(Enrolment, Enrolment.id == Submission.enrolment_id)
            .where(
                Enrolment.user_id == user.id,
                Submission.state == SubmissionState.RETURNED,
                Submission.returned_at >= now - RECENT,
            )
            .options(joinedload(Submission.assignment_revision))
            .order_by(Submission.returned_at.desc(), Submission.id.desc())
            .limit(limit)
        )
    )


def replies_to_me(user: User, enrolments: list[Enrolment], now: dt.datetime, limit: int = 10):
    """Others' replies in the last two weeks to the learner's posts, in the cohorts they study
    in (never hidden ones, never private notes), newest first, with their authors: rows of
    (reply, enrolment id)."""
    cohorts = {e.cohort_id: e.id for e in enrolments}
    if not cohorts:
        return []
    parent = aliased(Annotation)
    rows = db.session.execute(
        sa.select(Annotation)
        .join(parent, parent.id == Annotation.parent_id)
        .where(
            parent.author_id == user.id,
            Annotation.author_id != user.id,
            Annotation.cohort_id.in_(cohorts),
            Annotation.hidden_at.is_(None),
            Annotation.audience != "private",
            Annotation.created_at >= now - RECENT,
        )
        .options(joinedload(Annotation.author))
        .order_by(Annotation.created_at.desc(), Annotation.id.desc())
        .limit(limit)
    ).scalars()
    return [(reply, cohorts[reply.cohort_id]) for reply in rows]


def next_session(enrolments: list[Enrolment], now: dt.datetime):
    """The learner's next weekly session (their group's or their whole cohort's) that has not
    ended yet, soonest first, as (session, enrolment id); None when there is none."""
    studying = [e for e in enrolments if e.state in (*UNDER_WAY, EnrolmentState.COMPLETED)]
    if not studying:
        return None
    clauses = []
    for e in studying:
        groups = [DiscussionSession.tutor_group_id.is_(None)]
        if e.tutor_group_id is not None:
            groups.append(DiscussionSession.tutor_group_id == e.tutor_group_id)
        clauses.append(sa.and_(DiscussionSession.cohort_id == e.cohort_id, sa.or_(*groups)))
    # Sessions last at most a day: one still under way has started within the last 24 hours.
    session = db.session.scalar(
        sa.select(DiscussionSession)
        .where(sa.or_(*clauses), DiscussionSession.starts_at >= now - dt.timedelta(days=1))
        .order_by(DiscussionSession.starts_at, DiscussionSession.id)
        .limit(5)
    )
    if session is None:
        return None
    if session.starts_at + dt.timedelta(minutes=session.duration_minutes or 60) < now:
        return None
    by_cohort = {e.cohort_id: e.id for e in studying}
    return session, by_cohort[session.cohort_id]


# --- staff's ---------------------------------------------------------------------------------------


def teaches(scope: Scope) -> bool:
    return bool(scope.course_ids or scope.cohort_ids or scope.tutor_group_ids)


def followed_clause(scope: Scope):
    """The enrolments (Enrolment and Cohort joined) whose learners the scope follows."""
    return sa.or_(
        Cohort.course_id.in_(scope.course_ids),
        Cohort.id.in_(scope.cohort_ids),
        Enrolment.tutor_group_id.in_(scope.tutor_group_ids),
    )


def led_clause(scope: Scope):
    """The cohorts (Cohort) the scope manages: as lead instructor or course instructor."""
    return sa.or_(Cohort.course_id.in_(scope.course_ids), Cohort.id.in_(scope.cohort_ids))


def grading_counts(viewer: User) -> list[tuple[Course, int, int]]:
    """(course, written work waiting, quiz attempts waiting for a person) per course, for the
    learners the viewer follows; one query."""
    scope = scope_of(viewer)
    if not teaches(scope):
        return []
    work = (
        sa.select(
            Cohort.course_id.label("course_id"),
            sa.literal(1).label("work"),
            sa.literal(0).label("essays"),
        )
        .select_from(Submission)
        .join(Enrolment, Enrolment.id == Submission.enrolment_id)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(Submission.state == SubmissionState.SUBMITTED, followed_clause(scope))
    )
    essays = (
        sa.select(Cohort.course_id, sa.literal(0), sa.literal(1))
        .select_from(QuizAttempt)
        .join(Enrolment, Enrolment.id == QuizAttempt.enrolment_id)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(
            QuizAttempt.state.in_((AttemptState.SUBMITTED, AttemptState.EXPIRED)),
            followed_clause(scope),
        )
    )
    both = sa.union_all(work, essays).subquery()
    rows = db.session.execute(
        sa.select(Course, sa.func.sum(both.c.work), sa.func.sum(both.c.essays))
        .join(both, both.c.course_id == Course.id)
        .group_by(Course.id)
        .order_by(Course.id)
    ).all()
    return [(course, int(work or 0), int(essays or 0)) for course, work, essays in rows]


def unanswered_counts(viewer: User) -> list[tuple[Cohort, int]]:
    """(cohort, questions neither answered by a tutor, resolved nor hidden) for the cohorts
    the viewer teaches, counting only what they read (staff_discussion's rule); one query."""
    scope = scope_of(viewer)
    if not teaches(scope):
        return []
    answered = sa.select(Annotation.parent_id).where(
        Annotation.is_tutor_answer.is_(True),
        Annotation.hidden_at.is_(None),
        Annotation.parent_id.is_not(None),
    )
    reads = sa.or_(
        led_clause(scope),
        Annotation.audience == "cohort",
        Annotation.tutor_group_id.in_(scope.tutor_group_ids),
    )
    rows = db.session.execute(
        sa.select(Cohort, sa.func.count(Annotation.id))
        .join(Annotation, Annotation.cohort_id == Cohort.id)
        .where(
            sa.or_(led_clause(scope), Cohort.id.in_(_tutored(scope))),
            reads,
            Annotation.audience != "private",
            Annotation.kind == "question",
            Annotation.parent_id.is_(None),
            Annotation.resolved_at.is_(None),
            Annotation.hidden_at.is_(None),
            Annotation.id.not_in(answered),
        )
        .options(joinedload(Cohort.course))
        .group_by(Cohort.id)
        .order_by(Cohort.id)
    ).all()
    return [(cohort, n) for cohort, n in rows]


def _quiet(where, cohorts: list[Cohort], now: dt.datetime):
    """The clause: silent (no activity, or none since joining) for at least each cohort's
    number of days (``Cohort.at_risk_inactive_days``)."""
    since = sa.func.coalesce(
        Enrolment.last_activity_at, Enrolment.activated_at, Enrolment.created_at
    )
    per_cohort = [
        sa.and_(
            Enrolment.cohort_id == c.id, since <= now - dt.timedelta(days=c.at_risk_inactive_days)
        )
        for c in cohorts
    ]
    return sa.and_(where, sa.or_(*per_cohort)) if per_cohort else sa.false()


def _running(now: dt.datetime):
    return sa.and_(
        Cohort.is_default.is_(False),
        Cohort.starts_at <= now,
        sa.or_(Cohort.ends_at.is_(None), Cohort.ends_at > now),
    )


def quiet_learners(viewer: User, now: dt.datetime, limit: int = 10):
    """(learners gone quiet, how many in all) among those the viewer follows in running
    cohorts: the longest silent first, with person and cohort; two queries."""
    scope = scope_of(viewer)
    if not teaches(scope):
        return [], 0
    cohorts = list(
        db.session.scalars(
            sa.select(Cohort).where(
                _running(now), sa.or_(led_clause(scope), Cohort.id.in_(_tutored(scope)))
            )
        )
    )
    return _silent(
        sa.and_(followed_clause(scope), Enrolment.state.in_(UNDER_WAY)), cohorts, now, limit
    )


def _tutored(scope: Scope) -> sa.Select:
    """The cohorts in which the scope tutors a group."""
    return sa.select(TutorGroup.cohort_id).where(TutorGroup.id.in_(scope.tutor_group_ids))


def _silent(where, cohorts: list[Cohort], now: dt.datetime, limit: int):
    if not cohorts:
        return [], 0
    since = sa.func.coalesce(
        Enrolment.last_activity_at, Enrolment.activated_at, Enrolment.created_at
    )
    query = (
        sa.select(Enrolment, sa.func.count().over().label("total"))
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .join(User, User.id == Enrolment.user_id)
        .where(_quiet(where, cohorts, now), User.erased_at.is_(None))
        .options(joinedload(Enrolment.user), joinedload(Enrolment.cohort).joinedload(Cohort.course))
        .order_by(since, Enrolment.id)
        .limit(limit)
    )
    rows = db.session.execute(query).all()
    return [row[0] for row in rows], (rows[0].total if rows else 0)


def held_grades(viewer: User) -> list[tuple[Course, int]]:
    """(course, quiz attempts graded but held back until released) in the cohorts the viewer
    manages (lead or course instructor); one query."""
    scope = scope_of(viewer)
    if not (scope.course_ids or scope.cohort_ids):
        return []
    rows = db.session.execute(
        sa.select(Course, sa.func.count(QuizAttempt.id))
        .join(Cohort, Cohort.course_id == Course.id)
        .join(Enrolment, Enrolment.cohort_id == Cohort.id)
        .join(QuizAttempt, QuizAttempt.enrolment_id == Enrolment.id)
        .where(
            led_clause(scope),
            QuizAttempt.state == AttemptState.GRADED,
            QuizAttempt.grade_withheld.is_(True),
        )
        .group_by(Course.id)
        .order_by(Course.id)
    ).all()
    return [(course, n) for course, n in rows]


def modules_opening(viewer: User, now: dt.datetime, within: dt.timedelta = dt.timedelta(days=7)):
    """(schedule, module revision) of the modules opening within a week in the cohorts the
    viewer manages, soonest first; one query."""
    scope = scope_of(viewer)
    if not (scope.course_ids or scope.cohort_ids):
        return []
    return db.session.execute(
        sa.select(ModuleSchedule, ModuleRevision)
        .join(Cohort, Cohort.id == ModuleSchedule.cohort_id)
        .join(
            ModuleRevision,
            sa.and_(
                ModuleRevision.module_id == ModuleSchedule.module_id,
                ModuleRevision.course_version_id == Cohort.course_version_id,
            ),
        )
        .where(
            led_clause(scope),
            ModuleSchedule.opens_at > now,
            ModuleSchedule.opens_at <= now + within,
        )
        .options(joinedload(ModuleSchedule.cohort).joinedload(Cohort.course))
        .order_by(ModuleSchedule.opens_at, ModuleSchedule.id)
    ).all()


# --- a coordinator's -------------------------------------------------------------------------------


def staff_behind(viewer: User, now: dt.datetime, limit: int = 10):
    """(enrolments, total) of the viewer's ministries' sponsored staff in running cohorts who
    have not started (no activity at all) or gone quiet (the cohort's days), the longest silent
    first; two queries."""
    scope = scope_of(viewer)
    if not scope.ministry_ids:
        return [], 0
    cohorts = list(
        db.session.scalars(
            sa.select(Cohort).where(
                _running(now),
                Cohort.id.in_(
                    sa.select(Enrolment.cohort_id).where(
                        Enrolment.sponsor_ministry_id.in_(scope.ministry_ids)
                    )
                ),
            )
        )
    )
    where = sa.and_(
        Enrolment.sponsor_ministry_id.in_(scope.ministry_ids), Enrolment.state.in_(UNDER_WAY)
    )
    return _silent(where, cohorts, now, limit)


def unfilled_seats(viewer: User, now: dt.datetime):
    """(allotment, seats still free) of the viewer's ministries in cohorts not yet ended, where
    fewer nominees than seats hold a place; one query."""
    scope = scope_of(viewer)
    if not scope.ministry_ids:
        return []
    holding = (
        sa.select(sa.func.count(Enrolment.id))
        .where(
            Enrolment.cohort_id == SeatAllotment.cohort_id,
            Enrolment.sponsor_ministry_id == SeatAllotment.ministry_id,
            Enrolment.state.in_(SEAT_HOLDING),
        )
        .correlate(SeatAllotment)
        .scalar_subquery()
    )
    rows = db.session.execute(
        sa.select(SeatAllotment, SeatAllotment.seats - holding)
        .join(Cohort, Cohort.id == SeatAllotment.cohort_id)
        .where(
            SeatAllotment.ministry_id.in_(scope.ministry_ids),
            sa.or_(Cohort.ends_at.is_(None), Cohort.ends_at > now),
            SeatAllotment.seats > holding,
        )
        .options(
            joinedload(SeatAllotment.cohort).joinedload(Cohort.course),
            joinedload(SeatAllotment.ministry),
        )
        .order_by(Cohort.starts_at, SeatAllotment.id)
    ).all()
    return [(allotment, int(free)) for allotment, free in rows]


def recent_certificates(viewer: User, now: dt.datetime, limit: int = 10):
    """(certificates issued in the last two weeks to the viewer's ministries' sponsored staff,
    newest first, with holder and course; how many in all); one query."""
    scope = scope_of(viewer)
    if not scope.ministry_ids:
        return [], 0
    rows = db.session.execute(
        sa.select(Certificate, sa.func.count().over().label("total"))
        .join(Enrolment, Enrolment.id == Certificate.enrolment_id)
        .join(User, User.id == Certificate.user_id)
        .where(
            Enrolment.sponsor_ministry_id.in_(scope.ministry_ids),
            Certificate.status == CertificateStatus.ISSUED,
            Certificate.issued_at >= now - RECENT,
            User.erased_at.is_(None),
        )
        .options(joinedload(Certificate.enrolment).joinedload(Enrolment.user))
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        .limit(limit)
    ).all()
    return [row[0] for row in rows], (rows[0].total if rows else 0)
