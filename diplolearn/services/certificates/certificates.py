"""Issuing, revoking and reissuing certificates (models/certificates.py, states.CERTIFICATE).

- ``issue_certificate``: once per enrolment, when it is completed — the progress service
  calls it the moment an enrolment moves to ``completed``, and the ``issue_certificates`` job
  catches any completed enrolment still without one. Asking again returns the certificate
  already issued; asking for an enrolment that is not completed raises ``NotCompleted``.
- ``revoke`` and ``reissue``: by an administrator or the cohort's lead instructor, with a
  reason, recorded in the audit log. A reissue (after a name correction, say) creates a new
  certificate with a new code that points back at the old one, which becomes ``superseded``.

Functions flush and never commit.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import secrets
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from diplolearn.extensions import db
from diplolearn.i18n import valid_timezone
from diplolearn.models import (
    Certificate,
    CertificateStatus,
    Cohort,
    Enrolment,
    EnrolmentState,
    Role,
    User,
    utcnow,
)
from diplolearn.services import audit
from diplolearn.services.catalogue.outline import CourseOutline, load_outlines
from diplolearn.services.certificates import CertificateNotCurrent, NotCompleted
from diplolearn.services.errors import NotAllowed, ReasonRequired
from diplolearn.services.outbound import records as learning_records
from diplolearn.services.outbound import webhooks
from diplolearn.services.outbox import public_url
from diplolearn.textnorm import collapse_spaces, nfc

# secrets.token_urlsafe(24): 192 random bits written as 32 URL-safe characters.
CODE_BYTES = 24
CODE_RE = re.compile(r"[A-Za-z0-9_-]{32}")
CURRENT = (CertificateStatus.ISSUED, CertificateStatus.REVOKED)


def new_code() -> str:
    return secrets.token_urlsafe(CODE_BYTES)


def is_well_formed(code: str) -> bool:
    return bool(CODE_RE.fullmatch(code or ""))


def verification_url(certificate: Certificate) -> str:
    """The certificate's public verification page (printed on it, and its credential's id)."""
    return public_url("verify.show_certificate", code=certificate.code)


def workload_hours(outline: CourseOutline | None) -> int | None:
    """The required modules' estimated study time, rounded up to whole hours."""
    if outline is None:
        return None
    minutes = [m.minutes for m in outline.modules if m.required and m.minutes]
    return max(1, math.ceil(sum(minutes) / 60)) if minutes else None


def completion_date(enrolment: Enrolment) -> dt.date:
    """The day the course was completed, in the cohort's reference time zone."""
    zone = ZoneInfo(valid_timezone(enrolment.cohort.timezone))
    return enrolment.completed_at.astimezone(zone).date()


def current_certificate(enrolment_id: int) -> Certificate | None:
    return db.session.scalar(
        sa.select(Certificate).where(
            Certificate.enrolment_id == enrolment_id, Certificate.status.in_(CURRENT)
        )
    )


def find_by_code(code: str) -> Certificate | None:
    """The certificate with this code; None for an unknown or malformed code alike (a
    malformed one is not even looked up)."""
    if not is_well_formed(code):
        return None
    return db.session.scalar(
        sa.select(Certificate)
        .where(Certificate.code == code)
        .options(joinedload(Certificate.holder))
    )


def issue_certificate(
    enrolment: Enrolment,
    *,
    outline: CourseOutline | None = None,
    by: User | None = None,
    now: dt.datetime | None = None,
) -> Certificate:
    """The enrolment's certificate, issued now unless it already has one (idempotent)."""
    if enrolment.state != EnrolmentState.COMPLETED or enrolment.completed_at is None:
        raise NotCompleted()
    existing = current_certificate(enrolment.id)
    if existing is not None:
        return existing
    version_id = enrolment.cohort.course_version_id
    if outline is None and version_id is not None:
        outline = load_outlines([version_id]).get(version_id)
    holder, course = enrolment.user, enrolment.cohort.course
    certificate = Certificate(
        code=new_code(),
        enrolment_id=enrolment.id,
        user_id=holder.id,
        course_id=course.id,
        course_version_id=version_id,
        holder_name_latin=holder.name_latin,
        holder_name_ar=holder.name_ar,
        course_title=dict(course.title),
        completed_on=completion_date(enrolment),
        workload_hours=workload_hours(outline),
        status=CertificateStatus.ISSUED,
        issued_at=now or utcnow(),
        issued_by_id=by.id if by is not None else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(certificate)
    except IntegrityError:  # a concurrent request issued it first: that one counts
        return current_certificate(enrolment.id)
    audit.record(
        by,
        "certificate.issue",
        subject=holder,
        target=certificate,
        ministry_id=enrolment.sponsor_ministry_id,
        enrolment_id=enrolment.id,
    )
    learning_records.certificate_earned(certificate)
    webhooks.certificate_issued(certificate)
    return certificate


def issue_missing(now: dt.datetime | None = None, limit: int = 200) -> int:
    """Issue certificates to completed enrolments that have none (the job's safety net)."""
    enrolments = db.session.scalars(
        sa.select(Enrolment)
        .where(
            Enrolment.state == EnrolmentState.COMPLETED,
            ~sa.exists().where(Certificate.enrolment_id == Enrolment.id),
        )
        .options(joinedload(Enrolment.user), joinedload(Enrolment.cohort).joinedload(Cohort.course))
        .order_by(Enrolment.id)
        .limit(limit)
    ).all()
    outlines = load_outlines(
        {e.cohort.course_version_id for e in enrolments if e.cohort.course_version_id is not None}
    )
    for enrolment in enrolments:
        issue_certificate(
            enrolment, outline=outlines.get(enrolment.cohort.course_version_id), now=now
        )
    return len(enrolments)


# --- revocation and reissue --------------------------------------------------------------


def may_manage(user: User, certificate: Certificate) -> bool:
    """Administrators, and the lead instructors of the certificate's cohort."""
    cohort_id = certificate.enrolment.cohort_id
    return user.is_administrator or any(
        g.role == Role.LEAD_INSTRUCTOR and g.cohort_id == cohort_id for g in user.grants
    )


def _checked_reason(by: User, certificate: Certificate, reason: str | None) -> str:
    if not may_manage(by, certificate):
        raise NotAllowed()
    reason = collapse_spaces(nfc(reason or ""))
    if not reason:
        raise ReasonRequired()
    if certificate.status != CertificateStatus.ISSUED:
        raise CertificateNotCurrent()
    return reason[:2000]


def revoke(
    certificate: Certificate, *, by: User, reason: str, now: dt.datetime | None = None
) -> Certificate:
    reason = _checked_reason(by, certificate, reason)
    certificate.move_to(CertificateStatus.REVOKED, now)
    certificate.revoked_by_id = by.id
    certificate.revocation_reason = reason
    db.session.flush()
    audit.record(
        by,
        "certificate.revoke",
        subject=certificate.holder,
        target=certificate,
        ministry_id=certificate.enrolment.sponsor_ministry_id,
        reason=reason,
    )
    webhooks.certificate_revoked(certificate)
    return certificate


def reissue(
    certificate: Certificate,
    *,
    by: User,
    reason: str,
    name_latin: str | None = None,
    name_ar: str | None = None,
    now: dt.datetime | None = None,
) -> Certificate:
    """Replace a certificate with a new one (new code), names corrected; the rest as issued.

    Names not given are the holder's current names on their account."""
    reason = _checked_reason(by, certificate, reason)
    now = now or utcnow()
    holder = certificate.holder
    names = [collapse_spaces(nfc(n)) if n is not None else None for n in (name_latin, name_ar)]
    certificate.move_to(CertificateStatus.SUPERSEDED, now)
    db.session.flush()  # the old one leaves "current" before the new one arrives
    replacement = Certificate(
        code=new_code(),
        enrolment_id=certificate.enrolment_id,
        user_id=certificate.user_id,
        course_id=certificate.course_id,
        course_version_id=certificate.course_version_id,
        holder_name_latin=names[0] if names[0] is not None else holder.name_latin,
        holder_name_ar=names[1] if names[1] is not None else holder.name_ar,
        course_title=dict(certificate.course_title),
        completed_on=certificate.completed_on,
        workload_hours=certificate.workload_hours,
        status=CertificateStatus.ISSUED,
        issued_at=now,
        issued_by_id=by.id,
        supersedes_id=certificate.id,
        reissue_reason=reason,
    )
    db.session.add(replacement)
    db.session.flush()
    renamed = (replacement.holder_name_latin, replacement.holder_name_ar) != (
        certificate.holder_name_latin,
        certificate.holder_name_ar,
    )
    audit.record(
        by,
        "certificate.reissue",
        subject=holder,
        target=replacement,
        ministry_id=certificate.enrolment.sponsor_ministry_id,
        reason=reason,
        replaces=certificate.id,
        names_changed=renamed,
    )
    return replacement


def forget_holder(user: User) -> int:
    """Blank the names kept on a person's certificates (for erasure); statuses stay, so the
    verification page still answers valid or revoked, without a name."""
    result = db.session.execute(
        sa.update(Certificate)
        .where(Certificate.user_id == user.id)
        .values(holder_name_latin="", holder_name_ar="")
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount
