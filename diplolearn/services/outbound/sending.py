"""Sending the queued deliveries (``flask jobs run``: jobs.send_outbound, which commits).

The mail outbox's rule (services.outbox): each delivery is claimed (``claim_delivery``) in a
transaction of its own before the far end is called (``deliver``), so no other worker sends it too and no transaction stays
open while a slow endpoint answers; its outcome is committed as soon as it is known. A
delivery is sent with the same id every time (the statement's id, the event's id), so a far
end that got it twice keeps one.

Outcomes: a 2xx answer is delivered; a refusal that trying again cannot change (a 4xx other
than 408 Request Timeout and 429 Too Many Requests, such as a learning record store's 409 for
a statement id it holds with other content) is given up at once; anything else (no answer,
5xx, 408, 429) is tried again after a back-off (1, 2, 4 ... minutes) until
OUTBOUND_MAX_ATTEMPTS. The status and the start of the answer are kept for the integration
page. A destination that failed once in a run is not called again in that run (its other
deliveries wait for the next one), so a store that is down, or slow to time out, never holds
up the rest.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import requests
import sqlalchemy as sa
from flask import current_app

from diplolearn.extensions import db
from diplolearn.models import OutboundDelivery, OutboxState
from diplolearn.models.states import OUTBOX
from diplolearn.services import audit
from diplolearn.services.outbound import NotFailed, stores, webhooks
from diplolearn.services.outbound.statements import XAPI_VERSION
from diplolearn.services.outbox import claim, due_message_ids, mark_not_sent, mark_sent

KEPT_ANSWER = 2000  # characters of the far end's answer kept with the delivery
USER_AGENT = "DiploLearn outbound"


class Refused(Exception):
    """The far end answered, and not with success."""

    def __init__(self, status: int, body: str):
        super().__init__(f"HTTP {status}: {body[:200]}")
        self.status, self.body = status, body

    @property
    def final(self) -> bool:
        return 400 <= self.status < 500 and self.status not in (408, 429)


@dataclass
class Claimed:
    """A claimed delivery, read while its claim is open: what to send, or None when its
    destination was removed after it was queued."""

    delivery_id: int
    claimed_at: dt.datetime
    request: tuple[str, dict, bytes, tuple | None] | None


def due(now: dt.datetime) -> list[tuple[int, str]]:
    """The due deliveries' ids with their destinations, oldest first."""
    ids = due_message_ids(now, model=OutboundDelivery)
    if not ids:
        return []
    destinations = dict(
        db.session.execute(
            sa.select(OutboundDelivery.id, OutboundDelivery.destination).where(
                OutboundDelivery.id.in_(ids)
            )
        ).all()
    )
    return [(delivery_id, destinations[delivery_id]) for delivery_id in ids]


def claim_delivery(delivery_id: int, now: dt.datetime) -> Claimed | None:
    """Claim a due delivery (None when another worker has it) and read what it sends. The
    job commits the claim before calling ``deliver``, and the outcome after."""
    if not claim(delivery_id, now, model=OutboundDelivery):
        return None
    delivery = db.session.get(OutboundDelivery, delivery_id, populate_existing=True)
    request = None if _stopped(delivery) else _request(delivery)
    return Claimed(delivery_id, delivery.claimed_at, request)


def _request(delivery: OutboundDelivery) -> tuple[str, dict, bytes, tuple | None]:
    """(URL, headers, body, basic auth) of a delivery, read while its claim is open."""
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
    if delivery.kind == "webhook":
        hook = delivery.webhook
        at = int(dt.datetime.now(dt.UTC).timestamp())
        headers[webhooks.SIGNATURE_HEADER] = webhooks.signature(webhooks.secret_of(hook), body, at)
        headers["DiploLearn-Event"] = delivery.event
        headers["DiploLearn-Event-Id"] = delivery.payload_id
        return hook.url, headers, body, None
    url, user, password = stores.credentials(delivery.record_store, current_app.config)
    headers["X-Experience-API-Version"] = XAPI_VERSION
    return url, headers, body, (user, password) if user else None


def _stopped(delivery: OutboundDelivery) -> bool:
    """The destination was removed after the delivery was queued."""
    target = delivery.webhook if delivery.kind == "webhook" else delivery.record_store
    if delivery.destination == "site":
        return not current_app.config.get("LRS_ENDPOINT")
    return target is None or not target.active


def deliver(claimed: Claimed, now: dt.datetime) -> str | None:
    """Call the far end and record the outcome (``sent``, ``retry`` or ``failed``; None when
    the claim was taken over meanwhile), without committing it: the job does."""
    limit = current_app.config["OUTBOUND_MAX_ATTEMPTS"]
    if claimed.request is None:
        outcome = mark_not_sent(
            claimed.delivery_id,
            claimed.claimed_at,
            "the destination was removed",
            now,
            model=OutboundDelivery,
            give_up=True,
        )
        return "failed" if outcome is not None else None
    url, headers, body, auth = claimed.request
    try:
        answer = requests.post(
            url,
            data=body,
            headers=headers,
            auth=auth,
            timeout=current_app.config["OUTBOUND_TIMEOUT"],
            allow_redirects=False,
        )
        if not 200 <= answer.status_code < 300:
            raise Refused(answer.status_code, answer.text)
    except (requests.RequestException, Refused) as error:
        refused = error if isinstance(error, Refused) else None
        outcome = mark_not_sent(
            claimed.delivery_id,
            claimed.claimed_at,
            str(error) or type(error).__name__,
            now,
            model=OutboundDelivery,
            max_attempts=limit,
            give_up=bool(refused and refused.final),
        )
        if outcome is None:
            return None
        if refused is not None:
            row = db.session.get(OutboundDelivery, claimed.delivery_id)
            row.response_status, row.response_body = refused.status, refused.body[:KEPT_ANSWER]
        current_app.logger.warning("outbound delivery %s not sent: %s", claimed.delivery_id, error)
        return "failed" if outcome == OutboxState.FAILED else "retry"
    recorded = mark_sent(
        claimed.delivery_id,
        dt.datetime.now(dt.UTC),
        model=OutboundDelivery,
        response_status=answer.status_code,
        response_body=answer.text[:KEPT_ANSWER],
        last_error=None,
    )
    return "sent" if recorded else None


def retry(delivery: OutboundDelivery, by) -> None:
    """Try a given-up delivery again now (from the integration page), audited."""
    if delivery.state != OutboxState.FAILED:
        raise NotFailed()
    delivery.state = OUTBOX.advance(delivery.state, OutboxState.PENDING)
    delivery.next_attempt_at, delivery.attempts = dt.datetime.now(dt.UTC), 0
    audit.record(
        by,
        "outbound.retry",
        target=delivery,
        ministry_id=delivery.ministry_id,
        event=delivery.event,
    )
