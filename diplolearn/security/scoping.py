"""Tenant scoping: which people, enrolments and records a viewer may see.

Views never load a person and then check; they load *through* the scope
(``get_person_or_404``), so a coordinator's query cannot forget the ministry. Out-of-scope ids
answer 404, exactly like ids that do not exist, so nobody learns who is registered elsewhere.

Who sees whom:
- administrator: everyone;
- coordinator of a ministry: its current staff, and anyone whose enrolment it sponsored (a
  person who moved on stays visible for those enrolments);
- lead instructor of a cohort: everyone enrolled in it;
- tutor of a group: the learners of that group;
- everyone: themselves.

A learner's own records load through the owner too: ``own_enrolment_or_404`` selects the
enrolment ``WHERE id = :id AND user_id = :me``, so someone else's enrolment is a 404, exactly
like one that does not exist.

Certificates: a holder loads their own (``own_certificate_or_404``); a coordinator sees those
of the enrolments their ministry sponsored (``sponsored_certificates``); administrators and
the lead instructors of a cohort manage (revoke, reissue) those of its enrolments
(``managed_certificates``).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import joinedload

from diplolearn.extensions import db
from diplolearn.models import (
    Certificate,
    CertificateStatus,
    Cohort,
    Enrolment,
    Ministry,
    Role,
    StaffMembership,
    User,
)


@dataclass(frozen=True)
class Scope:
    user_id: int
    is_administrator: bool
    ministry_ids: frozenset[int]
    course_ids: frozenset[int]
    cohort_ids: frozenset[int]
    tutor_group_ids: frozenset[int]

    @classmethod
    def of(cls, user: User) -> Scope:
        def ids(role: Role, column: str) -> frozenset[int]:
            return frozenset(getattr(g, column) for g in user.grants if g.role == role)

        return cls(
            user_id=user.id,
            is_administrator=user.has_role(Role.ADMINISTRATOR),
            ministry_ids=ids(Role.COORDINATOR, "ministry_id"),
            course_ids=ids(Role.INSTRUCTOR, "course_id"),
            cohort_ids=ids(Role.LEAD_INSTRUCTOR, "cohort_id"),
            tutor_group_ids=ids(Role.TUTOR, "tutor_group_id"),
        )

    def visible_user_ids(self) -> sa.Select | None:
        """A subquery of the user ids this scope may see; None means everyone."""
        if self.is_administrator:
            return None
        parts: list[sa.Select] = [sa.select(sa.literal(self.user_id))]
        if self.ministry_ids:
            parts.append(sa.select(StaffMembership.user_id).where(
                StaffMembership.ministry_id.in_(self.ministry_ids),
                StaffMembership.ended_at.is_(None)))
            parts.append(sa.select(Enrolment.user_id).where(
                Enrolment.sponsor_ministry_id.in_(self.ministry_ids)))
        if self.cohort_ids:
            parts.append(sa.select(Enrolment.user_id).where(
                Enrolment.cohort_id.in_(self.cohort_ids)))
        if self.tutor_group_ids:
            parts.append(sa.select(Enrolment.user_id).where(
                Enrolment.tutor_group_id.in_(self.tutor_group_ids)))
        return sa.union(*parts)


def people_query(viewer: User) -> sa.Select:
    """Select the people ``viewer`` may see, ordered by name."""
    query = sa.select(User).order_by(User.sort_key, User.id)
    visible = Scope.of(viewer).visible_user_ids()
    if visible is not None:
        query = query.where(User.id.in_(visible))
    return query


def get_person_or_404(viewer: User, user_id: int) -> User:
    person = db.session.scalar(people_query(viewer).where(User.id == user_id))
    if person is None:
        abort(404)
    return person


def own_enrolment_or_404(user: User, enrolment_id: int) -> Enrolment:
    """The user's own enrolment with its cohort and course, in one query; 404 otherwise."""
    enrolment = db.session.scalar(
        sa.select(Enrolment)
        .where(Enrolment.id == enrolment_id, Enrolment.user_id == user.id)
        .options(joinedload(Enrolment.cohort).joinedload(Cohort.course)))
    if enrolment is None:
        abort(404)
    return enrolment


def own_certificate_or_404(user: User, certificate_id: int) -> Certificate:
    """The user's own valid certificate (revoked and replaced ones are not downloadable)."""
    certificate = db.session.scalar(
        sa.select(Certificate)
        .where(Certificate.id == certificate_id, Certificate.user_id == user.id,
               Certificate.status == CertificateStatus.ISSUED)
        .options(joinedload(Certificate.course), joinedload(Certificate.course_version)))
    if certificate is None:
        abort(404)
    return certificate


def coordinated_ministries(viewer: User) -> list[Ministry]:
    ids = Scope.of(viewer).ministry_ids
    return list(db.session.scalars(
        sa.select(Ministry).where(Ministry.id.in_(ids)).order_by(Ministry.code))) if ids else []


def coordinated_ministry_or_404(viewer: User, ministry_id: int) -> Ministry:
    ministry = db.session.scalar(sa.select(Ministry).where(
        Ministry.id == ministry_id, Ministry.id.in_(Scope.of(viewer).ministry_ids)))
    if ministry is None:
        abort(404)
    return ministry


def sponsored_certificates(viewer: User, ministry_ids=None) -> sa.Select:
    """Certificates of enrolments sponsored by the ministries the viewer coordinates (or by
    those of ``ministry_ids`` among them)."""
    allowed = Scope.of(viewer).ministry_ids
    if ministry_ids is not None:
        allowed = allowed & frozenset(ministry_ids)
    return (sa.select(Certificate)
            .join(Enrolment, Enrolment.id == Certificate.enrolment_id)
            .where(Enrolment.sponsor_ministry_id.in_(allowed)))


def managed_certificates(viewer: User) -> sa.Select:
    """Certificates the viewer may revoke or reissue: every one for an administrator, those
    of the cohorts they lead for a lead instructor."""
    query = sa.select(Certificate).join(Enrolment, Enrolment.id == Certificate.enrolment_id)
    scope = Scope.of(viewer)
    if not scope.is_administrator:
        query = query.where(Enrolment.cohort_id.in_(scope.cohort_ids))
    return query


def managed_certificate_or_404(viewer: User, certificate_id: int) -> Certificate:
    certificate = db.session.scalar(managed_certificates(viewer).where(
        Certificate.id == certificate_id).options(
        joinedload(Certificate.holder), joinedload(Certificate.course),
        joinedload(Certificate.enrolment)))
    if certificate is None:
        abort(404)
    return certificate
