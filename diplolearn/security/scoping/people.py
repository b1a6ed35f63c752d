"""People: whom a viewer may see (``Scope.visible_user_ids``), and whose postings.

Views never load a person and then check; they load *through* the scope
(``get_person_or_404``), so a coordinator's query cannot forget the ministry.

Postings: where a diplomat is posted is sensitive. Only the person, the coordinators of the
ministry the membership is with, and administrators see it; tutors and instructors never do.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from diplolearn.extensions import db
from diplolearn.models import StaffMembership, User
from diplolearn.security.scoping.base import one_or_404, scope_of


def people_query(viewer: User) -> sa.Select:
    """Select the people ``viewer`` may see, ordered by name."""
    query = sa.select(User).order_by(User.sort_key, User.id)
    visible = scope_of(viewer).visible_user_ids()
    if visible is not None:
        query = query.where(User.id.in_(visible))
    return query


def get_person_or_404(viewer: User, user_id: int) -> User:
    return one_or_404(people_query(viewer).where(User.id == user_id))


def memberships_with_visible_posting(viewer: User, user_id: int) -> sa.Select:
    """Select the person's staff memberships whose posting (and staff id) the viewer may see,
    newest first, with their ministry."""
    scope = scope_of(viewer)
    query = (sa.select(StaffMembership).where(StaffMembership.user_id == user_id)
             .options(joinedload(StaffMembership.ministry))
             .order_by(StaffMembership.started_at.desc(), StaffMembership.id.desc()))
    if not scope.is_administrator and user_id != scope.user_id:
        query = query.where(StaffMembership.ministry_id.in_(scope.ministry_ids))
    return query


def own_current_membership(user: User) -> StaffMembership | None:
    """The person's own current staff membership (ministry, staff ID, position, posting), for
    their account page; None when they belong to no ministry now."""
    return db.session.scalar(memberships_with_visible_posting(user, user.id)
                             .where(StaffMembership.ended_at.is_(None)))
