"""Certificates: whose a viewer may download, see or manage.

A holder loads their own (``own_certificate_or_404``); a coordinator sees those of the
enrolments their ministry sponsored (``sponsored_certificates``); administrators and the lead
instructors of a cohort manage (revoke, reissue) those of its enrolments
(``managed_certificates``).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from diplolearn.models import Certificate, CertificateStatus, Enrolment, User
from diplolearn.security.scoping.base import one_or_404, scope_of


def own_certificate_or_404(user: User, certificate_id: int) -> Certificate:
    """The user's own valid certificate (revoked and replaced ones are not downloadable)."""
    return one_or_404(
        sa.select(Certificate)
        .where(Certificate.id == certificate_id, Certificate.user_id == user.id,
               Certificate.status == CertificateStatus.ISSUED)
        .options(joinedload(Certificate.course), joinedload(Certificate.course_version)))


def sponsored_certificates(viewer: User, ministry_ids=None) -> sa.Select:
    """Certificates of enrolments sponsored by the ministries the viewer coordinates (or by
    those of ``ministry_ids`` among them)."""
    allowed = scope_of(viewer).ministry_ids
    if ministry_ids is not None:
        allowed = allowed & frozenset(ministry_ids)
    return (sa.select(Certificate)
            .join(Enrolment, Enrolment.id == Certificate.enrolment_id)
            .where(Enrolment.sponsor_ministry_id.in_(allowed)))


def managed_certificates(viewer: User) -> sa.Select:
    """Certificates the viewer may revoke or reissue: every one for an administrator, those
    of the cohorts they lead for a lead instructor."""
    query = sa.select(Certificate).join(Enrolment, Enrolment.id == Certificate.enrolment_id)
    scope = scope_of(viewer)
    if not scope.is_administrator:
        query = query.where(Enrolment.cohort_id.in_(scope.cohort_ids))
    return query


def managed_certificate_or_404(viewer: User, certificate_id: int) -> Certificate:
    return one_or_404(managed_certificates(viewer).where(
        Certificate.id == certificate_id).options(
        joinedload(Certificate.holder), joinedload(Certificate.course),
        joinedload(Certificate.enrolment)))
