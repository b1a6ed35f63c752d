"""Writing the audit log. Every administrative service calls ``record`` beside its change."""

from __future__ import annotations

from flask import has_request_context, request

from diplolearn.extensions import db
from diplolearn.models import AuditEvent, User


def record(
    actor: User | None,
    action: str,
    *,
    subject: User | None = None,
    ministry_id: int | None = None,
    target: object | None = None,
    **details,
) -> AuditEvent:
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        subject_user_id=subject.id if subject is not None else None,
        ministry_id=ministry_id,
        target_type=type(target).__name__ if target is not None else None,
        target_id=getattr(target, "id", None),
        ip_address=request.remote_addr if has_request_context() else None,
        details={k: v for k, v in details.items() if v is not None},
    )
    db.session.add(event)
    return event
