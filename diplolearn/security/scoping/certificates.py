"""Certificates: whose a viewer may download, see or manage.

A holder loads their own (``own_certificate_or_404``, ``own_certificates``); a coordinator
sees those of the enrolments their ministry sponsored (``sponsored_certificates``, and the
valid ones of staff not erased: ``sponsored_staff_certificates``,
``ministry_staff_certificates``); administrators and the lead instructors of a cohort manage
(revoke, reissue) those of its enrolments (``managed_certificates``).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from diplolearn.extensions import db
from diplolearn.models import Certificate, CertificateStatus, Enrolment, User
from diplolearn.names import person_order
from diplolearn.security.scoping.base import one_or_404, scope_of
from diplolearn.services.certificates.certificates import CURRENT


def own_certificate_or_404(user: User, certificate_id: int) -> Certificate:
    """The user's own valid certificate (revoked and replaced ones are not downloadable)."""
    return one_or_404(
        sa.select(Certificate)
        .where(
            Certificate.id == certificate_id,
            Certificate.user_id == user.id,
            Certificate.status == CertificateStatus.ISSUED,
        )
        .options(joinedload(Certificate.course), joinedload(Certificate.course_version))
    )


def own_certificates(user: User) -> list[Certificate]:
    """The user's own certificates, valid and revoked (not those replaced), newest first."""
    return list(
        db.session.scalars(
            sa.select(Certificate)
            .where(
                Certificate.user_id == user.id, Certificate.status != CertificateStatus.SUPERSEDED
            )
            .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        )
    )


def sponsored_certificates(viewer: User, ministry_ids=None) -> sa.Select:
    """Certificates of enrolments sponsored by the ministries the viewer coordinates (or by
    those of ``ministry_ids`` among them)."""
    allowed = scope_of(viewer).ministry_ids
    if ministry_ids is not None:
        allowed = allowed & frozenset(ministry_ids)
    return (
        sa.select(Certificate)
        .join(Enrolment, Enrolment.id == Certificate.enrolment_id)
        .where(Enrolment.sponsor_ministry_id.in_(allowed))
    )


def _staff_certificates(viewer: User, ministry_ids=None) -> sa.Select:
    """Valid certificates of the coordinator's sponsored enrolments, holders not erased."""
    return (
        sponsored_certificates(viewer, ministry_ids)
        .join(User, User.id == Certificate.user_id)
        .where(Certificate.status == CertificateStatus.ISSUED, User.erased_at.is_(None))
    )


def sponsored_staff_certificates(viewer: User) -> sa.Select:
    """Select the valid certificates of every ministry the viewer coordinates, holders not
    erased, by holder, with course and sponsoring ministry (for a paged list)."""
    return (
        _staff_certificates(viewer)
        .options(
            joinedload(Certificate.course),
            joinedload(Certificate.enrolment).joinedload(Enrolment.sponsor_ministry),
        )
        .order_by(*person_order(), Certificate.id)
    )


def ministry_staff_certificates(viewer: User, ministry_id: int) -> list[Certificate]:
    """The valid certificates of one ministry the viewer coordinates, holders not erased, by
    holder, with courses and versions loaded (for the zip of PDFs); [] for any other."""
    return list(
        db.session.scalars(
            _staff_certificates(viewer, [ministry_id])
            .options(selectinload(Certificate.course), selectinload(Certificate.course_version))
            .order_by(*person_order(), Certificate.id)
        )
    )


def managed_certificates(viewer: User) -> sa.Select:
    """Certificates the viewer may revoke or reissue: every one for an administrator, those
    of the cohorts they lead for a lead instructor."""
    query = sa.select(Certificate).join(Enrolment, Enrolment.id == Certificate.enrolment_id)
    scope = scope_of(viewer)
    if not scope.is_administrator:
        query = query.where(Enrolment.cohort_id.in_(scope.cohort_ids))
    return query


def managed_certificate_or_404(viewer: User, certificate_id: int) -> Certificate:
    return one_or_404(
        managed_certificates(viewer)
        .where(Certificate.id == certificate_id)
        .options(
            joinedload(Certificate.holder),
            joinedload(Certificate.course),
            joinedload(Certificate.enrolment),
        )
    )


def managed_certificates_matching(viewer: User, search: str = "") -> sa.Select:
    """Select the current (valid or revoked) certificates the viewer manages, newest first,
    with course and holder, narrowed to holders whose Latin name contains ``search`` (any
    case) or whose Arabic name does (for a paged list)."""
    query = (
        managed_certificates(viewer)
        .join(User, User.id == Certificate.user_id)
        .where(Certificate.status.in_(CURRENT))
        .options(joinedload(Certificate.course), joinedload(Certificate.holder))
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    )
    if search:
        like = f"%{search.lower()}%"
        query = query.where(
            sa.or_(
                sa.func.lower(Certificate.holder_name_latin).like(like),
                Certificate.holder_name_ar.like(f"%{search}%"),
            )
        )
    return query


def managed_certificate_history(viewer: User, certificate: Certificate) -> list[Certificate]:
    """Every certificate of a managed certificate's enrolment (the reissues), newest first."""
    return list(
        db.session.scalars(
            managed_certificates(viewer)
            .where(Certificate.enrolment_id == certificate.enrolment_id)
            .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        )
    )
