"""What makes the running cohort tell a true story whatever day it is seeded (issue 14): late
work accepted until the cohort's end (so nobody is stranded by a closed assignment), one
learner's request for more time still waiting for their tutor and another's granted, a
weekly session coming up for each tutor group, and dates that follow each other (everyone was
nominated before the cohort started, and before anything they did in it).

Idempotent like the rest of the demo: each step looks for what it would create first, and the
dates only ever move earlier, to values fixed by the cohort's own dates.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from diplolearn.demo.people import DEMO_PROGRESS, DEMO_STAFF
from diplolearn.extensions import db
from diplolearn.models import (
    Cohort,
    DiscussionSession,
    Enrolment,
    EnrolmentState,
    ExtensionRequest,
    LateRule,
    StaffMembership,
    TutorGroup,
    User,
)
from diplolearn.services import progress as progress_service
from diplolearn.services.accounts import accounts
from diplolearn.services.catalogue.outline import load_outlines
from diplolearn.services.deadlines import grant_request, request_extension, set_late_rule
from diplolearn.services.discussion import text_sessions
from diplolearn.services.errors import DomainError

# (learner, module number, reason, granted?) — the tutor of their group decides.
REQUESTS = [
    (
        "youssef@diplolearn.test",
        1,
        "I was posted to a new embassy this month and have only just settled in. "
        "Could I have two more weeks for the first module?",
        False,
    ),
    (
        "james@diplolearn.test",
        3,
        "Our delegation was at a negotiating round all last week and I could not study. "
        "I would be grateful for one more week for module 3.",
        True,
    ),
]
TUTORS = {"group-1": "tutor@diplolearn.test", "group-2": "tutor2@diplolearn.test"}


def seed_story(cohort: Cohort, groups: dict[str, TutorGroup], now: dt.datetime) -> int:
    created = _late_rule(cohort)
    created += _requests(cohort, groups, now)
    created += _sessions(cohort, groups, now)
    created += _reading_this_week(cohort, now)
    return created


def _keeping_up() -> set[str]:
    """The learners who keep up (two modules done or more): they have read this week."""
    paces = {**DEMO_PROGRESS, **{s.email: s.progress for s in DEMO_STAFF}}
    return {email for email, (done, _more, _failures) in paces.items() if done >= 2}


def _reading_this_week(cohort: Cohort, now: dt.datetime) -> int:
    """Those who keep up opened the next lesson they have to read a day or three ago (the
    lesson page's heartbeat: a view and their last activity), so that only those who fell
    behind show as gone quiet. Once per learner: a lesson already viewed is left alone."""
    keeping_up = _keeping_up()
    enrolments = [
        e
        for e in db.session.scalars(
            sa.select(Enrolment).where(
                Enrolment.cohort_id == cohort.id, Enrolment.state == EnrolmentState.ACTIVE
            )
        )
        if e.user.email in keeping_up
    ]
    standing = progress_service.progress_for(enrolments, now)
    created = 0
    for enrolment in enrolments:
        found = standing[enrolment.id]
        module = next((m for m in found.modules if m.is_open and not m.complete), None)
        lesson = next((ls for ls in module.lessons if not ls.done), None) if module else None
        if lesson is None or lesson.viewed:
            continue
        days = 1 + int.from_bytes(enrolment.user.email.encode()[-2:], "big") % 3
        opened = found.records[2].get(module.node.module_id)
        when = now - dt.timedelta(days=days, hours=3)
        if opened is not None and opened.opens_at is not None:
            when = max(when, opened.opens_at + dt.timedelta(minutes=30))
        when = min(when, now - dt.timedelta(minutes=5))
        if enrolment.last_activity_at is not None and when <= enrolment.last_activity_at:
            continue
        progress_service.record_lesson_activity(
            enrolment.id,
            lesson.node.lesson_id,
            found.outline.version_id,
            enrolment.last_activity_at,
            when,
        )
        created += 1
    db.session.flush()
    return created


def _late_rule(cohort: Cohort) -> int:
    if db.session.scalar(sa.select(LateRule.id).where(LateRule.cohort_id == cohort.id).limit(1)):
        return 0
    instructor = accounts.find_user_by_email("instructor@diplolearn.test")
    set_late_rule(cohort, instructor, accept_late=True, cutoff_days=None)
    return 1


def _requests(cohort: Cohort, groups: dict[str, TutorGroup], now: dt.datetime) -> int:
    modules = load_outlines([cohort.course_version_id])[cohort.course_version_id].modules
    tutors = {group.id: accounts.find_user_by_email(TUTORS[key]) for key, group in groups.items()}
    created = 0
    for email, number, reason, granted in REQUESTS:
        enrolment = db.session.scalar(
            sa.select(Enrolment)
            .join(User, User.id == Enrolment.user_id)
            .where(User.email == email, Enrolment.cohort_id == cohort.id)
        )
        if enrolment is None or db.session.scalar(
            sa.select(ExtensionRequest.id).where(ExtensionRequest.enrolment_id == enrolment.id)
        ):
            continue
        asked = now - dt.timedelta(days=2 if granted else 1, hours=3)
        try:
            request = request_extension(
                enrolment, "module", modules[number - 1].key, reason, now=asked
            )
            if granted:
                grant_request(
                    request,
                    tutors[enrolment.tutor_group_id],
                    now + dt.timedelta(days=7),
                    note="Of course. Take the week, and write to me if you need help.",
                    now=asked + dt.timedelta(hours=20),
                )
        except DomainError:  # the learner's progress left nothing to extend
            continue
        created += 1
    return created


def _sessions(cohort: Cohort, groups: dict[str, TutorGroup], now: dt.datetime) -> int:
    """Each group's weekly session two days from now, at 15:00 in the cohort's zone."""
    if db.session.scalar(
        sa.select(DiscussionSession.id).where(DiscussionSession.cohort_id == cohort.id).limit(1)
    ):
        return 0
    zone = ZoneInfo(cohort.timezone)
    day = (now + dt.timedelta(days=2)).astimezone(zone).date()
    created = 0
    for key, group in sorted(groups.items()):
        hour = 15 if key == "group-1" else 17
        starts = dt.datetime.combine(day, dt.time(hour, 0), tzinfo=zone).astimezone(dt.UTC)
        text_sessions.open_session(
            cohort,
            group,
            title="Weekly session: questions on this week's module",
            starts_at=starts,
            duration_minutes=60,
            by=accounts.find_user_by_email(TUTORS[key]),
            may_open_cohort=False,
            now=now,
        )
        created += 1
    return created


def settle_dates(cohorts: list[Cohort]) -> None:
    """Everyone was nominated ten days before their cohort started (and before anything they
    did in it); their account and ministry membership are older still."""
    for cohort in cohorts:
        nominated = cohort.starts_at - dt.timedelta(days=10)
        for enrolment in db.session.scalars(
            sa.select(Enrolment).where(Enrolment.cohort_id == cohort.id)
        ):
            enrolment.created_at = min(enrolment.created_at, nominated)
            user = db.session.get(User, enrolment.user_id)
            user.created_at = min(user.created_at, nominated - dt.timedelta(days=30))
    db.session.flush()
    for membership in db.session.scalars(
        sa.select(StaffMembership).join(User, User.id == StaffMembership.user_id)
    ):
        user = db.session.get(User, membership.user_id)
        membership.started_at = min(membership.started_at, user.created_at)
    db.session.flush()
