"""Bringing a person onto the platform: account, membership of a ministry, role, invitation."""

from __future__ import annotations

import sqlalchemy as sa

from diplolearn.extensions import db
from diplolearn.models import Course, Ministry, Role, StaffMembership, User
from diplolearn.services import audit
from diplolearn.services.accounts import accounts


def join_ministry(
    user: User,
    ministry: Ministry,
    *,
    staff_id: str | None = None,
    position: str = "",
    posting: str = "",
    by: User | None = None,
) -> StaffMembership:
    """Make ``ministry`` the person's current employer, ending any earlier membership."""
    from diplolearn.models import utcnow

    current = db.session.scalar(
        db.select(StaffMembership).where(
            StaffMembership.user_id == user.id, StaffMembership.ended_at.is_(None)
        )
    )
    if current is not None and current.ministry_id == ministry.id:
        return current
    if current is not None:
        current.ended_at = utcnow()
        db.session.flush()
    membership = StaffMembership(
        user_id=user.id,
        ministry_id=ministry.id,
        staff_id=staff_id,
        position=position,
        posting=posting,
    )
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
    user = accounts.create_user(
        email,
        name_latin=name_latin,
        name_ar=name_ar,
        interface_language=interface_language,
        reading_language=interface_language,
        created_by=by,
    )
    if ministry is not None:
        join_ministry(user, ministry, by=by)
    if role:
        scope = {
            Role.COORDINATOR: getattr(ministry, "id", None),
            Role.INSTRUCTOR: getattr(course, "id", None),
        }.get(Role(role))
        accounts.grant_role(user, role, scope, granted_by=by)
    accounts.invite(user, invited_by=by)
    return user


# --- a coordinator's staff, one person at a time -------------------------------------------


def _current_membership(user: User) -> StaffMembership | None:
    return db.session.scalar(
        db.select(StaffMembership).where(
            StaffMembership.user_id == user.id, StaffMembership.ended_at.is_(None)
        )
    )


def _check_staff_id(
    ministry: Ministry, staff_id: str | None, membership: StaffMembership | None = None
) -> None:
    from diplolearn.services.accounts import StaffIdTaken

    if not staff_id:
        return
    clash = db.session.scalar(
        db.select(StaffMembership.id).where(
            StaffMembership.ministry_id == ministry.id,
            StaffMembership.staff_id == staff_id,
            StaffMembership.ended_at.is_(None),
            StaffMembership.id != (membership.id if membership else -1),
        )
    )
    if clash is not None:
        raise StaffIdTaken()


def add_staff_member(
    ministry: Ministry,
    by: User,
    *,
    email: str,
    name_latin: str,
    name_ar: str = "",
    language: str | None = None,
    position: str = "",
    posting: str = "",
    staff_id: str | None = None,
) -> tuple[User, bool]:
    """Put a person on the ministry's staff: a new account (invited through the outbox), or an
    existing account that belongs to no ministry. Returns (person, created?)."""
    from diplolearn.services.accounts import AlreadyStaff, RegisteredElsewhere
    from diplolearn.services.errors import MinistryInactive

    if not ministry.is_active:
        raise MinistryInactive()
    staff_id = (staff_id or "").strip() or None
    user = accounts.find_user_by_email(email)
    if user is not None:
        current = _current_membership(user)
        if current is not None:
            raise AlreadyStaff() if current.ministry_id == ministry.id else RegisteredElsewhere()
    _check_staff_id(ministry, staff_id)
    created = user is None
    if created:
        user = accounts.create_user(
            email,
            name_latin=name_latin,
            name_ar=name_ar,
            interface_language=language,
            reading_language=language,
            created_by=by,
        )
    join_ministry(user, ministry, staff_id=staff_id, position=position, posting=posting, by=by)
    if not user.has_password:
        accounts.invite(user, invited_by=by)
    return user, created


def update_staff_member(
    membership: StaffMembership,
    by: User,
    *,
    email: str,
    name_latin: str,
    name_ar: str,
    language: str | None,
    position: str,
    posting: str,
    staff_id: str | None,
) -> list[str]:
    """Change a current member's details; returns the names of the fields that changed (the
    audit trail records those names, not the values). A new email is refused when another
    account has it, or when the person holds a role (only administrators change those)."""
    from diplolearn.models.accounts import normalise_email
    from diplolearn.services.accounts import EmailChangeRefused, EmailTaken
    from diplolearn.services.errors import MinistryInactive

    if not membership.ministry.is_active:
        raise MinistryInactive()
    user = membership.user
    staff_id = (staff_id or "").strip() or None
    changed = []
    if normalise_email(email) != user.email:
        if user.grants:
            raise EmailChangeRefused()
        if accounts.find_user_by_email(email) is not None:
            raise EmailTaken()
        changed.append("email")
    if staff_id != membership.staff_id:
        _check_staff_id(membership.ministry, staff_id, membership)
    values = {"name_latin": name_latin, "name_ar": name_ar}
    for name, value in values.items():
        before = getattr(user, name)
        setattr(user, name, value)
        if getattr(user, name) != before:
            changed.append(name)
    if language and language != user.interface_language:
        user.interface_language = language
        changed.append("language")
    for name, value in (("position", position), ("posting", posting), ("staff_id", staff_id)):
        if getattr(membership, name) != value:
            setattr(membership, name, value)
            changed.append(name)
    if "email" in changed:
        user.email = email
        if not user.has_password:
            db.session.flush()
            accounts.invite(user, invited_by=by)  # the old address's link stops working
    db.session.flush()
    if changed:
        audit.record(
            by,
            "staff.update",
            subject=user,
            ministry_id=membership.ministry_id,
            target=membership,
            fields=sorted(changed),
        )
    return changed


def move_to_ministry(
    user: User,
    ministry: Ministry,
    by: User,
    *,
    staff_id: str | None = None,
    position: str = "",
    posting: str = "",
) -> StaffMembership:
    """Move a person to another ministry (administrators only: the caller checks): the current
    membership ends and a new one starts, so the history stays (join_ministry). Enrolments keep
    their sponsor: the old ministry still follows those, and only those. Everything is checked
    first; audited as ``staff.move`` with both ministries."""
    from flask_babel import lazy_gettext as _l

    from diplolearn.services.accounts import SameMinistry, StaffIdTaken
    from diplolearn.services.errors import MinistryInactive

    if not ministry.is_active:
        raise MinistryInactive()
    current = _current_membership(user)
    if current is not None and current.ministry_id == ministry.id:
        raise SameMinistry()
    staff_id = (staff_id or "").strip() or None
    try:
        _check_staff_id(ministry, staff_id)
    except StaffIdTaken:
        raise StaffIdTaken(
            _l(
                "Another current member of that ministry's staff has this staff "
                "ID. Nothing was changed."
            )
        ) from None
    membership = join_ministry(
        user, ministry, staff_id=staff_id, position=position.strip(), posting=posting.strip(), by=by
    )
    audit.record(
        by,
        "staff.move",
        subject=user,
        ministry_id=ministry.id,
        target=membership,
        from_ministry_id=current.ministry_id if current is not None else None,
        ended_membership_id=current.id if current is not None else None,
    )
    return membership


def end_membership(membership: StaffMembership, by: User) -> None:
    """Take a person off the ministry's staff: the membership ends, nothing is deleted, and the
    enrolments the ministry sponsored stay visible to it."""
    from diplolearn.models import utcnow

    if membership.ended_at is None:
        membership.ended_at = utcnow()
        db.session.flush()
        audit.record(
            by,
            "staff.leave",
            subject=membership.user,
            ministry_id=membership.ministry_id,
            target=membership,
        )


def grant_scopes(grants) -> dict[int, object]:
    """Grant id -> what it is scoped to (a ministry, course, cohort or tutor group), for a page
    that names it (the administrator's person page: never "ministry:3"); one query per kind."""
    from diplolearn.models import Cohort, TutorGroup

    kinds = (
        ("ministry_id", Ministry),
        ("course_id", Course),
        ("cohort_id", Cohort),
        ("tutor_group_id", TutorGroup),
    )
    found: dict[int, object] = {}
    for column, model in kinds:
        wanted = {getattr(g, column): g.id for g in grants if getattr(g, column) is not None}
        if not wanted:
            continue
        for thing in db.session.scalars(sa.select(model).where(model.id.in_(wanted))):
            for grant in grants:
                if getattr(grant, column) == thing.id:
                    found[grant.id] = thing
    return found
