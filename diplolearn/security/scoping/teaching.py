"""Teaching a cohort: the courses and cohorts a viewer teaches, and what they may do there.

An administrator manages every cohort; an instructor of a course manages the course's cohorts;
a lead instructor manages their cohort. A tutor reads the cohort's pages for their own groups
only and changes nothing (``CohortAccess.group_ids``). The self-paced (default) cohort has no
schedule, places or groups to manage: it is out of this scope for everyone.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import joinedload

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
from diplolearn.models.accounts import normalise_email
from diplolearn.models.states import SEAT_HOLDING
from diplolearn.names import person_order, sorted_by_name
from diplolearn.security.scoping.base import Scope, one_or_404, scope_of


@dataclass(frozen=True)
class CohortAccess:
    cohort: Cohort
    manages: bool
    group_ids: frozenset[int] | None  # the groups the viewer follows; None: every group


def leads_cohort(viewer: User, cohort: Cohort) -> bool:
    """Whether the viewer manages the cohort: an administrator, an instructor of its course or
    one of its lead instructors. Tutors follow their groups only."""
    scope = scope_of(viewer)
    return (
        scope.is_administrator
        or cohort.course_id in scope.course_ids
        or cohort.id in scope.cohort_ids
    )


def taught_course_or_404(viewer: User, course_id: int) -> Course:
    """A course the viewer teaches (instructor of it, or administrator); 404 otherwise."""
    scope = scope_of(viewer)
    query = sa.select(Course).where(Course.id == course_id, Course.retired_at.is_(None))
    if not scope.is_administrator:
        query = query.where(Course.id.in_(scope.course_ids))
    return one_or_404(query)


def taught_courses(viewer: User) -> list:
    scope = scope_of(viewer)
    query = sa.select(Course).where(Course.retired_at.is_(None)).order_by(Course.key)
    if not scope.is_administrator:
        query = query.where(Course.id.in_(scope.course_ids))
    return list(db.session.scalars(query))


def _taught_cohort_filter(scope: Scope):
    if scope.is_administrator:
        return sa.true()
    return sa.or_(
        Cohort.course_id.in_(scope.course_ids),
        Cohort.id.in_(scope.cohort_ids),
        Cohort.id.in_(
            sa.select(TutorGroup.cohort_id).where(TutorGroup.id.in_(scope.tutor_group_ids))
        ),
    )


def taught_cohorts(viewer: User) -> sa.Select:
    """Select the cohorts the viewer manages or tutors in, with their course."""
    return (
        sa.select(Cohort)
        .where(Cohort.is_default.is_(False), _taught_cohort_filter(scope_of(viewer)))
        .options(joinedload(Cohort.course))
        .order_by(Cohort.starts_at.desc().nulls_last(), Cohort.id.desc())
    )


def taught_cohorts_with_places(viewer: User) -> tuple[list[Cohort], dict[int, int]]:
    """The cohorts the viewer manages or tutors in (as ``taught_cohorts``), and cohort id ->
    places held in each (no query for the places when there is no cohort)."""
    cohorts = db.session.scalars(taught_cohorts(viewer)).all()
    counts = (
        dict(
            db.session.execute(
                sa.select(Enrolment.cohort_id, sa.func.count())
                .where(
                    Enrolment.cohort_id.in_([c.id for c in cohorts]),
                    Enrolment.state.in_(SEAT_HOLDING),
                )
                .group_by(Enrolment.cohort_id)
            ).all()
        )
        if cohorts
        else {}
    )
    return list(cohorts), counts


def course_cohorts(viewer: User, course_id: int) -> list[Cohort]:
    """Every cohort of the course (in creation order) when the viewer authors it (an
    administrator or an instructor of the course, as ``may_author``); none otherwise."""
    scope = scope_of(viewer)
    if not (scope.is_administrator or course_id in scope.course_ids):
        return []
    return list(
        db.session.scalars(
            sa.select(Cohort).where(Cohort.course_id == course_id).order_by(Cohort.id)
        ).all()
    )


def taught_cohort_or_404(viewer: User, cohort_id: int) -> CohortAccess:
    """A cohort the viewer manages or tutors in, with what they may do there; 404 otherwise."""
    cohort = one_or_404(taught_cohorts(viewer).where(Cohort.id == cohort_id))
    if leads_cohort(viewer, cohort):
        return CohortAccess(cohort, True, None)
    scope = scope_of(viewer)
    groups = frozenset(
        db.session.scalars(
            sa.select(TutorGroup.id).where(
                TutorGroup.cohort_id == cohort.id, TutorGroup.id.in_(scope.tutor_group_ids)
            )
        )
    )
    return CohortAccess(cohort, False, groups)


def managed_cohort_or_404(viewer: User, cohort_id: int) -> CohortAccess:
    """A cohort the viewer manages: 404 outside their scope, 403 for its tutors (who see it
    but change nothing)."""
    access = taught_cohort_or_404(viewer, cohort_id)
    if not access.manages:
        abort(403)
    return access


def cohort_groups(access: CohortAccess) -> sa.Select:
    query = (
        sa.select(TutorGroup)
        .where(TutorGroup.cohort_id == access.cohort.id)
        .order_by(TutorGroup.name, TutorGroup.id)
    )
    if access.group_ids is not None:
        query = query.where(TutorGroup.id.in_(access.group_ids))
    return query


def cohort_group_list(access: CohortAccess) -> list[TutorGroup]:
    """The cohort's groups the viewer follows (``cohort_groups``), by name."""
    return list(db.session.scalars(cohort_groups(access)).all())


def cohort_tallies(access: CohortAccess) -> tuple[int, int]:
    """How many of the cohort's enrolments wait for a place, and how many tutor groups it
    has (the whole cohort's, for everyone who may see its overview)."""
    cohort_id = access.cohort.id
    waiting = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Enrolment)
        .where(Enrolment.cohort_id == cohort_id, Enrolment.state == EnrolmentState.WAITLISTED)
    )
    groups = db.session.scalar(
        sa.select(sa.func.count()).select_from(TutorGroup).where(TutorGroup.cohort_id == cohort_id)
    )
    return waiting, groups


def cohort_group_or_404(access: CohortAccess, group_id: int) -> TutorGroup:
    return one_or_404(cohort_groups(access).where(TutorGroup.id == group_id))


def cohort_enrolments(access: CohortAccess) -> sa.Select:
    """Select the cohort's enrolments the viewer may see, with person, group and sponsor."""
    query = (
        sa.select(Enrolment)
        .join(User, User.id == Enrolment.user_id)
        .where(Enrolment.cohort_id == access.cohort.id)
        .options(
            joinedload(Enrolment.user),
            joinedload(Enrolment.tutor_group),
            joinedload(Enrolment.sponsor_ministry),
        )
        .order_by(*person_order(), Enrolment.id)
    )
    if access.group_ids is not None:
        query = query.where(Enrolment.tutor_group_id.in_(access.group_ids))
    return query


def cohort_enrolment_list(access: CohortAccess) -> list[Enrolment]:
    """The cohort's enrolments the viewer may see (``cohort_enrolments``), loaded."""
    return list(db.session.scalars(cohort_enrolments(access)).unique().all())


def cohort_enrolment_or_404(access: CohortAccess, enrolment_id: int) -> Enrolment:
    return one_or_404(cohort_enrolments(access).where(Enrolment.id == enrolment_id))


# --- ministries' seats in a cohort (for those who manage it) -----------------------------------


def _require_manager(access: CohortAccess) -> None:
    if not access.manages:
        abort(403)


def seat_ministries(access: CohortAccess) -> list[Ministry]:
    """The active ministries seats may be allotted to, by the name shown, for a cohort's
    manager."""
    _require_manager(access)
    return sorted_by_name(
        db.session.scalars(sa.select(Ministry).where(Ministry.is_active.is_(True)))
    )


def allotted_ministries(access: CohortAccess, ministry_ids) -> dict[int, Ministry]:
    """Ministry id -> ministry, for the given ids (those with seats or places in the managed
    cohort); no query when there is none."""
    _require_manager(access)
    ids = set(ministry_ids)
    return (
        {m.id: m for m in db.session.scalars(sa.select(Ministry).where(Ministry.id.in_(ids)))}
        if ids
        else {}
    )


def seat_ministry_or_404(access: CohortAccess, ministry_id: int) -> Ministry:
    """The ministry chosen for seats in the managed cohort (from the session's identity map
    when already loaded); 404 for an id that does not exist."""
    _require_manager(access)
    ministry = db.session.get(Ministry, ministry_id)
    if ministry is None:
        abort(404)
    return ministry


def account_by_email(viewer: User, email: str) -> User | None:
    """The active account with exactly this email, for someone who manages a cohort (to enrol
    a person or make them a tutor); None otherwise. Nobody browses accounts this way: the
    email must be known in full."""
    scope = scope_of(viewer)
    if not (scope.is_administrator or scope.course_ids or scope.cohort_ids):
        return None
    return db.session.scalar(
        sa.select(User).where(
            sa.func.lower(User.email) == normalise_email(email),
            User.is_active_account.is_(True),
            User.erased_at.is_(None),
        )
    )
