"""The outbox of HTTP deliveries: who should hear of a fact, and queuing it once.

Deliveries are added to the session of the fact they report, so they exist only if it is
saved; ``flask jobs run`` sends them afterwards (sending.py), never during a request. A fact
reported twice (a completion re-checked, a job and a request racing) is queued once: each
destination takes a payload id once (existing rows are skipped, and the unique index settles
a race without failing the request).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from diplolearn.extensions import db
from diplolearn.models import OutboundDelivery, RecordStore, Webhook
from diplolearn.observability import current_request_id

SITE = "site"


@dataclass(frozen=True)
class Destination:
    key: str  # "site", "store:<id>" or "webhook:<id>"
    kind: str  # "statement" or "webhook"
    ministry_id: int | None = None
    record_store_id: int | None = None
    webhook_id: int | None = None
    share_email: bool = False


def store_destinations(ministry_id: int | None) -> list[Destination]:
    """The learning record stores that hear of a learner sponsored by ``ministry_id``: the
    site's (LRS_ENDPOINT) and the ministry's own active stores."""
    found = []
    if current_app.config.get("LRS_ENDPOINT"):
        found.append(
            Destination(SITE, "statement", share_email=current_app.config["LRS_SHARE_EMAIL"])
        )
    if ministry_id is not None:
        stores = db.session.execute(
            sa.select(RecordStore.id, RecordStore.share_email).where(
                RecordStore.ministry_id == ministry_id, RecordStore.active.is_(True)
            )
        )
        found += [
            Destination(f"store:{store_id}", "statement", ministry_id, store_id, share_email=share)
            for store_id, share in stores
        ]
    return found


def webhook_destinations(ministry_id: int | None, event: str) -> list[Destination]:
    if ministry_id is None:
        return []
    hooks = db.session.execute(
        sa.select(Webhook.id, Webhook.events).where(
            Webhook.ministry_id == ministry_id, Webhook.active.is_(True)
        )
    )
    return [
        Destination(f"webhook:{hook_id}", "webhook", ministry_id, webhook_id=hook_id)
        for hook_id, events in hooks
        if event in (events or [])
    ]


def enqueue(items: list[tuple[Destination, str, str, dict]]) -> int:
    """Queue ``(destination, event, payload id, payload)`` items not queued before; returns
    how many were added."""
    if not items:
        return 0
    existing = {
        (destination, payload_id)
        for destination, payload_id in db.session.execute(
            sa.select(OutboundDelivery.destination, OutboundDelivery.payload_id).where(
                OutboundDelivery.payload_id.in_({payload_id for _, _, payload_id, _ in items})
            )
        )
    }
    request_id = current_request_id()
    values = []
    for destination, event, payload_id, payload in items:
        if (destination.key, payload_id) in existing:
            continue
        existing.add((destination.key, payload_id))
        values.append(
            {
                "kind": destination.kind,
                "destination": destination.key,
                "ministry_id": destination.ministry_id,
                "record_store_id": destination.record_store_id,
                "webhook_id": destination.webhook_id,
                "event": event,
                "payload_id": payload_id,
                "payload": payload,
                "request_id": request_id,
            }
        )
    if not values:
        return 0
    try:
        with db.session.begin_nested():
            db.session.add_all([OutboundDelivery(**v) for v in values])
        return len(values)
    except IntegrityError:  # one was queued meanwhile by a concurrent transaction: one by one
        pass
    added = 0
    for v in values:
        try:
            with db.session.begin_nested():
                db.session.add(OutboundDelivery(**v))
            added += 1
        except IntegrityError:  # this one is queued already: once is enough
            pass
    return added
