"""A ministry's staff through the API: listed, read, created or updated by staff ID, ended.

Reading goes through the coordinator's scoping loaders (``ministry_member_ids``,
``ministry_staff_query``): the API sees exactly the people the ministry's pages show — its
current staff, and former staff whose enrolments it sponsored. Writing reuses the services of
the pages (``people.add_staff_member``, ``update_staff_member``, ``end_membership``), so a
person created here is invited through the outbox like one added on the "Add a person" page.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from diplolearn.extensions import db
from diplolearn.models import Ministry, StaffMembership, User
from diplolearn.models.accounts import normalise_email
from diplolearn.security.scoping import ministry_member_ids, ministry_staff_query
from diplolearn.services.accounts import AlreadyStaff, people
from diplolearn.services.integrations import ApiInputInvalid

LANGUAGES = ("ar", "en", "fr")
# field -> (required?, maximum length)
PERSON_FIELDS = {
    "email": (True, 254),
    "name_latin": (True, 200),
    "name_ar": (False, 200),
    "language": (False, 8),
    "position": (False, 200),
    "posting": (False, 200),
}
STAFF_ID_MAX = 64


def iso(instant: dt.datetime | None) -> str | None:
    return instant.isoformat().replace("+00:00", "Z") if instant is not None else None


def staff_item(membership: StaffMembership) -> dict:
    user = membership.user
    return {
        "id": user.id,
        "staff_id": membership.staff_id,
        "membership_id": membership.id,
        "email": user.email,
        "name_latin": user.name_latin,
        "name_ar": user.name_ar,
        "language": user.interface_language,
        "position": membership.position,
        "posting": membership.posting,
        "active": membership.ended_at is None,
        "account_active": user.is_active,
        "started_at": iso(membership.started_at),
        "ended_at": iso(membership.ended_at),
        "updated_at": iso(max(membership.updated_at, user.updated_at)),
    }


def _visible_memberships(viewer, ministry_id: int) -> sa.Select:
    """Memberships of the ministry held by people its coordinator sees (current staff, and
    former staff with enrolments it sponsored), oldest first."""
    return (
        sa.select(StaffMembership)
        .join(User, User.id == StaffMembership.user_id)
        .where(
            StaffMembership.ministry_id == ministry_id,
            StaffMembership.user_id.in_(ministry_member_ids(viewer, ministry_id)),
        )
        .options(joinedload(StaffMembership.user))
        .order_by(StaffMembership.id)
    )


def list_staff(viewer, ministry_id: int, filters: dict, after: int, limit: int):
    """(memberships, whether more follow) after the membership id ``after``."""
    query = _visible_memberships(viewer, ministry_id).where(StaffMembership.id > after)
    if filters.get("staff_id") is not None:
        query = query.where(StaffMembership.staff_id == filters["staff_id"])
    if filters.get("email") is not None:
        query = query.where(User.email == normalise_email(filters["email"]))
    if filters.get("active") is not None:
        ended = StaffMembership.ended_at
        query = query.where(ended.is_(None) if filters["active"] else ended.is_not(None))
    if filters.get("updated_since") is not None:
        since = filters["updated_since"]
        query = query.where(sa.or_(StaffMembership.updated_at >= since, User.updated_at >= since))
    rows = list(db.session.scalars(query.limit(limit + 1)).unique())
    return rows[:limit], len(rows) > limit


def membership_by_staff_id(viewer, ministry_id: int, staff_id: str) -> StaffMembership | None:
    """The current membership with this staff ID, else the latest ended one the ministry
    still sees; None when there is none."""
    return db.session.scalar(
        _visible_memberships(viewer, ministry_id)
        .where(StaffMembership.staff_id == staff_id)
        .order_by(None)
        .order_by(StaffMembership.ended_at.is_not(None), StaffMembership.id.desc())
        .limit(1)
    )


def current_by_staff_id(viewer, ministry_id: int, staff_id: str) -> StaffMembership | None:
    return db.session.scalar(
        ministry_staff_query(viewer, ministry_id).where(StaffMembership.staff_id == staff_id)
    )


def _current_by_email(viewer, ministry_id: int, email: str) -> StaffMembership | None:
    return db.session.scalar(
        ministry_staff_query(viewer, ministry_id).where(User.email == normalise_email(email))
    )


def checked_staff_id(staff_id: str) -> str:
    staff_id = (staff_id or "").strip()
    if not staff_id or len(staff_id) > STAFF_ID_MAX or not staff_id.isprintable():
        raise ApiInputInvalid({"staff_id": "1 to 64 printable characters"})
    return staff_id


def checked_person(body) -> dict:
    """The person's fields from a PUT body: every field a string, required ones present,
    nothing unknown. PUT replaces: a field left out is emptied (language: kept)."""
    if not isinstance(body, dict):
        raise ApiInputInvalid({"": "a JSON object"})
    problems = {name: "unknown field" for name in body if name not in PERSON_FIELDS}
    values = {}
    for name, (required, longest) in PERSON_FIELDS.items():
        value = body.get(name)
        if value is None:
            if required:
                problems[name] = "required"
            values[name] = None if name == "language" else ""
            continue
        if not isinstance(value, str):
            problems[name] = "a string"
        elif len(value) > longest:
            problems[name] = f"at most {longest} characters"
        elif required and not value.strip():
            problems[name] = "required"
        else:
            values[name] = value.strip()
    if "email" in values and values["email"] and "@" not in values["email"]:
        problems["email"] = "an email address"
    if values.get("language") and values["language"] not in LANGUAGES:
        problems["language"] = "one of ar, en, fr"
    if problems:
        raise ApiInputInvalid(problems)
    return values


def upsert(viewer, ministry: Ministry, staff_id: str, values: dict, by) -> tuple:
    """Create or update the current staff member with this staff ID; returns (membership,
    created?, changed fields). A current member with the same email and no staff ID yet is
    given this one; with another staff ID, the email is refused as already on the staff."""
    membership = current_by_staff_id(viewer, ministry.id, staff_id)
    if membership is None:
        same_email = _current_by_email(viewer, ministry.id, values["email"])
        if same_email is not None and same_email.staff_id:
            raise AlreadyStaff()
        membership = same_email
    fields = {
        "email": values["email"],
        "name_latin": values["name_latin"],
        "name_ar": values["name_ar"],
        "language": values["language"],
        "position": values["position"],
        "posting": values["posting"],
        "staff_id": staff_id,
    }
    if membership is not None:
        changed = people.update_staff_member(membership, by, **fields)
        return membership, False, changed
    people.add_staff_member(ministry, by, **fields)
    return current_by_staff_id(viewer, ministry.id, staff_id), True, ["created"]


def end(membership: StaffMembership, by) -> None:
    people.end_membership(membership, by)
