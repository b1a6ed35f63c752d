"""Cohorts run by instructors: dates in the cohort's time zone, the module schedule and
completion-rule overrides, capacity and ministries' seats with a waiting list, substitution,
tutor groups with history — and who may do each of these (services/cohorts/cohorts.py, teach/)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import sqlalchemy as sa

from diplolearn.extensions import db as _db
from diplolearn.models import (
    AuditEvent,
    Enrolment,
    EnrolmentState,
    ModuleSchedule,
    OutboxMessage,
    Role,
    RoleGrant,
    TutorGroupMove,
    utcnow,
)
from diplolearn.services import progress
from diplolearn.services.accounts import accounts, people
from diplolearn.services.cohorts import (
    AlreadyEnrolled,
    CohortRefused,
    CohortStarted,
    TutorGroupFull,
    cohorts,
)
from diplolearn.services.errors import NotAllowed
from tests.conftest import csrf_from, login, post_form
from tests.factories import (
    make_ministry,
    make_published_course,
    make_user,
    make_with_role,
)

ZURICH = "Europe/Zurich"
LOCAL = "%Y-%m-%dT%H:%M"


def later(days: int) -> dt.datetime:
    return (utcnow() + dt.timedelta(days=days)).replace(second=0, microsecond=0)


def make_run(
    published=None, *, capacity=None, starts_in=10, lasts=60, instructor=None, timezone=ZURICH
):
    published = published or make_published_course()
    instructor = instructor or make_with_role(Role.INSTRUCTOR, published.course.id)
    cohort = cohorts.create_cohort(
        published.course,
        name={"en": "Spring run"},
        timezone=timezone,
        starts_at=later(starts_in) if starts_in is not None else None,
        ends_at=later(starts_in + lasts) if starts_in is not None else None,
        capacity=capacity,
        by=instructor,
    )
    return published, cohort, instructor


def staff_of(ministry, n=1, **kwargs):
    people_ = []
    for _ in range(n):
        person = make_user(**kwargs)
        people.join_ministry(person, ministry)
        people_.append(person)
    return people_


def state_of(enrolment):
    _db.session.refresh(enrolment)
    return enrolment.state


# --- creating and editing a cohort -------------------------------------------------------------


def test_an_instructor_creates_a_cohort_and_leads_it_with_modules_scheduled_by_week(db):
    published = make_published_course()
    published.module_revision("m1").week = 1
    published.module_revision("m2").week = 2
    _db.session.flush()
    _, cohort, instructor = make_run(published, starts_in=10)
    assert cohort.course_version_id == published.version.id
    assert any(
        g.role == Role.LEAD_INSTRUCTOR and g.cohort_id == cohort.id for g in instructor.grants
    )
    schedules = {s.module_id: s for s in cohorts.module_schedules(cohort.id)}
    m1, m2 = (published.module_revision(k).module_id for k in ("m1", "m2"))
    assert schedules[m1].opens_at == cohort.starts_at
    assert schedules[m2].opens_at == schedules[m1].due_at
    # The same wall-clock time in the cohort's zone, a week apart, whatever the clocks do.
    local = [cohorts.to_local(schedules[m].opens_at, ZURICH) for m in (m1, m2)]
    assert local[1] - local[0] == dt.timedelta(weeks=1)
    assert set(schedules) == {m1, m2}  # m3 plans no week: it is not scheduled
    assert _db.session.scalar(
        sa.select(AuditEvent).where(
            AuditEvent.action == "cohort.create", AuditEvent.target_id == cohort.id
        )
    )


def test_a_time_the_clocks_skip_is_refused_and_others_are_stored_in_utc(db):
    # 2027-03-28 02:30 does not exist in Zurich (clocks jump from 02:00 to 03:00).
    with pytest.raises(CohortRefused):
        cohorts.to_utc(dt.datetime(2027, 3, 28, 2, 30), ZURICH)
    winter = cohorts.to_utc(dt.datetime(2027, 1, 10, 9, 0), ZURICH)
    summer = cohorts.to_utc(dt.datetime(2027, 7, 10, 9, 0), ZURICH)
    assert (winter.hour, summer.hour) == (8, 7)
    assert winter.tzinfo is not None


def test_capacity_cannot_fall_below_the_places_taken(db):
    _, cohort, instructor = make_run(capacity=3)
    ministry = make_ministry()
    for person in staff_of(ministry, 2):
        cohorts.enrol_by_instructor(cohort, person, by=instructor)
    with pytest.raises(CohortRefused):
        cohorts.update_cohort(
            cohort,
            name={"en": "x"},
            timezone=ZURICH,
            starts_at=cohort.starts_at,
            ends_at=cohort.ends_at,
            capacity=1,
            at_risk_inactive_days=7,
            by=instructor,
        )
    cohorts.update_cohort(
        cohort,
        name={"en": "Renamed"},
        timezone=ZURICH,
        starts_at=cohort.starts_at,
        ends_at=cohort.ends_at,
        capacity=2,
        at_risk_inactive_days=10,
        by=instructor,
    )
    assert (cohort.capacity, cohort.at_risk_inactive_days, cohort.name) == (
        2,
        10,
        {"en": "Renamed"},
    )


# --- schedule and what learners see ------------------------------------------------------------


def test_schedule_is_entered_in_the_cohorts_zone_and_validated_before_anything_is_saved(db):
    published, cohort, instructor = make_run(starts_in=10)
    m1, m2 = (published.module_revision(k).module_id for k in ("m1", "m2"))
    start = cohorts.to_local(cohort.starts_at, ZURICH)
    good = (start + dt.timedelta(days=1), start + dt.timedelta(days=8))
    # The second entry is wrong (due before release): the first is not saved either.
    with pytest.raises(CohortRefused):
        cohorts.set_schedule(cohort, {m1: good, m2: (good[1], good[0])}, by=instructor)
    assert not cohorts.module_schedules(cohort.id)
    with pytest.raises(CohortRefused):  # before the cohort starts
        cohorts.set_schedule(cohort, {m1: (start - dt.timedelta(days=1), None)}, by=instructor)
    with pytest.raises(CohortRefused):  # a due time without a release time
        cohorts.set_schedule(cohort, {m1: (None, good[1])}, by=instructor)
    cohorts.set_schedule(cohort, {m1: good}, by=instructor)
    (schedule,) = cohorts.module_schedules(cohort.id)
    assert schedule.opens_at == cohorts.to_utc(good[0], ZURICH)
    assert cohorts.to_local(schedule.due_at, ZURICH) == good[1]


def test_assignment_due_dates_are_checked_whole_before_anything_is_saved(db):
    from diplolearn.models import AssignmentDeadline
    from tests.factories import make_assignment

    published, cohort, instructor = make_run(starts_in=10)
    first = make_assignment(published, "m1").assignment_id
    second = make_assignment(published, "m2").assignment_id
    m1 = published.module_revision("m1").module_id
    start = cohorts.to_local(cohort.starts_at, ZURICH)
    cohorts.set_schedule(cohort, {m1: (start + dt.timedelta(days=3), None)}, by=instructor)

    def saved():
        return {
            d.assignment_id: d.due_at
            for d in _db.session.scalars(
                sa.select(AssignmentDeadline).where(AssignmentDeadline.cohort_id == cohort.id)
            )
        }

    # The first is due before its module opens: the second, valid, is not saved either.
    with pytest.raises(CohortRefused, match="after the module's release"):
        cohorts.set_assignment_deadlines(
            cohort,
            {second: start + dt.timedelta(days=9), first: start + dt.timedelta(days=2)},
            by=instructor,
        )
    assert saved() == {}
    with pytest.raises(CohortRefused, match="not part of the cohort's course"):
        cohorts.set_assignment_deadlines(cohort, {987654: start}, by=instructor)
    cohorts.set_assignment_deadlines(
        cohort, {first: start + dt.timedelta(days=4), second: None}, by=instructor
    )
    assert saved() == {first: cohorts.to_utc(start + dt.timedelta(days=4), ZURICH)}


def test_learners_see_modules_as_their_cohort_releases_them_even_after_a_change(db):
    published, cohort, instructor = make_run(starts_in=None)
    learner = make_user()
    enrolment = cohorts.enrol_by_instructor(cohort, learner, by=instructor)
    m1 = published.module_revision("m1").module_id
    tomorrow = cohorts.to_local(later(1), ZURICH)
    cohorts.set_schedule(cohort, {m1: (tomorrow, None)}, by=instructor)
    standing = progress.course_progress(enrolment)
    assert standing.modules[0].status == "locked" and standing.modules[0].opens_at
    # Brought forward to an hour ago: open at once, before the release job has even run.
    cohorts.set_schedule(
        cohort,
        {m1: (cohorts.to_local(later(0) - dt.timedelta(hours=1), ZURICH), None)},
        by=instructor,
    )
    assert progress.course_progress(enrolment).modules[0].is_open
    schedule = cohorts.module_schedules(cohort.id)[0]
    schedule.released_at = utcnow()
    # Postponed again: closed again, and released (and announced) anew when its time comes.
    cohorts.set_schedule(cohort, {m1: (tomorrow, None)}, by=instructor)
    assert not progress.course_progress(enrolment).modules[0].is_open
    assert schedule.released_at is None


def test_completion_rule_overrides_change_what_the_cohort_needs(db):
    published = make_published_course(modules=3, lessons_per_module=1, with_quiz=False)
    _, cohort, instructor = make_run(published, starts_in=None)
    enrolment = cohorts.enrol_by_instructor(cohort, make_user(), by=instructor)
    enrolment.move_to(EnrolmentState.ACTIVE)
    # m3 waits for m1 in this cohort; m2 is optional here.
    cohorts.set_module_rules(
        cohort, {"m2": {"required": False}, "m3": {"prerequisites": ["m1"]}}, by=instructor
    )
    assert cohort.module_rules == {"m2": {"required": False}, "m3": {"prerequisites": ["m1"]}}
    standing = progress.course_progress(enrolment)
    assert standing.modules[2].status == "locked"
    standing = progress.mark_lesson_done(enrolment, standing, standing.lesson("m1-l1"))
    assert standing.modules[2].is_open
    standing = progress.mark_lesson_done(enrolment, standing, standing.lesson("m3-l1"))
    # m2 is not done, but this cohort does not need it.
    assert enrolment.state == EnrolmentState.COMPLETED
    # A rule equal to the course's is not kept; a circle of prerequisites is refused.
    cohorts.set_module_rules(cohort, {"m2": {"required": True}}, by=instructor)
    assert cohort.module_rules == {}
    with pytest.raises(CohortRefused):
        cohorts.set_module_rules(
            cohort,
            {"m1": {"prerequisites": ["m3"]}, "m3": {"prerequisites": ["m1"]}},
            by=instructor,
        )
    with pytest.raises(CohortRefused):
        cohorts.set_module_rules(cohort, {"m1": {"prerequisites": ["m1"]}}, by=instructor)


# --- places, seats and the waiting list ---------------------------------------------------------


def test_beyond_capacity_people_wait_and_a_withdrawal_promotes_the_first(db):
    _, cohort, instructor = make_run(capacity=2)
    ministry = make_ministry()
    first, second, third, fourth = staff_of(ministry, 4)
    placed = [cohorts.enrol_by_instructor(cohort, p, by=instructor) for p in (first, second)]
    waiting = [cohorts.enrol_by_instructor(cohort, p, by=instructor) for p in (third, fourth)]
    assert [e.state for e in placed + waiting] == ["invited", "invited", "waitlisted", "waitlisted"]
    assert sponsor_ids(placed) == {ministry.id}
    with pytest.raises(AlreadyEnrolled):
        cohorts.enrol_by_instructor(cohort, third, by=instructor)
    promoted = cohorts.withdraw(placed[0], by=instructor)
    assert promoted == [waiting[0]] and waiting[0].state == EnrolmentState.INVITED
    assert waiting[1].state == EnrolmentState.WAITLISTED
    mails = _db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.to_user_id == third.id)
    ).all()
    assert [m.kind for m in mails] == ["cohort_place", "cohort_place"]  # waiting, then placed
    assert cohorts.places_taken(cohort.id) == {ministry.id: 2}
    # Taking someone off the waiting list frees no place and promotes nobody.
    assert cohorts.withdraw(waiting[1], by=instructor) == []


def sponsor_ids(enrolments):
    return {e.sponsor_ministry_id for e in enrolments}


def test_a_coordinator_nominates_into_the_seats_and_a_freed_seat_goes_to_that_ministry(db):
    _, cohort, instructor = make_run(capacity=10)
    a, b = make_ministry(), make_ministry()
    cohorts.set_seats(cohort, a, 1, by=instructor)
    cohorts.set_seats(cohort, b, 1, by=instructor)
    coordinator_a = make_with_role(Role.COORDINATOR, a.id)
    coordinator_b = make_with_role(Role.COORDINATOR, b.id)
    a1, a2 = staff_of(a, 2)
    b1, b2 = staff_of(b, 2)
    ea1 = cohorts.nominate(cohort, a, a1, by=coordinator_a)
    ea2 = cohorts.nominate(cohort, a, a2, by=coordinator_a)
    eb1 = cohorts.nominate(cohort, b, b1, by=coordinator_b)
    eb2 = cohorts.nominate(cohort, b, b2, by=coordinator_b)
    assert [e.state for e in (ea1, ea2, eb1, eb2)] == [
        "invited",
        "waitlisted",
        "invited",
        "waitlisted",
    ]
    # B's seat comes free: B's nominee gets it, although A's has waited longer.
    assert cohorts.withdraw(eb1, by=coordinator_b) == [eb2]
    assert ea2.state == EnrolmentState.WAITLISTED
    # One more seat for A: A's waiting nominee gets it at once.
    cohorts.set_seats(cohort, a, 2, by=instructor)
    assert ea2.state == EnrolmentState.INVITED
    # Only current staff of the coordinator's own ministry can be nominated.
    with pytest.raises(NotAllowed):
        cohorts.nominate(cohort, a, staff_of(b)[0], by=coordinator_a)
    # A ministry without seats in the cohort cannot nominate there.
    c = make_ministry()
    with pytest.raises(CohortRefused):
        cohorts.nominate(cohort, c, staff_of(c)[0], by=coordinator_a)


def test_seats_never_exceed_capacity_nor_fall_below_what_a_ministry_holds(db):
    _, cohort, instructor = make_run(capacity=3)
    a, b = make_ministry(), make_ministry()
    cohorts.set_seats(cohort, a, 2, by=instructor)
    with pytest.raises(CohortRefused):
        cohorts.set_seats(cohort, b, 2, by=instructor)
    for person in staff_of(a, 2):
        cohorts.nominate(cohort, a, person, by=instructor)
    with pytest.raises(CohortRefused):
        cohorts.set_seats(cohort, a, 1, by=instructor)
    with pytest.raises(CohortRefused):
        cohorts.set_seats(cohort, a, -1, by=instructor)
    # An instructor's enrolment of A's staff counts against A's seats too.
    late = cohorts.enrol_by_instructor(cohort, staff_of(a)[0], by=instructor)
    assert late.state == EnrolmentState.WAITLISTED


def test_seats_are_reserved_for_their_ministry(db):
    _, cohort, instructor = make_run(capacity=3)
    a = make_ministry()
    cohorts.set_seats(cohort, a, 2, by=instructor)
    # One place is left outside A's seats: the first person without seats gets it, the next
    # waits, although A has not used its seats yet.
    outsider, second = make_user(), make_user()
    assert cohorts.enrol_by_instructor(cohort, outsider, by=instructor).state == "invited"
    assert cohorts.enrol_by_instructor(cohort, second, by=instructor).state == "waitlisted"
    # Two places are free, but both are A's: the capacity cannot drop to two.
    with pytest.raises(CohortRefused):
        cohorts.update_cohort(
            cohort,
            name={"en": "x"},
            timezone=ZURICH,
            starts_at=cohort.starts_at,
            ends_at=cohort.ends_at,
            capacity=2,
            at_risk_inactive_days=7,
            by=instructor,
        )
    for person in staff_of(a, 2):
        assert cohorts.nominate(cohort, a, person, by=instructor).state == "invited"
    # More seats for A would take the outsider's place: refused.
    with pytest.raises(CohortRefused):
        cohorts.set_seats(cohort, a, 3, by=instructor)
    assert cohorts.places_taken(cohort.id) == {None: 1, a.id: 2}


def test_a_nominee_is_replaced_before_the_start_keeping_place_group_and_history(db):
    _, cohort, instructor = make_run(capacity=1, starts_in=5)
    ministry = make_ministry()
    cohorts.set_seats(cohort, ministry, 1, by=instructor)
    coordinator = make_with_role(Role.COORDINATOR, ministry.id)
    group = cohorts.create_group(cohort, name="Group A", by=instructor)
    nominee, substitute, waiting_person, other = staff_of(ministry, 4)
    first = cohorts.nominate(cohort, ministry, nominee, by=coordinator)
    cohorts.move_to_group(first, group, by=instructor)
    waiting = cohorts.nominate(cohort, ministry, waiting_person, by=coordinator)
    replacement = cohorts.substitute(first, substitute, by=coordinator)
    assert first.state == EnrolmentState.WITHDRAWN
    assert replacement.state == EnrolmentState.INVITED
    assert replacement.replaces_enrolment_id == first.id
    assert replacement.tutor_group_id == group.id
    # The place passed from one to the other: the waiting nominee still waits.
    assert state_of(waiting) == EnrolmentState.WAITLISTED
    # A waiting nominee's substitute keeps the queue position.
    queued_at = waiting.waitlisted_at
    swapped = cohorts.substitute(waiting, other, by=coordinator)
    assert swapped.state == EnrolmentState.WAITLISTED
    assert swapped.waitlisted_at == queued_at
    assert cohorts.waiting_list(cohort.id) == [swapped]
    assert (
        _db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "enrolment.substitute")
        )
        == 2
    )
    cohort.starts_at = later(-1)
    cohort.ends_at = later(30)
    _db.session.flush()
    with pytest.raises(CohortStarted):
        cohorts.substitute(replacement, nominee, by=coordinator)


def test_moving_between_groups_keeps_the_enrolment_and_its_history(db):
    published, cohort, instructor = make_run(starts_in=None)
    small = cohorts.create_group(cohort, name="Small", capacity=1, by=instructor)
    big = cohorts.create_group(cohort, name="Big", by=instructor)
    first = cohorts.enrol_by_instructor(cohort, make_user(), by=instructor, tutor_group=small)
    second = cohorts.enrol_by_instructor(cohort, make_user(), by=instructor)
    first.move_to(EnrolmentState.ACTIVE)
    standing = progress.course_progress(first)
    progress.mark_lesson_done(first, standing, standing.lesson("m1-l1"))
    with pytest.raises(TutorGroupFull):
        cohorts.move_to_group(second, small, by=instructor)
    cohorts.move_to_group(first, big, by=instructor)
    cohorts.move_to_group(second, small, by=instructor)
    moves = cohorts.group_history([first.id])[first.id]
    assert [(m.from_group_id, m.to_group_id) for m in moves] == [
        (None, small.id),
        (small.id, big.id),
    ]
    assert moves[1].moved_by_id == instructor.id
    assert progress.course_progress(first).lesson("m1-l1").done
    other_run = make_run(published)[1]
    with pytest.raises(NotAllowed):
        cohorts.move_to_group(
            first, cohorts.create_group(other_run, name="X", by=instructor), by=instructor
        )


def test_assigning_a_tutor_replaces_the_previous_one(db):
    _, cohort, instructor = make_run()
    first, second = make_user(), make_user()
    group = cohorts.create_group(cohort, name="G", tutor=first, by=instructor)
    cohorts.assign_tutor(group, second, by=instructor)
    tutors = _db.session.scalars(
        sa.select(RoleGrant.user_id).where(
            RoleGrant.role == Role.TUTOR, RoleGrant.tutor_group_id == group.id
        )
    ).all()
    assert tutors == [second.id]


# --- pages and who may use them ---------------------------------------------------------------


@pytest.fixture()
def run(db):
    """A cohort led by an instructor, with a tutor, a coordinator of ministry A and one of B,
    an instructor of another course, and ministry A's and B's seats."""
    published, cohort, instructor = make_run(capacity=5, instructor=make_user("lead@example.org"))
    accounts.grant_role(instructor, Role.INSTRUCTOR, published.course.id)
    a, b = make_ministry("MFA-A"), make_ministry("MFA-B")
    cohorts.set_seats(cohort, a, 2, by=instructor)
    cohorts.set_seats(cohort, b, 2, by=instructor)
    group = cohorts.create_group(
        cohort, name="Group 1", tutor=make_user("tutor@example.org"), by=instructor
    )
    other_group = cohorts.create_group(cohort, name="Group 2", by=instructor)
    coordinator = make_with_role(Role.COORDINATOR, a.id, email="coord.a@example.org")
    make_with_role(Role.COORDINATOR, b.id, email="coord.b@example.org")
    stranger = make_with_role(
        Role.INSTRUCTOR, make_published_course().course.id, email="stranger@example.org"
    )
    learner_a = staff_of(a, email="staff.a@example.org")[0]
    enrolment_a = cohorts.enrol_by_instructor(cohort, learner_a, by=instructor, tutor_group=group)
    learner_b = staff_of(b, email="staff.b@example.org")[0]
    enrolment_b = cohorts.enrol_by_instructor(
        cohort, learner_b, by=instructor, tutor_group=other_group
    )
    _db.session.commit()
    return {
        "published": published,
        "cohort": cohort,
        "instructor": instructor,
        "a": a,
        "b": b,
        "group": group,
        "other_group": other_group,
        "coordinator": coordinator,
        "stranger": stranger,
        "enrolment_a": enrolment_a,
        "enrolment_b": enrolment_b,
    }


def signed_in(app, email):
    client = app.test_client()
    login(client, email)
    return client


def test_an_instructor_creates_a_cohort_through_the_page(app, run):
    client = signed_in(app, "lead@example.org")
    course_id = run["published"].course.id
    assert client.get("/teach/").status_code == 200
    path = f"/teach/courses/{course_id}/cohorts/new"
    response = post_form(
        client,
        path,
        {
            "name_en": "Autumn",
            "timezone": "Asia/Dubai",
            "starts_at": "2031-09-01T09:00",
            "ends_at": "2031-08-01T09:00",
            "at_risk_inactive_days": "7",
        },
    )
    assert response.status_code == 422  # ends before it starts; nothing saved
    response = post_form(
        client,
        path,
        {
            "name_en": "Autumn",
            "timezone": "Asia/Dubai",
            "starts_at": "2031-09-01T09:00",
            "ends_at": "2031-12-01T09:00",
            "capacity": "30",
            "at_risk_inactive_days": "5",
        },
    )
    assert response.status_code == 302
    from diplolearn.models import Cohort

    cohort = _db.session.scalars(sa.select(Cohort).order_by(Cohort.id.desc())).first()
    assert cohort.name == {"en": "Autumn"} and cohort.capacity == 30
    assert cohort.starts_at == dt.datetime(2031, 9, 1, 5, 0, tzinfo=dt.UTC)  # Dubai is UTC+4
    for tab in ("", "/schedule", "/rules", "/groups", "/enrolments", "/seats"):
        assert client.get(f"/teach/cohorts/{cohort.id}{tab}").status_code == 200, tab


def test_pages_answer_by_scope(app, run):
    cohort_id = run["cohort"].id
    pages = [
        f"/teach/cohorts/{cohort_id}{tab}"
        for tab in ("", "/schedule", "/rules", "/groups", "/enrolments")
    ]
    stranger = signed_in(app, "stranger@example.org")
    for page in [*pages, f"/teach/cohorts/{cohort_id}/seats"]:
        assert stranger.get(page).status_code == 404, page
    assert (
        stranger.get(f"/teach/courses/{run['published'].course.id}/cohorts/new").status_code == 404
    )
    tutor = signed_in(app, "tutor@example.org")
    for page in pages:
        assert tutor.get(page).status_code == 200, page
    assert tutor.get(f"/teach/cohorts/{cohort_id}/seats").status_code == 403
    listing = tutor.get(f"/teach/cohorts/{cohort_id}/enrolments").get_data(as_text=True)
    assert "staff.a" not in listing  # names, not emails, are shown
    assert run["enrolment_a"].user.display_name in listing
    assert run["enrolment_b"].user.display_name not in listing  # not the tutor's group
    token = csrf_from(tutor, "/")
    assert (
        tutor.post(
            f"/teach/cohorts/{cohort_id}/enrolments",
            data={"csrf_token": token, "email": "x@example.org"},
        ).status_code
        == 403
    )
    learner = signed_in(app, "staff.a@example.org")
    assert learner.get(f"/teach/cohorts/{cohort_id}").status_code == 403
    coordinator = signed_in(app, "coord.a@example.org")
    assert coordinator.get(f"/teach/cohorts/{cohort_id}").status_code == 403


def test_forged_ids_in_forms_change_nothing(app, run):
    client = signed_in(app, "lead@example.org")
    cohort_id = run["cohort"].id
    _, other_run, _ = make_run(run["published"])
    foreign_group = cohorts.create_group(other_run, name="Elsewhere", by=run["instructor"])
    foreign = cohorts.enrol_by_instructor(other_run, make_user(), by=run["instructor"])
    _db.session.commit()
    groups_page = f"/teach/cohorts/{cohort_id}/groups"
    response = post_form(
        client,
        f"{groups_page}/move",
        {"enrolment": str(foreign.id), "group": str(run["group"].id)},
        form_page=groups_page,
    )
    assert response.status_code == 422
    response = post_form(
        client,
        f"{groups_page}/move",
        {"enrolment": str(run["enrolment_a"].id), "group": str(foreign_group.id)},
        form_page=groups_page,
    )
    assert response.status_code == 422
    assert (
        client.post(
            f"/teach/cohorts/{cohort_id}/groups/{foreign_group.id}/tutor",
            data={"csrf_token": csrf_from(client, groups_page), "email": "tutor@example.org"},
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/teach/cohorts/{cohort_id}/enrolments/{foreign.id}/withdraw",
            data={"csrf_token": csrf_from(client, groups_page)},
        ).status_code
        == 404
    )
    assert state_of(foreign) == EnrolmentState.INVITED
    assert not _db.session.scalar(
        sa.select(TutorGroupMove).where(
            TutorGroupMove.to_group_id == foreign_group.id,
            TutorGroupMove.enrolment_id != foreign.id,
        )
    )


def test_instructor_enrols_by_email_and_moves_a_learner_through_the_pages(app, run, sent_mail):
    client = signed_in(app, "lead@example.org")
    cohort_id = run["cohort"].id
    newcomer = make_user("newcomer@example.org")
    _db.session.commit()
    page = f"/teach/cohorts/{cohort_id}/enrolments"
    assert post_form(client, page, {"email": "nobody@example.org", "group": ""}).status_code == 409
    assert (
        post_form(
            client, page, {"email": "NEWCOMER@example.org", "group": str(run["group"].id)}
        ).status_code
        == 302
    )
    enrolment = _db.session.scalar(sa.select(Enrolment).where(Enrolment.user_id == newcomer.id))
    assert enrolment.tutor_group_id == run["group"].id and enrolment.sponsor_ministry_id is None
    groups_page = f"/teach/cohorts/{cohort_id}/groups"
    assert (
        post_form(
            client,
            f"{groups_page}/move",
            {"enrolment": str(enrolment.id), "group": str(run["other_group"].id)},
            form_page=groups_page,
        ).status_code
        == 302
    )
    _db.session.refresh(enrolment)
    assert enrolment.tutor_group_id == run["other_group"].id
    assert "Earlier groups" in client.get(page).get_data(as_text=True)


def test_a_long_list_of_enrolments_comes_a_page_at_a_time(app, run, monkeypatch):
    """Past a page of enrolled people the table pages by name (the waiting list stays whole),
    with a withdraw button per row that names its person; a short list has no pager."""
    from diplolearn.teach import people

    client = signed_in(app, "lead@example.org")
    page = f"/teach/cohorts/{run['cohort'].id}/enrolments"
    whole = client.get(page).get_data(as_text=True)
    assert 'class="pager"' not in whole
    names = [run[k].user.display_name for k in ("enrolment_a", "enrolment_b")]
    assert all(name in whole for name in names)
    monkeypatch.setattr(people, "ENROLMENTS_PAGE", 1)
    first, second = (client.get(f"{page}?page={n}").get_data(as_text=True) for n in (1, 2))
    assert 'class="pager"' in first and "Page 2 of" in second
    shown = [[name for name in names if name in html] for html in (first, second)]
    assert len(shown[0]) == len(shown[1]) == 1 and shown[0] != shown[1]
    assert f'aria-label="Withdraw {shown[0][0]}"' in first


def test_coordinators_nominate_substitute_and_withdraw_their_own_staff_only(app, run):
    a, b, cohort = run["a"], run["b"], run["cohort"]
    nominee, substitute = staff_of(a, 2)
    foreign = staff_of(b)[0]
    _db.session.commit()
    client = signed_in(app, "coord.a@example.org")
    base = f"/ministry/{a.id}/cohorts"
    assert client.get("/ministry/cohorts").headers["Location"].endswith(base)
    assert client.get(base).status_code == 200
    page = f"{base}/{cohort.id}"
    assert client.get(page).status_code == 200
    assert client.get(f"/ministry/{b.id}/cohorts").status_code == 404
    assert client.get(f"/ministry/{b.id}/cohorts/{cohort.id}").status_code == 404
    # Someone of another ministry, forged into the form: refused, nothing saved.
    assert (
        post_form(
            client, f"{page}/nominations", {"nominate-person": str(foreign.id)}, form_page=page
        ).status_code
        == 422
    )
    assert (
        post_form(
            client, f"{page}/nominations", {"nominate-person": str(nominee.id)}, form_page=page
        ).status_code
        == 302
    )
    enrolment = _db.session.scalar(sa.select(Enrolment).where(Enrolment.user_id == nominee.id))
    assert enrolment.sponsor_ministry_id == a.id and enrolment.state == "invited"
    # Another ministry's enrolment in the same cohort is not there for this coordinator.
    other = run["enrolment_b"]
    for action in ("withdraw", "substitute"):
        response = post_form(
            client,
            f"{page}/enrolments/{other.id}/{action}",
            {f"substitute-{other.id}-person": str(substitute.id)},
            form_page=page,
        )
        assert response.status_code == 404, action
    assert state_of(other) == EnrolmentState.INVITED
    response = post_form(
        client,
        f"{page}/enrolments/{enrolment.id}/substitute",
        {f"substitute-{enrolment.id}-person": str(substitute.id)},
        form_page=page,
    )
    assert response.status_code == 302
    assert state_of(enrolment) == EnrolmentState.WITHDRAWN
    replacement = _db.session.scalar(sa.select(Enrolment).where(Enrolment.user_id == substitute.id))
    assert replacement.replaces_enrolment_id == enrolment.id
    assert (
        post_form(
            client, f"{page}/enrolments/{replacement.id}/withdraw", {}, form_page=page
        ).status_code
        == 302
    )
    assert state_of(replacement) == EnrolmentState.WITHDRAWN
    # The coordinator of B sees nothing of A's.
    other_client = signed_in(app, "coord.b@example.org")
    assert other_client.get(f"/ministry/{a.id}/cohorts/{cohort.id}").status_code == 404
    listing = other_client.get(f"/ministry/{b.id}/cohorts/{cohort.id}").get_data(as_text=True)
    assert nominee.display_name not in listing
    # Learners, tutors and instructors are not coordinators.
    assert signed_in(app, "lead@example.org").get(base).status_code == 403


# --- racing enrolments -------------------------------------------------------------------------


def test_racing_nominations_never_exceed_the_seats(committed):
    """Eight coordinators' requests race for two seats; exactly two get them. Each request
    holds the cohort row lock (PostgreSQL) or the write lock (SQLite) while it counts."""
    with committed.app_context():
        published = make_published_course()
        _, cohort, instructor = make_run(published, capacity=20)
        ministry = make_ministry()
        cohorts.set_seats(cohort, ministry, 2, by=instructor)
        make_with_role(Role.COORDINATOR, ministry.id, email="racer@example.org")
        staff = staff_of(ministry, 8)
        ids = [p.id for p in staff]
        cohort_id, ministry_id = cohort.id, ministry.id
        _db.session.commit()
    clients = [signed_in(committed, "racer@example.org") for _ in ids]
    page = f"/ministry/{ministry_id}/cohorts/{cohort_id}"
    tokens = [csrf_from(client, page) for client in clients]
    barrier = threading.Barrier(len(ids))
    statuses = []

    def nominate(client, token, user_id):
        barrier.wait()
        response = client.post(
            f"{page}/nominations", data={"csrf_token": token, "nominate-person": str(user_id)}
        )
        statuses.append(response.status_code)

    threads = [
        threading.Thread(target=nominate, args=args)
        for args in zip(clients, tokens, ids, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [302] * len(ids), statuses
    with committed.app_context():
        states = _db.session.scalars(
            sa.select(Enrolment.state).where(Enrolment.cohort_id == cohort_id)
        ).all()
        assert sorted(states).count("invited") == 2, states
        assert states.count("waitlisted") == len(ids) - 2
        _db.session.remove()


def test_racing_enrolments_never_exceed_the_capacity_in_the_service(committed):
    """The same race through the service, outside any request: on PostgreSQL the cohort row
    lock alone keeps the count right. (SQLite cannot run two writers this way.)"""
    if committed.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite serialises writers by its write lock, taken per unit of work")
    with committed.app_context():
        published = make_published_course()
        _, cohort, instructor = make_run(published, capacity=3)
        people_ = [make_user() for _ in range(10)]
        ids, cohort_id, instructor_id = [p.id for p in people_], cohort.id, instructor.id
        _db.session.commit()
    barrier = threading.Barrier(len(ids))
    errors = []

    def enrol(user_id):
        from diplolearn.models import Cohort, User

        with committed.app_context():
            try:
                barrier.wait()
                cohorts.enrol_by_instructor(
                    _db.session.get(Cohort, cohort_id),
                    _db.session.get(User, user_id),
                    by=_db.session.get(User, instructor_id),
                )
                _db.session.commit()
            except Exception as error:
                _db.session.rollback()
                errors.append(error)
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=enrol, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    with committed.app_context():
        states = _db.session.scalars(
            sa.select(Enrolment.state).where(Enrolment.cohort_id == cohort_id)
        ).all()
        assert states.count("invited") == 3 and states.count("waitlisted") == 7, states
        _db.session.remove()


def test_schedule_page_round_trips_times_in_the_cohorts_zone(app, run):
    client = signed_in(app, "lead@example.org")
    cohort = run["cohort"]
    m1 = run["published"].module_revision("m1").module_id
    opens = cohorts.to_local(cohort.starts_at, ZURICH) + dt.timedelta(days=2)
    due = opens + dt.timedelta(days=7)
    page = f"/teach/cohorts/{cohort.id}/schedule"
    response = post_form(
        client, page, {f"opens_{m1}": opens.strftime(LOCAL), f"due_{m1}": due.strftime(LOCAL)}
    )
    assert response.status_code == 302
    schedule = _db.session.scalar(
        sa.select(ModuleSchedule).where(
            ModuleSchedule.cohort_id == cohort.id, ModuleSchedule.module_id == m1
        )
    )
    assert schedule.opens_at == cohorts.to_utc(opens, ZURICH)
    assert opens.strftime(LOCAL) in client.get(page).get_data(as_text=True)
    # Due before release: refused with a message, the saved schedule unchanged.
    response = post_form(
        client, page, {f"opens_{m1}": due.strftime(LOCAL), f"due_{m1}": opens.strftime(LOCAL)}
    )
    assert response.status_code == 409
    _db.session.refresh(schedule)
    assert schedule.opens_at == cohorts.to_utc(opens, ZURICH)


def test_cohort_pages_cost_the_same_queries_for_few_and_many_learners(app, run, count_queries):
    """Enrolments (with group histories), groups and seats: a fixed number of queries."""
    client = signed_in(app, "lead@example.org")
    cohort = run["cohort"]
    pages = [f"/teach/cohorts/{cohort.id}/{tab}" for tab in ("enrolments", "groups", "seats")]

    def counts():
        result = []
        for page in pages:
            assert client.get(page).status_code == 200
            with count_queries() as counter:
                assert client.get(page).status_code == 200
            result.append(counter.count)
        return result

    few = counts()
    cohort.capacity = 100
    ministry = make_ministry()
    cohorts.set_seats(cohort, ministry, 30, by=run["instructor"])
    for person in staff_of(ministry, 12):
        enrolment = cohorts.nominate(cohort, ministry, person, by=run["instructor"])
        cohorts.move_to_group(enrolment, run["group"], by=run["instructor"])
        cohorts.move_to_group(enrolment, run["other_group"], by=run["instructor"])
    _db.session.commit()
    assert counts() == few


def test_assignment_due_dates_are_set_per_cohort_in_its_zone_validated_and_audited(app, run):
    """The cohort's own due date of a written assignment (AssignmentDeadline): entered in the
    cohort's zone, refused whole outside the cohort's dates, audited, and only by those who
    manage the cohort (tutors see it; others get a 404)."""
    from diplolearn.models import AssignmentDeadline
    from tests.factories import make_assignment

    revision = make_assignment(run["published"], "m1", due_days=7)
    _db.session.commit()
    cohort, assignment_id = run["cohort"], revision.assignment_id
    page = f"/teach/cohorts/{cohort.id}/deadlines"
    field = f"due_{assignment_id}"
    client = signed_in(app, "lead@example.org")
    html = client.get(page).get_data(as_text=True)
    assert "Essay" in html and "7 days after the module" in html and ZURICH in html
    assert "Assignment due dates" in client.get(f"/teach/cohorts/{cohort.id}").get_data(
        as_text=True
    )  # the tab

    def deadlines():
        _db.session.expire_all()
        return _db.session.scalars(
            sa.select(AssignmentDeadline).where(AssignmentDeadline.cohort_id == cohort.id)
        ).all()

    too_late = cohorts.to_local(cohort.ends_at, ZURICH) + dt.timedelta(days=1)
    response = post_form(client, page, {field: too_late.strftime(LOCAL)})
    assert response.status_code == 409 and "within the cohort" in response.get_data(as_text=True)
    assert deadlines() == []
    assert post_form(client, page, {field: "not a date"}).status_code == 422
    assert deadlines() == []
    due = cohorts.to_local(cohort.starts_at, ZURICH) + dt.timedelta(days=9, hours=3)
    assert post_form(client, page, {field: due.strftime(LOCAL)}).status_code == 302
    [deadline] = deadlines()
    assert (
        deadline.due_at == cohorts.to_utc(due, ZURICH) and deadline.assignment_id == assignment_id
    )
    assert due.strftime(LOCAL) in client.get(page).get_data(as_text=True)
    events = _db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "cohort.assignment_deadlines")
    ).all()
    assert len(events) == 1
    # Emptied: the cohort's own date goes and the assignment's rule applies again.
    assert post_form(client, page, {field: ""}).status_code == 302
    assert deadlines() == []
    # Tutors see the page and change nothing; strangers and coordinators do not find it.
    tutor = signed_in(app, "tutor@example.org")
    assert tutor.get(page).status_code == 200
    token = csrf_from(tutor, page)
    assert (
        tutor.post(page, data={"csrf_token": token, field: due.strftime(LOCAL)}).status_code == 403
    )
    for email in ("stranger@example.org",):
        assert signed_in(app, email).get(page).status_code == 404
    assert signed_in(app, "coord.a@example.org").get(page).status_code == 403
    assert deadlines() == []
