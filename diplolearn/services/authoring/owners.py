"""A course as a whole: its owners and co-authors, copies of it, and retiring it.

Owners (and administrators) add co-authors (the INSTRUCTOR grant on the course) and further
owners, and take them off again; the last owner always stays. ``copy_course`` makes a deep copy
of the latest published version as a new course owned by whoever copied it, crediting where
it came from. ``retire_course`` takes the course out of the teaching and authoring lists,
refused while a cohort runs on it.

Services flush and never commit: the request's unit of work (diplolearn/unit_of_work.py)
commits once.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from diplolearn.courses.rules import key_problem
from diplolearn.courses.writer import course_file_bytes
from diplolearn.extensions import db
from diplolearn.models import (
    Cohort,
    Course,
    CourseOwner,
    Enrolment,
    EnrolmentState,
    Role,
    RoleGrant,
    User,
    utcnow,
)
from diplolearn.services import audit
from diplolearn.services.accounts import accounts
from diplolearn.services.authoring import (
    AuthoringError,
    ContentInvalid,
    CourseStillRunning,
    NothingPublished,
)
from diplolearn.services.authoring.drafting import clean_text, latest_published, spec_of
from diplolearn.services.catalogue.course_import import import_course

# --- owners and co-authors -------------------------------------------------------------------


def owners(course: Course) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .join(CourseOwner, CourseOwner.user_id == User.id)
            .where(CourseOwner.course_id == course.id)
            .order_by(User.sort_key)
        )
    )


def is_owner(user: User, course: Course) -> bool:
    return (
        db.session.scalar(
            sa.select(CourseOwner.id).where(
                CourseOwner.course_id == course.id, CourseOwner.user_id == user.id
            )
        )
        is not None
    )


def add_owner(course: Course, user: User, by: User | None) -> None:
    if not is_owner(user, course):
        db.session.add(CourseOwner(course_id=course.id, user_id=user.id))
    accounts.grant_role(user, Role.INSTRUCTOR, course.id, granted_by=by)
    db.session.flush()
    audit.record(by, "course.owner_add", subject=user, target=course)


def add_coauthor(course: Course, email: str, by: User | None, *, as_owner: bool = False) -> User:
    """Owners (and administrators) add co-authors — the INSTRUCTOR grant on the course — by
    their account's email, or further owners with ``as_owner`` (a course imported from files
    has none until an administrator names one)."""
    user = db.session.scalar(
        sa.select(User).where(
            sa.func.lower(User.email) == clean_text(email).lower(), User.erased_at.is_(None)
        )
    )
    if user is None:
        raise AuthoringError(_l("No account has this email address."))
    if as_owner:
        add_owner(course, user, by)
        return user
    accounts.grant_role(user, Role.INSTRUCTOR, course.id, granted_by=by)
    db.session.flush()
    audit.record(by, "course.coauthor_add", subject=user, target=course)
    return user


def coauthors(course: Course) -> list[User]:
    """Co-authors: people with the instructor grant on the course who are not its owners."""
    owner_ids = sa.select(CourseOwner.user_id).where(CourseOwner.course_id == course.id)
    return list(
        db.session.scalars(
            sa.select(User)
            .join(RoleGrant, RoleGrant.user_id == User.id)
            .where(
                RoleGrant.role == Role.INSTRUCTOR.value,
                RoleGrant.course_id == course.id,
                User.id.not_in(owner_ids),
                User.erased_at.is_(None),
            )
            .order_by(User.sort_key)
        )
    )


def is_author(course: Course, user: User) -> bool:
    """Whether the user still owns or co-authors the course."""
    return is_owner(user, course) or any(
        g.role == Role.INSTRUCTOR.value and g.course_id == course.id for g in user.grants
    )


def remove_author(course: Course, user: User, by: User | None) -> None:
    """Take an owner or co-author off the course (their instructor grant on it, and their
    ownership). Only owners and administrators may; the last owner always stays."""
    if by is not None and not (by.is_administrator or is_owner(by, course)):
        raise AuthoringError(_l("Only the course's owners and administrators remove authors."))
    ownership = db.session.scalar(
        sa.select(CourseOwner)
        .where(CourseOwner.course_id == course.id, CourseOwner.user_id == user.id)
        .with_for_update()
    )
    if ownership is not None:
        owners_left = (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(CourseOwner)
                .where(CourseOwner.course_id == course.id, CourseOwner.user_id != user.id)
            )
            or 0
        )
        if owners_left == 0:
            raise AuthoringError(
                _l("The last owner of a course cannot be removed; add another owner first.")
            )
        db.session.delete(ownership)
    grant = next(
        (g for g in user.grants if g.role == Role.INSTRUCTOR.value and g.course_id == course.id),
        None,
    )
    if ownership is None and grant is None:
        raise AuthoringError(_l("This person is not an author of the course."))
    if grant is not None:
        accounts.revoke_role(grant, by)
    audit.record(
        by,
        "course.owner_remove" if ownership is not None else "course.coauthor_remove",
        subject=user,
        target=course,
    )
    db.session.flush()


# --- copies ----------------------------------------------------------------------------------


def copy_course(course: Course, new_key: str, by: User | None) -> Course:
    """A deep copy of the latest published version as a new course (new ids everywhere, the
    same stable keys inside it), owned by ``by``, crediting where it came from."""
    new_key = clean_text(new_key)
    problem = key_problem(new_key)
    if problem is not None:
        raise ContentInvalid([str(problem)])
    if db.session.scalar(sa.select(Course.id).where(Course.key == new_key)) is not None:
        raise ContentInvalid(
            [str(_l("The id %(key)s is already used by another course.", key=new_key))]
        )
    published = latest_published(course)
    if published is None:
        raise NothingPublished()
    spec = spec_of(published)
    spec.id = new_key
    result = import_course(spec, course_file_bytes(spec), by=by)
    copy = result.course
    copy.optional_languages = list(course.optional_languages)
    copy.copied_from_id = course.id
    copy.attribution = [
        *course.attribution,
        {
            "course": course.key,
            "version": published.number,
            "title": dict(course.title),
            "owners": [u.display_name for u in owners(course)],
        },
    ]
    if by is not None:
        add_owner(copy, by, by)
    audit.record(by, "course.copy", target=copy, source=course.key, version=published.number)
    db.session.flush()
    return copy


# --- retiring a course -----------------------------------------------------------------------


RUNNING_STATES = (
    EnrolmentState.INVITED.value,
    EnrolmentState.ACTIVE.value,
    EnrolmentState.WAITLISTED.value,
    EnrolmentState.DEFERRED.value,
)


def running_cohorts(course: Course) -> list[Cohort]:
    """Cohorts that still run on the course: not ended, with someone invited, active, deferred
    or waitlisted in them."""
    now = utcnow()
    return list(
        db.session.scalars(
            sa.select(Cohort)
            .where(
                Cohort.course_id == course.id,
                sa.or_(Cohort.ends_at.is_(None), Cohort.ends_at > now),
                sa.exists().where(
                    Enrolment.cohort_id == Cohort.id, Enrolment.state.in_(RUNNING_STATES)
                ),
            )
            .order_by(Cohort.id)
        )
    )


def retire_course(course: Course, by: User | None, cohort_name=None) -> None:
    """Retire the whole course: it leaves the teaching and authoring lists, while its
    versions, learners' records, certificates and their verification stay. Refused while a
    cohort runs on it (``cohort_name`` renders a cohort's name for the message)."""
    if by is not None and not (by.is_administrator or is_owner(by, course)):
        raise AuthoringError(_l("Only the course's owners and administrators retire it."))
    db.session.execute(sa.select(Course.id).where(Course.id == course.id).with_for_update())
    if course.retired_at is not None:
        raise AuthoringError(_l("This course is already retired."))
    running = running_cohorts(course)
    if running:
        name = cohort_name or (lambda cohort: cohort.key)
        raise CourseStillRunning(running, [name(c) for c in running])
    course.retired_at = utcnow()
    audit.record(by, "course.retire", target=course, course=course.key)
    db.session.flush()
