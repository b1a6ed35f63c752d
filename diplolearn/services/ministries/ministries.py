"""Ministries, the tenants: created by an administrator with their first coordinator, edited,
deactivated (never deleted: their staff's records and certificates stay)."""

from __future__ import annotations

import sqlalchemy as sa

from diplolearn.extensions import db
from diplolearn.models import Ministry, Role, User
from diplolearn.services import audit
from diplolearn.services.accounts import accounts, people
from diplolearn.services.ministries import MinistryCodeTaken


def _names(name_en: str, name_ar: str, name_fr: str = "") -> dict[str, str]:
    names = {"en": name_en.strip(), "ar": name_ar.strip(), "fr": (name_fr or "").strip()}
    return {language: text for language, text in names.items() if text}


def create_ministry(
    *,
    code: str,
    name_en: str,
    name_ar: str,
    name_fr: str = "",
    country_code: str | None = None,
    by: User | None = None,
) -> Ministry:
    code = code.strip().upper()
    if db.session.scalar(sa.select(Ministry.id).where(sa.func.upper(Ministry.code) == code)):
        raise MinistryCodeTaken()
    ministry = Ministry(
        code=code,
        name=_names(name_en, name_ar, name_fr),
        country_code=(country_code or "").strip().upper() or None,
    )
    db.session.add(ministry)
    db.session.flush()
    audit.record(by, "ministry.create", ministry_id=ministry.id, target=ministry, code=code)
    return ministry


def appoint_coordinator(
    ministry: Ministry,
    by: User | None,
    *,
    email: str,
    name_latin: str = "",
    name_ar: str = "",
    language: str | None = None,
) -> tuple[User, bool]:
    """Make someone the ministry's coordinator: an existing account (found by email) gets the
    role; otherwise a new account is created on the ministry's staff and invited through the
    outbox. Returns (person, created?)."""
    user = accounts.find_user_by_email(email)
    if user is not None:
        accounts.grant_role(user, Role.COORDINATOR, ministry.id, granted_by=by)
        return user, False
    user = people.invite_person(
        by,
        email=email,
        name_latin=name_latin,
        name_ar=name_ar,
        interface_language=language,
        role=Role.COORDINATOR.value,
        ministry=ministry,
    )
    return user, True


def update_ministry(
    ministry: Ministry,
    *,
    name_en: str,
    name_ar: str,
    name_fr: str = "",
    country_code: str | None = None,
    is_active: bool = True,
    by: User | None = None,
) -> list[str]:
    changed = []
    names = _names(name_en, name_ar, name_fr)
    if names != ministry.name:
        ministry.name = names
        changed.append("name")
    country_code = (country_code or "").strip().upper() or None
    if country_code != ministry.country_code:
        ministry.country_code = country_code
        changed.append("country_code")
    if is_active != ministry.is_active:
        ministry.is_active = is_active
        changed.append("is_active")
    db.session.flush()
    if changed:
        action = (
            "ministry.deactivate"
            if "is_active" in changed and not is_active
            else "ministry.reactivate"
            if "is_active" in changed
            else "ministry.update"
        )
        audit.record(by, action, ministry_id=ministry.id, target=ministry, fields=changed)
    return changed
