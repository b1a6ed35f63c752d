"""People: whom a viewer may see (``Scope.visible_user_ids``), and whose postings.

Views never load a person and then check; they load *through* the scope
(``get_person_or_404``), so a coordinator's query cannot forget the ministry.

Postings: where a diplomat is posted is sensitive. Only the person, the coordinators of the
ministry the membership is with, and administrators see it; tutors and instructors never do.

One's own pages: the dashboard's enrolments and announcements, the account page's membership.

An administrator's registers (people, ministries with their staff counts and coordinators, the
audit trail): each takes the viewer and answers from their scope, everything for an
administrator; a coordinator gets their own ministries only, and nobody else the audit trail.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from diplolearn.extensions import db
from diplolearn.models import (
    AuditEvent,
    Cohort,
    Enrolment,
    StaffMembership,
    User,
)
from diplolearn.names import person_order
from diplolearn.security.scoping.base import one_or_404, scope_of
from diplolearn.security.scoping.learning import announcements_for


def people_query(viewer: User) -> sa.Select:
    """Select the people ``viewer`` may see, ordered by name."""
    query = sa.select(User).order_by(*person_order(), User.id)
    visible = scope_of(viewer).visible_user_ids()
    if visible is not None:
        query = query.where(User.id.in_(visible))
    return query


def people_matching(viewer: User, search: str = "") -> sa.Select:
    """Select the people ``viewer`` may see (``people_query``) with their grants, narrowed to
    those whose email or Latin name contains ``search`` (any case) or whose Arabic name
    does; for the administrator's paged list."""
    query = people_query(viewer).options(selectinload(User.grants))
    return query.where(name_matches(search)) if search else query


def name_matches(search: str) -> sa.ColumnElement[bool]:
    """Whether a person's email or Latin name contains ``search`` (any case), or their Arabic
    name does: the search of every list of people."""
    like = f"%{search.lower()}%"
    return sa.or_(
        sa.func.lower(User.email).like(like),
        sa.func.lower(User.name_latin).like(like),
        User.name_ar.like(f"%{search}%"),
    )


def get_person_or_404(viewer: User, user_id: int) -> User:
    return one_or_404(people_query(viewer).where(User.id == user_id))


def _memberships_with_visible_posting(viewer: User, user_id: int) -> sa.Select:
    scope = scope_of(viewer)
    query = (
        sa.select(StaffMembership)
        .where(StaffMembership.user_id == user_id)
        .order_by(StaffMembership.started_at.desc(), StaffMembership.id.desc())
    )
    if not scope.is_administrator and user_id != scope.user_id:
        query = query.where(StaffMembership.ministry_id.in_(scope.ministry_ids))
    return query


def memberships_with_visible_posting(viewer: User, user_id: int) -> sa.Select:
    """Select the person's staff memberships whose posting (and staff id) the viewer may see,
    newest first, with their ministry."""
    return _memberships_with_visible_posting(viewer, user_id).options(
        joinedload(StaffMembership.ministry)
    )


def visible_memberships(viewer: User, user_id: int) -> list[StaffMembership]:
    """The memberships of ``memberships_with_visible_posting``, as a list (one query)."""
    return list(db.session.scalars(memberships_with_visible_posting(viewer, user_id)))


def person_memberships(viewer: User, user_id: int) -> list[StaffMembership]:
    """The same memberships for the administrator's person page, newest first, their
    ministries loaded in one further query."""
    return list(
        db.session.scalars(
            _memberships_with_visible_posting(viewer, user_id).options(
                selectinload(StaffMembership.ministry)
            )
        )
    )


def own_current_membership(user: User) -> StaffMembership | None:
    """The person's own current staff membership (ministry, staff ID, position, posting), for
    their account page; None when they belong to no ministry now."""
    return db.session.scalar(
        memberships_with_visible_posting(user, user.id).where(StaffMembership.ended_at.is_(None))
    )


# --- one's own dashboard ---------------------------------------------------------------------


def dashboard_enrolments(user: User) -> list[Enrolment]:
    """The user's own enrolments with their cohorts and courses, newest first (one query)."""
    return list(
        db.session.scalars(
            sa.select(Enrolment)
            .where(Enrolment.user_id == user.id)
            .options(joinedload(Enrolment.cohort).joinedload(Cohort.course))
            .order_by(Enrolment.created_at.desc(), Enrolment.id.desc())
        )
    )


def dashboard_enrolments_and_progress(user: User) -> tuple[list[Enrolment], list | None]:
    """``dashboard_enrolments`` and the stored progress rows of all of them
    (services.progress.summary.ROW_COLUMNS), in one query: (enrolments, rows), rows None where
    the database has no stored progress yet."""
    from diplolearn.models import CourseVersion, ModuleProgress
    from diplolearn.services.progress import summary

    if not summary.summaries_available():
        return dashboard_enrolments(user), None
    found = db.session.execute(
        sa.select(Enrolment, *summary.ROW_COLUMNS)
        .outerjoin(ModuleProgress, ModuleProgress.enrolment_id == Enrolment.id)
        .outerjoin(CourseVersion, CourseVersion.id == ModuleProgress.course_version_id)
        .where(Enrolment.user_id == user.id)
        .options(joinedload(Enrolment.cohort).joinedload(Cohort.course))
        .order_by(Enrolment.created_at.desc(), Enrolment.id.desc(), ModuleProgress.position)
    ).all()
    enrolments = list(dict.fromkeys(row[0] for row in found))
    return enrolments, found


def dashboard_announcements(user: User, limit: int) -> list:
    """The newest ``limit`` announcements to the user (``announcements_for``), one query."""
    return list(db.session.scalars(announcements_for(user).limit(limit)))


# --- an administrator's registers: ministries, their coordinators, the audit trail -------------


def audit_events(viewer: User, action: str = "") -> sa.Select:
    """Select the audit trail, newest first, with actors and subjects (of the one ``action``
    when given): all of it for an administrator, nothing for anyone else."""
    query = (
        sa.select(AuditEvent)
        .options(selectinload(AuditEvent.actor), selectinload(AuditEvent.subject_user))
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    )
    if not scope_of(viewer).is_administrator:
        query = query.where(sa.false())
    if action:
        query = query.where(AuditEvent.action == action)
    return query
