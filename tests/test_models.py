"""The data model's guarantees: UTC instants, state machines, scoped grants, cohorts from day
one, stable ids, an append-only audit log."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from diplolearn.models import (
    AttemptState,
    AuditEvent,
    AuditLogIsAppendOnly,
    Cohort,
    CourseVersion,
    Enrolment,
    EnrolmentState,
    InvalidTransition,
    Lesson,
    Module,
    Quiz,
    QuizAttempt,
    QuizRevision,
    Role,
    RoleGrant,
    User,
    utcnow,
)
from diplolearn.models.base import UTCDateTime
from diplolearn.models.states import ATTEMPT, ENROLMENT
from diplolearn.services.accounts import accounts
from diplolearn.services.cohorts import organisations
from tests.factories import make_cohort, make_course, make_learner, make_ministry, make_user


def test_every_datetime_column_is_utc_aware():
    from diplolearn.extensions import db

    for table in db.metadata.tables.values():
        for column in table.columns:
            if isinstance(column.type, sa.DateTime):
                pytest.fail(f"{table.name}.{column.name} is a plain DateTime")


def test_instants_come_back_aware_utc_whatever_zone_went_in(db):
    user = make_user()
    amman = dt.datetime(2026, 3, 29, 1, 30, tzinfo=ZoneInfo("Asia/Amman"))
    user.last_login_at = amman
    db.session.commit()
    db.session.expire_all()
    loaded = db.session.get(User, user.id).last_login_at
    assert loaded.tzinfo is not None and loaded.utcoffset() == dt.timedelta(0)
    assert loaded == amman


def test_naive_datetimes_are_refused(db):
    user = make_user()
    user.last_login_at = dt.datetime(2026, 1, 1, 12, 0)
    with pytest.raises(sa.exc.StatementError):
        db.session.flush()
    db.session.rollback()


def test_instants_order_correctly_in_queries(db):
    early, late = make_user(), make_user()
    early.last_login_at = dt.datetime(2026, 1, 1, 23, 0, tzinfo=ZoneInfo("America/New_York"))
    late.last_login_at = dt.datetime(2026, 1, 2, 1, 0, tzinfo=ZoneInfo("Europe/Paris"))
    db.session.flush()
    # 23:00 in New York is 04:00 UTC on the 2nd; 01:00 in Paris is 00:00 UTC on the 2nd.
    ordered = db.session.scalars(
        sa.select(User.id).where(User.last_login_at.is_not(None)).order_by(User.last_login_at)
    ).all()
    assert ordered == [late.id, early.id]


def test_a_course_has_a_default_self_paced_cohort_from_the_start(db):
    course = make_course()
    cohorts = db.session.scalars(sa.select(Cohort).where(Cohort.course_id == course.id)).all()
    assert [(c.key, c.is_default) for c in cohorts] == [("self-paced", True)]
    assert organisations.default_cohort(course).self_paced


def test_only_one_default_cohort_per_course(db):
    course = make_course()
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        db.session.add(Cohort(course_id=course.id, key="another", name={}, is_default=True))
        db.session.flush()


def test_enrolment_moves_only_through_documented_states(db):
    _, enrolment = make_learner(make_cohort(), state=EnrolmentState.INVITED)
    assert enrolment.state == EnrolmentState.INVITED
    enrolment.move_to(EnrolmentState.ACTIVE)
    assert enrolment.activated_at is not None
    enrolment.move_to(EnrolmentState.DEFERRED)
    enrolment.move_to(EnrolmentState.ACTIVE)
    enrolment.move_to(EnrolmentState.COMPLETED)
    with pytest.raises(InvalidTransition):
        enrolment.move_to(EnrolmentState.ACTIVE)


@pytest.mark.parametrize("machine", [ENROLMENT, ATTEMPT])
def test_every_state_of_a_machine_is_reachable_from_its_first(machine):
    states = list(machine.transitions)
    seen, frontier = {states[0]}, [states[0]]
    while frontier:
        for target in machine.transitions[frontier.pop()]:
            if target not in seen:
                seen.add(target)
                frontier.append(target)
    assert seen == set(states)


def test_enrolment_records_its_sponsor_and_belongs_to_a_cohort(db):
    ministry = make_ministry()
    cohort = make_cohort()
    _, enrolment = make_learner(cohort, ministry=ministry)
    assert enrolment.cohort_id == cohort.id and enrolment.sponsor_ministry_id == ministry.id
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        db.session.add(Enrolment(user_id=enrolment.user_id, cohort_id=None))
        db.session.flush()


def test_a_person_holds_several_scoped_roles_and_learns_elsewhere(db):
    ministry = make_ministry()
    course, other_course = make_course(), make_course()
    cohort = make_cohort(course)
    user = make_user()
    accounts.grant_role(user, Role.INSTRUCTOR, course.id)
    accounts.grant_role(user, Role.LEAD_INSTRUCTOR, cohort.id)
    accounts.grant_role(user, Role.COORDINATOR, ministry.id)
    organisations.enrol(user, organisations.default_cohort(other_course), sponsor=ministry)
    assert sorted(g.role for g in user.grants) == ["coordinator", "instructor", "lead_instructor"]
    # Granting the same role in the same scope twice is a no-op, not a duplicate.
    accounts.grant_role(user, Role.INSTRUCTOR, course.id)
    assert len(user.grants) == 3


def test_the_database_refuses_a_grant_with_the_wrong_scope(db):
    user = make_user()
    ministry = make_ministry()
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        db.session.add(
            RoleGrant(user_id=user.id, role="administrator", scope_key="x", ministry_id=ministry.id)
        )
        db.session.flush()
    with pytest.raises(ValueError):
        accounts.grant_role(user, Role.COORDINATOR, None)


def test_logical_ids_are_unique_per_course_and_retired_not_deleted(db):
    course = make_course()
    module = Module(course_id=course.id, key="m1")
    db.session.add(module)
    db.session.flush()
    db.session.add(Lesson(course_id=course.id, module_id=module.id, key="intro"))
    db.session.flush()
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        db.session.add(Lesson(course_id=course.id, module_id=module.id, key="intro"))
        db.session.flush()
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        db.session.delete(module)  # lessons still point at it: no cascade delete
        db.session.flush()


def _attempt(db):
    course = make_course()
    _, enrolment = make_learner(organisations.default_cohort(course))
    version = CourseVersion(course_id=course.id, number=1)
    quiz = Quiz(course_id=course.id, key="q1")
    db.session.add_all([version, quiz])
    db.session.flush()
    revision = QuizRevision(
        quiz_id=quiz.id,
        course_version_id=version.id,
        title={"en": "Q"},
        pass_mark=Decimal("60"),
        time_limit_minutes=20,
    )
    db.session.add(revision)
    db.session.flush()
    start = utcnow()
    attempt = QuizAttempt(
        enrolment_id=enrolment.id,
        quiz_id=quiz.id,
        quiz_revision_id=revision.id,
        number=1,
        language="ar",
        pass_mark=revision.pass_mark,
        started_at=start,
        deadline_at=start + dt.timedelta(minutes=20),
    )
    db.session.add(attempt)
    db.session.flush()
    return attempt, revision


def test_attempts_pin_pass_mark_and_language_when_they_start(db):
    attempt, revision = _attempt(db)
    revision.pass_mark = Decimal("80")
    db.session.flush()
    db.session.expire_all()
    assert attempt.pass_mark == Decimal("60") and attempt.language == "ar"


def test_attempt_state_machine(db):
    attempt, _ = _attempt(db)
    attempt.move_to(AttemptState.SUBMITTED)
    assert attempt.submitted_at is not None
    attempt.move_to(AttemptState.GRADED)
    with pytest.raises(InvalidTransition):
        attempt.move_to(AttemptState.IN_PROGRESS)


def test_audit_log_is_append_only(db):
    user = make_user()
    db.session.commit()
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.subject_user_id == user.id))
    assert event.action == "user.create"
    event.action = "something else"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    event = db.session.scalars(sa.select(AuditEvent)).first()
    db.session.delete(event)
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()


def test_utc_type_is_used_for_every_instant():
    from diplolearn.extensions import db

    instants = [
        c for t in db.metadata.tables.values() for c in t.columns if isinstance(c.type, UTCDateTime)
    ]
    assert len(instants) > 30
