"""Courses' cohorts, tutor groups and enrolments.

Every course has a default self-paced cohort from the moment it exists, so that every
enrolment — even of someone studying alone — belongs to a cohort from day one.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from diplolearn.extensions import db
from diplolearn.models import (
    Cohort,
    Course,
    Enrolment,
    EnrolmentState,
    Ministry,
    TutorGroup,
    User,
)
from diplolearn.services import audit
from diplolearn.services.outbound import records as learning_records

DEFAULT_COHORT_KEY = "self-paced"


def create_course(
    key: str, title: dict[str, str], languages: list[str], by: User | None = None
) -> Course:
    course = Course(key=key, title=title, languages=languages)
    db.session.add(course)
    db.session.flush()
    db.session.add(
        Cohort(
            course_id=course.id,
            key=DEFAULT_COHORT_KEY,
            is_default=True,
            name={"ar": "تعلّم ذاتي", "en": "Self-paced", "fr": "En autonomie"},
        )
    )
    db.session.flush()
    audit.record(by, "course.create", target=course, key=key)
    return course


def courses_by_key() -> list[Course]:
    """Every course, retired ones too, ordered by key (for choosing one in a form)."""
    return list(db.session.scalars(sa.select(Course).order_by(Course.key)))


def default_cohort(course: Course) -> Cohort:
    return db.session.scalar(
        sa.select(Cohort).where(Cohort.course_id == course.id, Cohort.is_default.is_(True))
    )


def create_cohort(
    course: Course,
    key: str,
    name: dict[str, str],
    *,
    timezone: str,
    starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None,
    capacity: int | None = None,
    by: User | None = None,
) -> Cohort:
    cohort = Cohort(
        course_id=course.id,
        key=key,
        name=name,
        timezone=timezone,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        course_version_id=_latest_published_version_id(course),
    )
    db.session.add(cohort)
    db.session.flush()
    audit.record(by, "cohort.create", target=cohort, key=key)
    return cohort


def _latest_published_version_id(course: Course) -> int | None:
    published = [v for v in course.versions if v.is_published]
    return published[-1].id if published else None


def add_tutor_group(
    cohort: Cohort, key: str, name: str, capacity: int = 25, by: User | None = None
) -> TutorGroup:
    group = TutorGroup(cohort_id=cohort.id, key=key, name=name, capacity=capacity)
    db.session.add(group)
    db.session.flush()
    audit.record(by, "tutor_group.create", target=group, cohort_id=cohort.id)
    return group


def enrol(
    user: User,
    cohort: Cohort,
    *,
    sponsor: Ministry | None,
    tutor_group: TutorGroup | None = None,
    by: User | None = None,
) -> Enrolment:
    """Enrol a person in a cohort (state ``invited``); enrolling twice returns the first."""
    existing = db.session.scalar(
        sa.select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.cohort_id == cohort.id)
    )
    if existing is not None:
        return existing
    if tutor_group is not None and tutor_group.cohort_id != cohort.id:
        raise ValueError("the tutor group belongs to another cohort")
    enrolment = Enrolment(
        user_id=user.id,
        cohort_id=cohort.id,
        sponsor_ministry_id=getattr(sponsor, "id", None),
        tutor_group_id=getattr(tutor_group, "id", None),
        state=EnrolmentState.INVITED,
    )
    db.session.add(enrolment)
    db.session.flush()
    audit.record(
        by,
        "enrolment.create",
        subject=user,
        target=enrolment,
        ministry_id=getattr(sponsor, "id", None),
        cohort_id=cohort.id,
    )
    learning_records.enrolled(enrolment)
    return enrolment
