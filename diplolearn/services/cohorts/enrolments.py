"""Who asks for a place in a cohort, and leaving it. An instructor enrols any active account by
its exact email (``enrol_by_instructor``); a ministry's coordinator nominates the ministry's
current staff into its seats (``nominate``) and, before the cohort starts, may replace a
nominee by another of their staff (``substitute``); anyone's enrolment may be withdrawn
(``withdraw``), and the place it frees goes to the waiting list (places.py). Without a free
place the person joins the waiting list rather than being refused.

Substitution: before the cohort starts, a coordinator may replace a nominee by another of
their staff. The nominee's enrolment is withdrawn (kept, with its history), the substitute's
enrolment takes over its place (or its position on the waiting list) and its tutor group, and
points back at it (``replaces_enrolment_id``).

Functions flush and never commit; each validates everything before writing anything.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import gettext as _

from diplolearn.extensions import db
from diplolearn.models import (
    Cohort,
    Enrolment,
    EnrolmentState,
    Ministry,
    StaffMembership,
    TutorGroup,
    User,
    utcnow,
)
from diplolearn.models.states import SEAT_HOLDING
from diplolearn.services import audit
from diplolearn.services.cohorts import AlreadyEnrolled, CohortRefused, CohortStarted, NoSuchAccount
from diplolearn.services.cohorts.places import (
    Places,
    allotments,
    fill_from_waiting_list,
    lock_cohort,
    tell_learner,
)
from diplolearn.services.cohorts.tutor_groups import check_group_room, record_move
from diplolearn.services.errors import NotAllowed


def current_ministry_id(user: User) -> int | None:
    return db.session.scalar(
        sa.select(StaffMembership.ministry_id).where(
            StaffMembership.user_id == user.id, StaffMembership.ended_at.is_(None)
        )
    )


def nominations_open(cohort: Cohort, now: dt.datetime | None = None) -> bool:
    """Whether people may still join the cohort (or its waiting list): until it ends."""
    now = now or utcnow()
    return not cohort.is_default and (cohort.ends_at is None or cohort.ends_at > now)


def substitution_open(cohort: Cohort, now: dt.datetime | None = None) -> bool:
    """Whether a nominee may still be replaced: until the cohort starts."""
    now = now or utcnow()
    return nominations_open(cohort, now) and (cohort.starts_at is None or cohort.starts_at > now)


def _ensure_open(cohort: Cohort) -> None:
    if cohort.is_default:
        raise CohortRefused(_("The self-paced cohort has no places to manage."))
    if cohort.ends_at is not None and cohort.ends_at <= utcnow():
        raise CohortRefused(_("This cohort has ended: nobody can join it any more."))


def _place(
    cohort: Cohort,
    user: User,
    sponsor_id: int | None,
    *,
    by: User,
    action: str,
    tutor_group: TutorGroup | None = None,
    waitlisted_at: dt.datetime | None = None,
    replaces: Enrolment | None = None,
    take_place: bool | None = None,
) -> Enrolment:
    """Give ``user`` a place in the locked ``cohort``, or a place on its waiting list.
    ``take_place`` forces the outcome (a substitute takes over a nominee's place)."""
    existing = db.session.scalar(
        sa.select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.cohort_id == cohort.id)
    )
    if existing is not None and existing.state != EnrolmentState.WITHDRAWN:
        raise AlreadyEnrolled()
    if tutor_group is not None:
        check_group_room(tutor_group)
    fits = Places(cohort).fits(sponsor_id) if take_place is None else take_place
    target = EnrolmentState.INVITED if fits else EnrolmentState.WAITLISTED
    if existing is None:
        enrolment = Enrolment(
            user_id=user.id,
            cohort_id=cohort.id,
            sponsor_ministry_id=sponsor_id,
            state=target,
            waitlisted_at=None,
        )
        if target == EnrolmentState.WAITLISTED:
            enrolment.waitlisted_at = waitlisted_at or utcnow()
        db.session.add(enrolment)
        db.session.flush()
    else:
        enrolment = existing
        enrolment.sponsor_ministry_id = sponsor_id
        enrolment.move_to(target)
        if waitlisted_at is not None and target == EnrolmentState.WAITLISTED:
            enrolment.waitlisted_at = waitlisted_at
    if replaces is not None:
        enrolment.replaces_enrolment_id = replaces.id
    db.session.flush()
    if tutor_group is not None and enrolment.tutor_group_id != tutor_group.id:
        record_move(enrolment, tutor_group, by)
    audit.record(
        by,
        action,
        subject=user,
        target=enrolment,
        ministry_id=sponsor_id,
        cohort_id=cohort.id,
        state=enrolment.state,
        replaces=replaces.id if replaces is not None else None,
    )
    tell_learner(enrolment, "enrolled" if fits else "waitlisted")
    return enrolment


def enrol_by_instructor(
    cohort: Cohort, user: User, *, by: User, tutor_group: TutorGroup | None = None
) -> Enrolment:
    """Enrol an existing active account; its current ministry sponsors the place. Without a
    free place (capacity, or the ministry's seats), the person joins the waiting list."""
    if not user.is_active:
        raise NoSuchAccount()
    if tutor_group is not None and tutor_group.cohort_id != cohort.id:
        raise NotAllowed()
    cohort = lock_cohort(cohort.id)
    _ensure_open(cohort)
    return _place(
        cohort,
        user,
        current_ministry_id(user),
        by=by,
        action="enrolment.create",
        tutor_group=tutor_group,
    )


def _ensure_current_staff(ministry: Ministry, user: User) -> None:
    if current_ministry_id(user) != ministry.id or not user.is_active:
        raise NotAllowed()


def nominate(cohort: Cohort, ministry: Ministry, user: User, *, by: User) -> Enrolment:
    """A coordinator's nomination of one of the ministry's current staff into its seats;
    beyond them, the nominee joins the waiting list."""
    _ensure_current_staff(ministry, user)
    cohort = lock_cohort(cohort.id)
    _ensure_open(cohort)
    if ministry.id not in allotments(cohort.id):
        raise CohortRefused(_("Your ministry has no seats in this cohort."))
    return _place(cohort, user, ministry.id, by=by, action="enrolment.nominate")


def substitute(enrolment: Enrolment, user: User, *, by: User) -> Enrolment:
    """Before the cohort starts, replace a nominee by another of the sponsoring ministry's
    current staff: the substitute takes over the nominee's place (or position on the waiting
    list) and tutor group; the nominee's enrolment is withdrawn and kept."""
    ministry = db.session.get(Ministry, enrolment.sponsor_ministry_id)
    if ministry is None:
        raise NotAllowed()
    _ensure_current_staff(ministry, user)
    cohort = lock_cohort(enrolment.cohort_id)
    _ensure_open(cohort)
    if cohort.starts_at is not None and cohort.starts_at <= utcnow():
        raise CohortStarted()
    db.session.refresh(enrolment)
    if enrolment.state not in (EnrolmentState.INVITED, EnrolmentState.WAITLISTED):
        raise CohortRefused(_("Only a nominee who has not started can be replaced."))
    if user.id == enrolment.user_id:
        raise AlreadyEnrolled()
    holds_place = enrolment.state == EnrolmentState.INVITED
    waitlisted_at, group = enrolment.waitlisted_at, enrolment.tutor_group
    enrolment.move_to(EnrolmentState.WITHDRAWN)
    audit.record(
        by,
        "enrolment.withdraw",
        subject=enrolment.user,
        target=enrolment,
        ministry_id=ministry.id,
        cohort_id=cohort.id,
        reason="substituted",
    )
    db.session.flush()
    return _place(
        cohort,
        user,
        ministry.id,
        by=by,
        action="enrolment.substitute",
        tutor_group=group,
        waitlisted_at=waitlisted_at,
        replaces=enrolment,
        take_place=holds_place,
    )


def withdraw(enrolment: Enrolment, *, by: User) -> list[Enrolment]:
    """Withdraw an enrolment (or take it off the waiting list). A freed place goes at once to
    the first waiting enrolment that fits; returns those promoted."""
    cohort = lock_cohort(enrolment.cohort_id)
    db.session.refresh(enrolment)
    if enrolment.state in (EnrolmentState.COMPLETED, EnrolmentState.WITHDRAWN):
        raise CohortRefused(
            _("This enrolment is completed or already withdrawn, so it cannot be withdrawn.")
        )
    freed = enrolment.state in SEAT_HOLDING
    enrolment.move_to(EnrolmentState.WITHDRAWN)
    db.session.flush()
    audit.record(
        by,
        "enrolment.withdraw",
        subject=enrolment.user,
        target=enrolment,
        ministry_id=enrolment.sponsor_ministry_id,
        cohort_id=cohort.id,
    )
    return fill_from_waiting_list(cohort, by=by) if freed else []
