"""Tutor groups: each has one tutor (a ``tutor`` role grant on the group) and a size limit,
checked under the cohort's lock as places are. Every change of group, including the first, is
a ``TutorGroupMove`` row, so a learner's history across groups is kept; their progress belongs
to the enrolment, which never changes. Functions flush and never commit."""

from __future__ import annotations

import itertools

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from diplolearn.extensions import db
from diplolearn.models import (
    Cohort,
    Enrolment,
    EnrolmentState,
    Role,
    RoleGrant,
    TutorGroup,
    TutorGroupMove,
    User,
)
from diplolearn.models.states import SEAT_HOLDING
from diplolearn.names import person_order
from diplolearn.services import audit
from diplolearn.services.accounts import accounts
from diplolearn.services.cohorts import CohortRefused, NoSuchAccount, TutorGroupFull, organisations
from diplolearn.services.cohorts.places import lock_cohort
from diplolearn.services.errors import NotAllowed

DEFAULT_GROUP_SIZE = 25


def create_group(
    cohort: Cohort,
    *,
    name: str,
    capacity: int = DEFAULT_GROUP_SIZE,
    tutor: User | None = None,
    by: User,
) -> TutorGroup:
    name = (name or "").strip()
    if not name:
        raise CohortRefused(_("Give the group a name."))
    if capacity < 1:
        raise CohortRefused(_("A group needs room for at least one learner."))
    if tutor is not None and not tutor.is_active:
        raise NoSuchAccount()
    taken = set(
        db.session.scalars(sa.select(TutorGroup.key).where(TutorGroup.cohort_id == cohort.id))
    )
    key = next(k for k in (f"group-{n}" for n in itertools.count(len(taken) + 1)) if k not in taken)
    group = organisations.add_tutor_group(cohort, key, name, capacity=capacity, by=by)
    if tutor is not None:
        assign_tutor(group, tutor, by=by)
    return group


def group_tutors(group_ids) -> dict[int, list[User]]:
    tutors: dict[int, list[User]] = {}
    if not group_ids:
        return tutors
    for grant, user in db.session.execute(
        sa.select(RoleGrant, User)
        .join(User, User.id == RoleGrant.user_id)
        .where(RoleGrant.role == Role.TUTOR, RoleGrant.tutor_group_id.in_(group_ids))
        .order_by(*person_order(), User.id)
    ):
        tutors.setdefault(grant.tutor_group_id, []).append(user)
    return tutors


def assign_tutor(group: TutorGroup, tutor: User, *, by: User) -> None:
    """Make ``tutor`` the group's tutor, replacing any other."""
    if not tutor.is_active:
        raise NoSuchAccount()
    for grant in db.session.scalars(
        sa.select(RoleGrant).where(
            RoleGrant.role == Role.TUTOR,
            RoleGrant.tutor_group_id == group.id,
            RoleGrant.user_id != tutor.id,
        )
    ).all():
        accounts.revoke_role(grant, revoked_by=by)
    accounts.grant_role(tutor, Role.TUTOR, group.id, granted_by=by)


def check_group_room(group: TutorGroup) -> None:
    members = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Enrolment)
        .where(
            Enrolment.tutor_group_id == group.id,
            Enrolment.state.in_([*SEAT_HOLDING, EnrolmentState.WAITLISTED]),
        )
    )
    if members >= group.capacity:
        raise TutorGroupFull()


def record_move(enrolment: Enrolment, group: TutorGroup | None, by: User | None) -> None:
    db.session.add(
        TutorGroupMove(
            enrolment_id=enrolment.id,
            from_group_id=enrolment.tutor_group_id,
            to_group_id=group.id if group else None,
            moved_by_id=by.id if by else None,
        )
    )
    enrolment.tutor_group_id = group.id if group else None
    db.session.flush()


def move_to_group(enrolment: Enrolment, group: TutorGroup | None, *, by: User) -> None:
    """Move a learner to another tutor group of their cohort (or out of every group); the
    enrolment and its records stay as they are, and the move is kept in the history."""
    if group is not None and group.cohort_id != enrolment.cohort_id:
        raise NotAllowed()
    lock_cohort(enrolment.cohort_id)  # group sizes, like places, are checked under the lock
    if enrolment.tutor_group_id == (group.id if group else None):
        return
    if group is not None:
        check_group_room(group)
    before = enrolment.tutor_group_id
    record_move(enrolment, group, by)
    audit.record(
        by,
        "enrolment.move_group",
        subject=enrolment.user,
        target=enrolment,
        ministry_id=enrolment.sponsor_ministry_id,
        from_group=before,
        to_group=group.id if group else None,
    )


def group_history(enrolment_ids) -> dict[int, list[TutorGroupMove]]:
    history: dict[int, list[TutorGroupMove]] = {}
    if not enrolment_ids:
        return history
    for move in db.session.scalars(
        sa.select(TutorGroupMove)
        .where(TutorGroupMove.enrolment_id.in_(enrolment_ids))
        .options(
            joinedload(TutorGroupMove.from_group),
            joinedload(TutorGroupMove.to_group),
            joinedload(TutorGroupMove.moved_by),
        )
        .order_by(TutorGroupMove.moved_at, TutorGroupMove.id)
    ):
        history.setdefault(move.enrolment_id, []).append(move)
    return history
