"""What the API reads besides staff: cohorts and seats, nominations, progress, certificates,
the course catalogue; as JSON-ready dicts.

Every query starts from a scoping loader of security.scoping (the ones the web pages use), so a
token sees what the matching page shows: a ministry token what its coordinator sees, a
personal token what its instructor sees of the cohorts they teach.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import url_for
from sqlalchemy.orm import joinedload

from diplolearn.extensions import db
from diplolearn.models import (
    Certificate,
    CertificateStatus,
    Cohort,
    Course,
    CourseVersion,
    CourseVersionState,
    Enrolment,
    EnrolmentState,
)
from diplolearn.models.states import SEAT_HOLDING
from diplolearn.security.scoping import (
    managed_certificates,
    nominated_in_cohorts,
    sponsored_certificates,
    tracked_enrolments,
)
from diplolearn.services.certificates import certificates as certificate_service
from diplolearn.services.cohorts import cohorts as cohort_service
from diplolearn.services.integrations.staff import iso
from diplolearn.services.progress import progress_for


def _title(texts: dict) -> dict:
    return {lang: text for lang, text in (texts or {}).items() if text}


def course_item(course: Course, version: CourseVersion | None = None) -> dict:
    item = {"id": course.id, "key": course.key, "title": _title(course.title)}
    if version is not None:
        item.update(
            languages=list(course.languages),
            version=version.number,
            published_at=iso(version.published_at),
        )
    return item


# --- cohorts and seats -------------------------------------------------------------------------


def cohort_item(cohort: Cohort, allotment=None, held=None, waiting=None) -> dict:
    item = {
        "id": cohort.id,
        "key": cohort.key,
        "name": _title(cohort.name),
        "course": course_item(cohort.course),
        "timezone": cohort.timezone,
        "starts_at": iso(cohort.starts_at),
        "ends_at": iso(cohort.ends_at),
        "capacity": cohort.capacity,
        "open_for_nominations": cohort_service.nominations_open(cohort),
    }
    if allotment is not None:
        item["seats"] = {
            "allotted": allotment.seats,
            "held": held or 0,
            "waiting": waiting or 0,
            "free": max(allotment.seats - (held or 0), 0),
        }
    return item


def seat_counts(viewer, ministry_id: int, cohort_ids) -> tuple[dict, dict]:
    """(places held, places waited for) by cohort, of the ministry's nominees."""
    held: dict = {}
    waiting: dict = {}
    if not cohort_ids:
        return held, waiting
    for enrolment in nominated_in_cohorts(viewer, ministry_id, cohort_ids):
        if enrolment.state in SEAT_HOLDING:
            held[enrolment.cohort_id] = held.get(enrolment.cohort_id, 0) + 1
        elif enrolment.state == EnrolmentState.WAITLISTED:
            waiting[enrolment.cohort_id] = waiting.get(enrolment.cohort_id, 0) + 1
    return held, waiting


def taught_cohort_list(query: sa.Select) -> list[Cohort]:
    return list(db.session.scalars(query).unique())


# --- nominations -------------------------------------------------------------------------------


def nomination_item(enrolment: Enrolment, staff_ids: dict | None = None, position=None) -> dict:
    item = {
        "id": enrolment.id,
        "cohort_id": enrolment.cohort_id,
        "person_id": enrolment.user_id,
        "staff_id": (staff_ids or {}).get(enrolment.user_id),
        "state": str(enrolment.state),
        "waiting_position": position,
        "replaces": enrolment.replaces_enrolment_id,
        "created_at": iso(enrolment.created_at),
        "state_changed_at": iso(enrolment.state_changed_at),
    }
    return item


def waiting_positions(cohort_id: int, enrolments) -> dict[int, int | None]:
    waiting = [e for e in enrolments if e.state == EnrolmentState.WAITLISTED]
    if not waiting:
        return {}
    queue = cohort_service.waiting_list(cohort_id)
    return {e.id: cohort_service.waiting_position(e, queue) for e in waiting}


# --- progress ----------------------------------------------------------------------------------


def progress_items(enrolments: list[Enrolment]) -> list[dict]:
    """Completion of each enrolment (no text of answers): course percent, completion, last
    activity, and each module's status. The enrolments' cohorts must be loaded."""
    standings = progress_for(enrolments) if enrolments else {}
    items = []
    for enrolment in enrolments:
        standing = standings.get(enrolment.id)
        items.append(
            {
                "enrolment_id": enrolment.id,
                "person_id": enrolment.user_id,
                "cohort_id": enrolment.cohort_id,
                "state": str(enrolment.state),
                "complete": enrolment.state == EnrolmentState.COMPLETED,
                "completed_at": iso(enrolment.completed_at),
                "last_activity_at": iso(enrolment.last_activity_at),
                "percent": standing.percent if standing is not None else 0,
                "modules": [
                    {
                        "key": module.node.key,
                        "status": module.status,
                        "complete": module.complete,
                        "percent": module.percent,
                        "overdue": module.overdue,
                    }
                    for module in (standing.modules if standing is not None else [])
                ],
            }
        )
    return items


def followed_enrolments(viewer, cohort: Cohort) -> list[Enrolment]:
    """The cohort's enrolments a personal token's instructor follows, with their cohort."""
    return list(
        db.session.scalars(
            tracked_enrolments(viewer, cohort)
            .options(joinedload(Enrolment.cohort))
            .order_by(Enrolment.id)
        )
    )


# --- certificates ------------------------------------------------------------------------------


def certificates_query(viewer, ministry_id: int | None) -> sa.Select:
    """The current certificates a token sees: those of the enrolments its ministry sponsored,
    or (personal) those of the cohorts its instructor leads."""
    query = (
        sponsored_certificates(viewer, [ministry_id])
        if ministry_id is not None
        else managed_certificates(viewer)
    )
    return query.where(Certificate.status.in_(certificate_service.CURRENT)).order_by(Certificate.id)


def certificate_page(viewer, ministry_id, after: int, limit: int):
    query = certificates_query(viewer, ministry_id).where(Certificate.id > after)
    rows = list(db.session.scalars(query.limit(limit + 1)))
    return rows[:limit], len(rows) > limit


def certificate_or_none(viewer, ministry_id, certificate_id: int) -> Certificate | None:
    return db.session.scalar(
        certificates_query(viewer, ministry_id)
        .where(Certificate.id == certificate_id)
        .options(joinedload(Certificate.course), joinedload(Certificate.course_version))
    )


def certificate_item(certificate: Certificate) -> dict:
    issued = certificate.status == CertificateStatus.ISSUED
    links = {"verification": certificate_service.verification_url(certificate)}
    if issued:
        links["pdf"] = url_for("api.certificate_pdf", certificate_id=certificate.id, _external=True)
        links["credential"] = url_for(
            "api.certificate_credential", certificate_id=certificate.id, _external=True
        )
    return {
        "id": certificate.id,
        "code": certificate.code,
        "status": "valid" if issued else str(certificate.status),
        "person_id": certificate.user_id,
        "enrolment_id": certificate.enrolment_id,
        "course_id": certificate.course_id,
        "course_title": _title(certificate.course_title),
        "holder_name_latin": certificate.holder_name_latin,
        "holder_name_ar": certificate.holder_name_ar,
        "completed_on": certificate.completed_on.isoformat(),
        "issued_at": iso(certificate.issued_at),
        "revoked_at": iso(certificate.revoked_at),
        "links": links,
    }


def verification(code: str) -> dict | None:
    """What the public verification page says of a code; None for an unknown code."""
    certificate = certificate_service.find_by_code(code)
    if certificate is None:
        return None
    erased = certificate.holder.erased_at is not None
    return {
        "code": certificate.code,
        "status": "valid"
        if certificate.status == CertificateStatus.ISSUED
        else str(certificate.status),
        "completed_on": certificate.completed_on.isoformat(),
        "revoked_at": iso(certificate.revoked_at),
        "replaced_at": iso(certificate.superseded_at),
        "course_title": _title(certificate.course_title),
        "holder": None
        if erased
        else {"name_latin": certificate.holder_name_latin, "name_ar": certificate.holder_name_ar},
    }


# --- the catalogue -----------------------------------------------------------------------------


def catalogue() -> list[dict]:
    """Courses open to learners: not retired, with a published version (the latest one)."""
    latest = (
        sa.select(CourseVersion.course_id, sa.func.max(CourseVersion.number).label("number"))
        .where(CourseVersion.state == CourseVersionState.PUBLISHED)
        .group_by(CourseVersion.course_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(Course, CourseVersion)
        .join(latest, latest.c.course_id == Course.id)
        .join(
            CourseVersion,
            sa.and_(CourseVersion.course_id == Course.id, CourseVersion.number == latest.c.number),
        )
        .where(Course.retired_at.is_(None))
        .order_by(Course.key)
    ).all()
    return [course_item(course, version) for course, version in rows]
