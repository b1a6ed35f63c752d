"""Deadlines that bend (issue 14): the extension requests one decides, one's own requests and
excusals, and the learners one may excuse or extend.

Who decides a learner's extension request: an administrator, an instructor of the course, a
lead instructor of the cohort, and the tutor of the learner's group (the same people who
follow the learner: scoping.tracking). Everyone else gets a 404, as for a request that does
not exist. A learner reads only their own requests (through their own enrolment).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload

from diplolearn.extensions import db
from diplolearn.models import Cohort, Enrolment, Excusal, ExtensionRequest, TutorGroup, User
from diplolearn.security.scoping.base import Scope, one_or_404, scope_of


def _deciding_filter(scope: Scope):
    """Enrolments whose requests the scope decides (Enrolment and Cohort joined)."""
    if scope.is_administrator:
        return sa.true()
    return sa.or_(
        Cohort.course_id.in_(scope.course_ids),
        Cohort.id.in_(scope.cohort_ids),
        Enrolment.tutor_group_id.in_(scope.tutor_group_ids),
    )


def decidable_extension_requests(viewer: User, *, pending_only: bool = True) -> sa.Select:
    """Select the extension requests the viewer decides (pending ones by default), oldest
    first, with each request's enrolment, person, cohort (and course) and tutor group."""
    query = (
        sa.select(ExtensionRequest)
        .join(Enrolment, Enrolment.id == ExtensionRequest.enrolment_id)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .join(User, User.id == Enrolment.user_id)
        .where(_deciding_filter(scope_of(viewer)))
        .options(
            contains_eager(ExtensionRequest.enrolment).contains_eager(Enrolment.user),
            contains_eager(ExtensionRequest.enrolment)
            .contains_eager(Enrolment.cohort)
            .joinedload(Cohort.course),
            contains_eager(ExtensionRequest.enrolment).joinedload(Enrolment.tutor_group),
        )
        .order_by(ExtensionRequest.created_at, ExtensionRequest.id)
    )
    if pending_only:
        query = query.where(ExtensionRequest.state == "pending")
    return query


def pending_extension_requests(viewer: User, limit: int | None = None) -> list[ExtensionRequest]:
    """The pending extension requests the viewer must decide, oldest first (for to-do lists)."""
    query = decidable_extension_requests(viewer)
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query).unique())


def pending_extension_request_count(viewer: User) -> int:
    """How many extension requests wait for the viewer's decision (for the navigation)."""
    query = (
        sa.select(sa.func.count(ExtensionRequest.id))
        .join(Enrolment, Enrolment.id == ExtensionRequest.enrolment_id)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(ExtensionRequest.state == "pending", _deciding_filter(scope_of(viewer)))
    )
    return db.session.scalar(query) or 0


def decidable_extension_request_or_404(viewer: User, request_id: int) -> ExtensionRequest:
    """One extension request (in any state) of a learner the viewer follows; 404 otherwise."""
    return one_or_404(
        decidable_extension_requests(viewer, pending_only=False).where(
            ExtensionRequest.id == request_id
        )
    )


def own_extension_requests(enrolment: Enrolment) -> list[ExtensionRequest]:
    """The requests of an enrolment already loaded through its owner, newest first."""
    return list(
        db.session.scalars(
            sa.select(ExtensionRequest)
            .where(ExtensionRequest.enrolment_id == enrolment.id)
            .options(joinedload(ExtensionRequest.decided_by))
            .order_by(ExtensionRequest.created_at.desc(), ExtensionRequest.id.desc())
        )
    )


def own_excusals(enrolment: Enrolment) -> list[Excusal]:
    """The items an enrolment (already loaded through its owner or scope) is excused from."""
    return list(
        db.session.scalars(
            sa.select(Excusal)
            .where(Excusal.enrolment_id == enrolment.id)
            .options(joinedload(Excusal.excused_by))
            .order_by(Excusal.created_at, Excusal.id)
        )
    )


def followed_enrolment_or_404(viewer: User, enrolment_id: int) -> Enrolment:
    """An enrolment whose deadlines the viewer may bend (extend, excuse): as for deciding a
    request; 404 otherwise."""
    return one_or_404(
        sa.select(Enrolment)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(Enrolment.id == enrolment_id, _deciding_filter(scope_of(viewer)))
        .options(
            contains_eager(Enrolment.cohort).joinedload(Cohort.course),
            joinedload(Enrolment.user),
            joinedload(Enrolment.tutor_group),
        )
    )


def extendable_group_or_404(viewer: User, group_id: int) -> TutorGroup:
    """A tutor group whose learners the viewer may extend at once: its tutor, the cohort's
    lead instructors, the course's instructors, administrators; 404 otherwise."""
    scope = scope_of(viewer)
    query = (
        sa.select(TutorGroup)
        .join(Cohort, Cohort.id == TutorGroup.cohort_id)
        .where(TutorGroup.id == group_id)
        .options(contains_eager(TutorGroup.cohort).joinedload(Cohort.course))
    )
    if not scope.is_administrator:
        query = query.where(
            sa.or_(
                Cohort.course_id.in_(scope.course_ids),
                Cohort.id.in_(scope.cohort_ids),
                TutorGroup.id.in_(scope.tutor_group_ids),
            )
        )
    return one_or_404(query)


def own_latest_extension_request(
    enrolment: Enrolment, kind: str, key: str
) -> ExtensionRequest | None:
    """The newest request of an enrolment (loaded through its owner) for one item."""
    return db.session.scalar(
        sa.select(ExtensionRequest)
        .where(
            ExtensionRequest.enrolment_id == enrolment.id,
            ExtensionRequest.item_kind == kind,
            ExtensionRequest.item_key == key,
        )
        .order_by(ExtensionRequest.created_at.desc(), ExtensionRequest.id.desc())
        .limit(1)
    )
