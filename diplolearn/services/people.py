"""Bringing a person onto the platform: account, membership of a ministry, role, invitation."""

from __future__ import annotations

from diplolearn.extensions import db
from diplolearn.models import Course, Ministry, Role, StaffMembership, User
from diplolearn.services import accounts, audit


def join_ministry(user: User, ministry: Ministry, *, staff_id: str | None = None,
                  position: str = "", posting: str = "", by: User | None = None) -> StaffMembership:
    """Make ``ministry`` the person's current employer, ending any earlier membership."""
    from diplolearn.models import utcnow

    current = db.session.scalar(
        db.select(StaffMembership).where(StaffMembership.user_id == user.id,
                                         StaffMembership.ended_at.is_(None)))
    if current is not None and current.ministry_id == ministry.id:
        return current
    if current is not None:
        current.ended_at = utcnow()
        db.session.flush()
    membership = StaffMembership(user_id=user.id, ministry_id=ministry.id, staff_id=staff_id,
                                 position=position, posting=posting)
    db.session.add(membership)
    db.session.flush()
    audit.record(by, "staff.join", subject=user, ministry_id=ministry.id, target=membership)
    return membership


def invite_person(
    by: User,
    *,
    email: str,
    name_latin: str,
    name_ar: str = "",
    interface_language: str | None = None,
    role: str | None = None,
    ministry: Ministry | None = None,
    course: Course | None = None,
) -> User:
    user = accounts.create_user(email, name_latin=name_latin, name_ar=name_ar,
                                interface_language=interface_language,
                                reading_language=interface_language, created_by=by)
    if ministry is not None:
        join_ministry(user, ministry, by=by)
    if role:
        scope = {Role.COORDINATOR: getattr(ministry, "id", None),
                 Role.INSTRUCTOR: getattr(course, "id", None)}.get(Role(role))
        accounts.grant_role(user, role, scope, granted_by=by)
    accounts.invite(user, invited_by=by)
    return user
