"""Webhooks: a ministry's HTTPS endpoints, told of its staff's completions and certificates.

Each delivery is a JSON body signed with the endpoint's secret: the header
``DiploLearn-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>." + body>``, the time being
that of the attempt, so a receiver checks the signature and refuses a body older than a few
minutes (a replay). The secret is shown once, when the endpoint is added, and kept sealed
(security.sealed). Events: models.outbound.WEBHOOK_EVENTS; each has a stable id
(``DiploLearn-Event-Id``, the body's ``id``), the same on every attempt.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid

import sqlalchemy as sa

from diplolearn.extensions import db
from diplolearn.models import Certificate, StaffMembership, Webhook, utcnow
from diplolearn.models.outbound import WEBHOOK_EVENTS
from diplolearn.security.sealed import seal, unseal
from diplolearn.services import audit
from diplolearn.services.outbound import NoEventChosen
from diplolearn.services.outbound.endpoints import checked_url
from diplolearn.services.outbound.queue import enqueue, webhook_destinations
from diplolearn.services.outbound.statements import home_page, timestamp

PURPOSE = "webhook secrets"
SIGNATURE_HEADER = "DiploLearn-Signature"


def add_webhook(ministry, url: str, events: list[str], by) -> tuple[Webhook, str]:
    """Register an endpoint; returns it with its signing secret (shown to the user once)."""
    url = checked_url(url)
    events = [event for event in WEBHOOK_EVENTS if event in set(events or [])]
    if not events:
        raise NoEventChosen()
    secret = "whsec_" + secrets.token_urlsafe(32)
    hook = Webhook(
        ministry_id=ministry.id,
        url=url,
        events=events,
        secret_sealed=seal(secret, PURPOSE),
        created_by_id=by.id,
    )
    db.session.add(hook)
    db.session.flush()
    audit.record(by, "webhook.add", target=hook, ministry_id=ministry.id, url=url, events=events)
    return hook, secret


def remove_webhook(hook: Webhook, by) -> None:
    """Stop telling the endpoint anything (its deliveries stay listed)."""
    hook.active = False
    audit.record(by, "webhook.remove", target=hook, ministry_id=hook.ministry_id, url=hook.url)


def secret_of(hook: Webhook) -> str:
    return unseal(hook.secret_sealed, PURPOSE)


def signature(secret: str, body: bytes, at: int) -> str:
    """The header value for ``body`` sent at unix time ``at``."""
    digest = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"


def verify(secret: str, body: bytes, header: str, now: int, tolerance: int = 300) -> bool:
    """What a receiver does (and the tests): the signature matches and is recent."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        at = int(parts["t"])
    except (KeyError, ValueError):
        return False
    expected = signature(secret, body, at).split("v1=", 1)[1]
    return abs(now - at) <= tolerance and hmac.compare_digest(expected, parts.get("v1", ""))


def _event(kind: str, key: str, ministry_id: int, data: dict) -> tuple[str, dict]:
    event_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{home_page()}/webhooks/{kind}/{key}"))
    body = {
        "id": event_id,
        "type": kind,
        "created_at": timestamp(utcnow()),
        "data": data,
    }
    return event_id, body


def _person(enrolment) -> dict:
    """The learner as their ministry knows them: its own staff record's id with the rest."""
    user = enrolment.user
    staff_id = db.session.scalar(
        sa.select(StaffMembership.staff_id)
        .where(
            StaffMembership.user_id == user.id,
            StaffMembership.ministry_id == enrolment.sponsor_ministry_id,
        )
        .order_by(StaffMembership.id.desc())
        .limit(1)
    )
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name_latin,
        "name_ar": user.name_ar,
        "staff_id": staff_id,
    }


def _course(enrolment) -> dict:
    cohort = enrolment.cohort
    return {
        "course": {"id": cohort.course.key, "title": dict(cohort.course.title)},
        "cohort": {"id": cohort.id, "name": dict(cohort.name or {})},
    }


def _queue(kind: str, key: str, enrolment, data: dict) -> int:
    ministry_id = enrolment.sponsor_ministry_id
    destinations = webhook_destinations(ministry_id, kind)
    if not destinations:
        return 0
    event_id, body = _event(kind, key, ministry_id, data)
    return enqueue([(destination, kind, event_id, body) for destination in destinations])


def enrolment_completed(enrolment) -> int:
    data = {
        "enrolment_id": enrolment.id,
        "person": _person(enrolment),
        **_course(enrolment),
        "completed_at": timestamp(enrolment.completed_at or utcnow()),
    }
    return _queue("enrolment.completed", str(enrolment.id), enrolment, data)


def _certificate_data(certificate: Certificate) -> dict:
    from diplolearn.services.certificates.certificates import verification_url

    return {
        "certificate": {
            "code": certificate.code,
            "status": certificate.status,
            "completed_on": certificate.completed_on.isoformat(),
            "verification_url": verification_url(certificate),
        },
        "enrolment_id": certificate.enrolment_id,
        "person": _person(certificate.enrolment),
        **_course(certificate.enrolment),
    }


def certificate_issued(certificate: Certificate) -> int:
    return _queue(
        "certificate.issued",
        certificate.code,
        certificate.enrolment,
        _certificate_data(certificate),
    )


def certificate_revoked(certificate: Certificate) -> int:
    return _queue(
        "certificate.revoked",
        certificate.code,
        certificate.enrolment,
        _certificate_data(certificate),
    )
