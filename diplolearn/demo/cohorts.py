"""The demo's cohorts of the course: the autumn run in its fifth week (``seed_running_cohort``:
its tutor groups, the demo accounts in their roles, the ministries' seats and the background
staff, each learner as far as their progress says), and the spring run that ended months ago
(``seed_spring_cohort``: every learner through to a certificate, each at their own pace).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa

from diplolearn.courses.check import load_course
from diplolearn.demo.learning import advance
from diplolearn.demo.people import (
    DEMO_ACCOUNTS,
    DEMO_ALUMNI,
    DEMO_GROUPS,
    DEMO_PROGRESS,
    DEMO_STAFF,
)
from diplolearn.extensions import db
from diplolearn.models import (
    Cohort,
    Course,
    EnrolmentState,
    Ministry,
    ModuleSchedule,
    Role,
    SeatAllotment,
    TutorGroup,
    utcnow,
)
from diplolearn.services.accounts import accounts, people
from diplolearn.services.authoring import owners
from diplolearn.services.catalogue import images
from diplolearn.services.catalogue.course_import import import_course
from diplolearn.services.catalogue.outline import load_outlines
from diplolearn.services.cohorts import cohorts, organisations

DEMO_COURSE_KEY = "digital-diplomacy"
COURSES_DIR = Path(__file__).resolve().parents[2] / "courses"
DEMO_COHORT_KEY = "2026-autumn"
DEMO_SPRING_COHORT_KEY = "2026-spring"


def seed_running_cohort(
    ministries: dict[str, Ministry], today: dt.date | None
) -> tuple[Course, Cohort, dict[str, TutorGroup], int]:
    """The course (imported when missing) and its running cohort with everyone in it; returns
    the course, the cohort, its tutor groups by key, and how many records were created."""
    created = 0
    course = db.session.scalar(sa.select(Course).where(Course.key == DEMO_COURSE_KEY))
    if course is None:
        # `make run` imports courses/ first; this covers a bare `flask demo seed`.
        spec, files = load_course(COURSES_DIR / DEMO_COURSE_KEY, images.limits())
        course = import_course(spec, files).course
        created += 1
    cohort = db.session.scalar(
        sa.select(Cohort).where(Cohort.course_id == course.id, Cohort.key == DEMO_COHORT_KEY)
    )
    if cohort is None:
        # A running cohort in its fifth week, whatever day the demo is seeded.
        today = today or utcnow().date()
        monday = today - dt.timedelta(days=today.weekday() + 28)
        start = dt.datetime.combine(monday, dt.time(8, 0), tzinfo=dt.UTC)
        cohort = organisations.create_cohort(
            course,
            DEMO_COHORT_KEY,
            {"ar": "دفعة خريف 2026", "en": "Autumn 2026", "fr": "Automne 2026"},
            timezone="Europe/Zurich",
            starts_at=start,
            ends_at=start + dt.timedelta(weeks=10),
            capacity=60,
        )
        schedule_weekly(cohort, start)
        created += 1
    groups: dict[str, TutorGroup] = {}
    for key, name in (("group-1", "Group 1"), ("group-2", "Group 2")):
        group = db.session.scalar(
            sa.select(TutorGroup).where(TutorGroup.cohort_id == cohort.id, TutorGroup.key == key)
        )
        if group is None:
            group = organisations.add_tutor_group(cohort, key, name)
            created += 1
        groups[key] = group
    created += _seed_demo_accounts(course, cohort, groups, ministries)
    created += _allot_seats(cohort, ministries)
    created += _seed_background_staff(cohort, groups, ministries)
    return course, cohort, groups, created


def _seed_demo_accounts(
    course: Course, cohort: Cohort, groups: dict[str, TutorGroup], ministries: dict[str, Ministry]
) -> int:
    """The accounts of the README's table, each in its role; learners as far as they have got."""
    created = 0
    for row in DEMO_ACCOUNTS:
        user = accounts.find_user_by_email(row.email)
        if user is None:
            user = accounts.create_user(
                row.email,
                name_latin=row.name_latin,
                name_ar=row.name_ar,
                interface_language=row.language,
                reading_language=row.language,
                password=row.password,
            )
            created += 1
        ministry = ministries.get(row.ministry) if row.ministry else None
        if ministry is not None:
            people.join_ministry(user, ministry)
        if row.role == "administrator":
            accounts.grant_role(user, Role.ADMINISTRATOR)
        elif row.role == "instructor":
            accounts.grant_role(user, Role.LEAD_INSTRUCTOR, cohort.id)
            if not owners.is_owner(user, course):  # owns the course: adds co-authors
                owners.add_owner(course, user, by=None)
                created += 1
        elif row.role.startswith("tutor"):
            accounts.grant_role(user, Role.TUTOR, groups[f"group-{row.role[-1]}"].id)
        elif row.role.startswith("coordinator"):
            accounts.grant_role(user, Role.COORDINATOR, ministry.id)
        elif row.role.startswith("learner"):
            created += _take_part(
                user, cohort, ministry, groups[DEMO_GROUPS[row.email]], DEMO_PROGRESS[row.email]
            )
    return created


def _allot_seats(cohort: Cohort, ministries: dict[str, Ministry]) -> int:
    """Each ministry's seats in the running cohort, once."""
    created = 0
    if (
        db.session.scalar(
            sa.select(SeatAllotment.id).where(SeatAllotment.cohort_id == cohort.id).limit(1)
        )
        is None
    ):
        # Each ministry bought 24 of the 60 places; the rest stay open to anyone.
        instructor = accounts.find_user_by_email("instructor@diplolearn.test")
        for ministry in ministries.values():
            cohorts.set_seats(cohort, ministry, 24, by=instructor)
            created += 1
    return created


def _seed_background_staff(
    cohort: Cohort, groups: dict[str, TutorGroup], ministries: dict[str, Ministry]
) -> int:
    """The staff without a demo password who make the cohort look real."""
    created = 0
    for staff in DEMO_STAFF:
        user = accounts.find_user_by_email(staff.email)
        if user is None:
            user = accounts.create_user(
                staff.email,
                name_latin=staff.name_latin,
                name_ar=staff.name_ar,
                interface_language=staff.language,
                reading_language=staff.language,
                password=None,
            )
            created += 1
        people.join_ministry(
            user, ministries[staff.ministry], position=staff.position, posting=staff.posting
        )
        created += _take_part(
            user, cohort, ministries[staff.ministry], groups[staff.group], staff.progress
        )
    return created


def seed_spring_cohort(
    course: Course, ministries: dict[str, Ministry], today: dt.date | None
) -> int:
    """The spring run: ten weeks that ended months ago, every learner through to the final
    assessment and a certificate, each at their own pace."""
    created = 0
    cohort = db.session.scalar(
        sa.select(Cohort).where(Cohort.course_id == course.id, Cohort.key == DEMO_SPRING_COHORT_KEY)
    )
    if cohort is None:
        today = today or utcnow().date()
        monday = today - dt.timedelta(days=today.weekday(), weeks=30)
        start = dt.datetime.combine(monday, dt.time(8, 0), tzinfo=dt.UTC)
        cohort = organisations.create_cohort(
            course,
            DEMO_SPRING_COHORT_KEY,
            {"ar": "دفعة ربيع 2026", "en": "Spring 2026", "fr": "Printemps 2026"},
            timezone="Europe/Zurich",
            starts_at=start,
            ends_at=start + dt.timedelta(weeks=12),
            capacity=30,
        )
        schedule_weekly(cohort, start)
        created += 1
    group = db.session.scalar(
        sa.select(TutorGroup).where(TutorGroup.cohort_id == cohort.id, TutorGroup.key == "group-1")
    )
    if group is None:
        group = organisations.add_tutor_group(cohort, "group-1", "Group 1")
        created += 1
    tutor = accounts.find_user_by_email("tutor@diplolearn.test")
    instructor = accounts.find_user_by_email("instructor@diplolearn.test")
    accounts.grant_role(tutor, Role.TUTOR, group.id)
    accounts.grant_role(instructor, Role.LEAD_INSTRUCTOR, cohort.id)
    modules = load_outlines([cohort.course_version_id])[cohort.course_version_id].modules
    for email, latin, arabic, language, code, delay, weeks_over_final in DEMO_ALUMNI:
        user = accounts.find_user_by_email(email)
        if user is None:
            user = accounts.create_user(
                email,
                name_latin=latin,
                name_ar=arabic,
                interface_language=language,
                reading_language=language,
                password=None,
            )
            people.join_ministry(user, ministries[code], position="Attaché", posting="Headquarters")
            created += 1
        enrolment = organisations.enrol(user, cohort, sponsor=ministries[code], tutor_group=group)
        if enrolment.state == EnrolmentState.INVITED:
            enrolment.move_to(
                EnrolmentState.ACTIVE, when=cohort.starts_at + dt.timedelta(days=delay)
            )
            final_opens = cohort.starts_at + dt.timedelta(
                weeks=(modules[-1].week or len(modules)) - 1
            )
            created += advance(
                enrolment,
                len(modules),
                0,
                delay % 2,
                grader=tutor,
                start=cohort.starts_at + dt.timedelta(days=delay),
                last_module_at=final_opens
                + dt.timedelta(weeks=weeks_over_final, days=delay, hours=2),
            )
    return created


def spring_cohort(course: Course) -> Cohort:
    return db.session.scalar(
        sa.select(Cohort).where(Cohort.course_id == course.id, Cohort.key == DEMO_SPRING_COHORT_KEY)
    )


def _take_part(
    user, cohort: Cohort, ministry: Ministry, group: TutorGroup, progress: tuple[int, int, int]
) -> int:
    enrolment = organisations.enrol(user, cohort, sponsor=ministry, tutor_group=group)
    if enrolment.state == EnrolmentState.INVITED:
        enrolment.move_to(EnrolmentState.ACTIVE, when=cohort.starts_at)
    return advance(enrolment, *progress)


def schedule_weekly(cohort: Cohort, start: dt.datetime) -> None:
    """Release module N in week N (its `week` in the course files), due a week later. Modules
    whose week has passed count as released already (no flood of mail on first run)."""
    outline = load_outlines([cohort.course_version_id])[cohort.course_version_id]
    now = utcnow()
    for node in outline.modules:
        opens = start + dt.timedelta(weeks=(node.week or node.number) - 1)
        db.session.add(
            ModuleSchedule(
                cohort_id=cohort.id,
                module_id=node.module_id,
                opens_at=opens,
                due_at=opens + dt.timedelta(days=7),
                released_at=opens if opens <= now else None,
            )
        )
    db.session.flush()
