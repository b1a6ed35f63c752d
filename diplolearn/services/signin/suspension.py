"""Suspending and reactivating an account.

A suspended account keeps every enrolment and record; ``User.is_active`` is false while it
lasts, so sign-in (every route), sessions (auth/sessions.py) and API tokens all refuse it.
"""

from __future__ import annotations

from diplolearn.extensions import db
from diplolearn.models import User, utcnow
from diplolearn.services import audit
from diplolearn.services.signin import (
    AlreadySuspended,
    CannotSuspendSelf,
    NotSuspended,
    SuspensionNotAllowed,
    devices,
)


def _check(person: User, by: User) -> None:
    if person.id == by.id:
        raise CannotSuspendSelf()
    if person.is_administrator and not by.is_administrator:
        raise SuspensionNotAllowed()


def suspend(person: User, *, by: User, reason: str, ministry_id: int | None = None) -> None:
    _check(person, by)
    if person.suspended_at is not None:
        raise AlreadySuspended()
    person.suspended_at = utcnow()
    person.suspended_by_id = by.id
    person.suspension_reason = (reason or "").strip()[:500]
    devices.end_all(person, "suspended")
    audit.record(
        by, "user.suspend", subject=person, ministry_id=ministry_id, reason=person.suspension_reason
    )
    db.session.flush()


def reactivate(person: User, *, by: User, ministry_id: int | None = None) -> None:
    _check(person, by)
    if person.suspended_at is None:
        raise NotSuspended()
    audit.record(
        by,
        "user.reactivate",
        subject=person,
        ministry_id=ministry_id,
        suspended_at=person.suspended_at.isoformat(),
        reason=person.suspension_reason,
    )
    person.suspended_at = None
    person.suspended_by_id = None
    person.suspension_reason = ""
    db.session.flush()
