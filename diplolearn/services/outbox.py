"""The mail outbox: queue a message inside the transaction, send it after commit.

``queue_mail`` renders a message in the recipient's language and adds it to the session; it
is sent only if the surrounding transaction commits, because only ``jobs.send_due_mail``
(called by ``flask jobs run``, in its own transactions) ever delivers, and it only sees
committed rows.

The delivery rule (``jobs.send_due_mail`` follows it; this module holds its pieces):

- ``claim`` takes a message (pending -> sending) in a committed transaction of its own, so no
  other worker sends it too; ``due_message_ids`` lists the pending messages that are due and
  the claims that have gone stale (older than ``STALE_CLAIM``: the worker died or failed).
- Every attempt carries the same Message-ID, ``message_id_for`` the outbox row, so a copy
  sent twice is recognisable, and dropped by servers and clients that deduplicate on it.
- The receipt: as soon as the mail server (or folder) has accepted a message, and before the
  database records it, ``write_receipt`` leaves a file for it under the shared storage
  (``<STORAGE_ROOT>/outbox/delivered/``); ``mark_sent`` records it (sending -> sent) and the
  receipt is removed. A claimed message whose receipt exists is recorded as sent, never handed
  over again (``read_receipt``). So a message is handed to the mail server once, except when a
  worker dies between the hand-over and the receipt: then it goes twice, with one Message-ID.
- ``mark_not_sent`` records a failed hand-over: pending again after a back-off, or failed once
  the attempts are spent.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale

from diplolearn.extensions import db
from diplolearn.i18n import interface_language_for
from diplolearn.models import OutboxMessage, OutboxState, User
from diplolearn.models.states import OUTBOX
from diplolearn.observability import current_request_id
from diplolearn.services import storage

# A claim older than this belonged to a worker that died (or could not record the outcome):
# the message is taken again, and sent again only if it has no delivery receipt.
STALE_CLAIM = dt.timedelta(minutes=10)
# Not sent yet: what the outbox's depth counts.
WAITING = (OutboxState.PENDING, OutboxState.SENDING)


def public_url(endpoint: str, **values) -> str:
    """An absolute URL on the public site, usable outside a request (in jobs and mail)."""
    base = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)


def render_mail(kind: str, language: str, **context) -> tuple[str, str]:
    """Render templates/mail/<kind>.txt (blocks ``subject`` and ``body``) in a language."""
    template = current_app.jinja_env.get_template(f"mail/{kind}.txt")
    with force_locale(language):
        ctx = template.new_context(dict(context, language=language))
        subject = "".join(template.blocks["subject"](ctx)).strip()
        ctx = template.new_context(dict(context, language=language))
        body = "".join(template.blocks["body"](ctx)).strip() + "\n"
    return " ".join(subject.split()), body


def queue_mail(kind: str, recipient: User, **context) -> OutboxMessage:
    """Render a message for a recipient and add it to the session, with the id of the request
    (or job run) queuing it: the job that sends it logs with that id and puts it in the mail."""
    language = interface_language_for(recipient)
    subject, body = render_mail(kind, language, recipient=recipient, **context)
    message = OutboxMessage(
        kind=kind,
        to_address=recipient.email,
        to_user_id=recipient.id,
        language=language,
        subject=subject,
        body_text=body,
        request_id=current_request_id(),
    )
    db.session.add(message)
    return message


def claim(message_id: int, now: dt.datetime, model=OutboxMessage) -> bool:
    """Take a message for sending; False when another worker already has it. ``model``: the
    outbox table (mail, or services.outbound's deliveries, which share its states and rule)."""
    result = db.session.execute(
        sa.update(model)
        .where(
            model.id == message_id,
            sa.or_(
                model.state == OutboxState.PENDING,
                sa.and_(
                    model.state == OutboxState.SENDING,
                    model.claimed_at < now - STALE_CLAIM,
                ),
            ),
        )
        .values(state=OutboxState.SENDING, claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def due_message_ids(now: dt.datetime, limit: int = 200, model=OutboxMessage) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(model.id)
            .where(
                sa.or_(
                    sa.and_(
                        model.state == OutboxState.PENDING,
                        model.next_attempt_at <= now,
                    ),
                    sa.and_(
                        model.state == OutboxState.SENDING,
                        model.claimed_at < now - STALE_CLAIM,
                    ),
                )
            )
            .order_by(model.id)
            .limit(limit)
        )
    )


def waiting_count() -> int:
    """How many messages wait to be sent: pending, or claimed and not yet recorded (/metrics)."""
    return db.session.scalar(
        sa.select(sa.func.count(OutboxMessage.id)).where(OutboxMessage.state.in_(WAITING))
    )


def oldest_waiting_since() -> dt.datetime | None:
    """When the oldest message still waiting to be sent was queued (/metrics)."""
    return db.session.scalar(
        sa.select(sa.func.min(OutboxMessage.created_at)).where(OutboxMessage.state.in_(WAITING))
    )


def message_key(message: OutboxMessage) -> str:
    """The outbox row's lasting name, ``outbox.<id>.<created_at as UTC>``: the creation time
    keeps it unique even when ids start again (a database rebuilt beside the same storage)."""
    stamp = message.created_at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return f"outbox.{message.id}.{stamp}"


def message_id_for(message: OutboxMessage) -> str:
    """The Message-ID of an outbox message, the same on every attempt to send it."""
    host = urlsplit(current_app.config["PUBLIC_URL"]).hostname or "diplolearn"
    return f"<{message_key(message)}@{host}>"


def receipt_path(message: OutboxMessage) -> Path:
    """Where the delivery receipt of a message lives, under the storage every worker shares."""
    return storage.root() / "outbox" / "delivered" / message_key(message)


def write_receipt(path: Path, message_id: str, delivered_at: dt.datetime) -> None:
    """Leave the receipt of a message the mail server has accepted (atomically: a receipt is
    whole or absent)."""
    storage.write_atomically(path, f"{message_id}\n{delivered_at.isoformat()}\n".encode())


def read_receipt(path: Path) -> dt.datetime | None:
    """When the message was handed over, if its receipt exists; None when it has none."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return None
    try:
        return dt.datetime.fromisoformat(text.splitlines()[1]).astimezone(dt.UTC)
    except (IndexError, ValueError):
        return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)


def remove_receipt(path: Path) -> None:
    """Forget a receipt once the database has recorded the message as sent (a receipt left
    behind is harmless: only a claimed message's own receipt is ever read)."""
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


def mark_sent(message_id: int, sent_at: dt.datetime, model=OutboxMessage, **values) -> bool:
    """Record a delivered message (sending -> sent, one attempt more, and ``values``); False
    when it was recorded already (by another worker whose claim overlapped)."""
    result = db.session.execute(
        sa.update(model)
        .where(model.id == message_id, model.state == OutboxState.SENDING)
        .values(
            state=OUTBOX.advance(OutboxState.SENDING, OutboxState.SENT),
            sent_at=sent_at,
            attempts=model.attempts + 1,
            **values,
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def mark_not_sent(
    message_id: int,
    claimed_at: dt.datetime,
    error: str,
    now: dt.datetime,
    model=OutboxMessage,
    max_attempts: int | None = None,
    give_up: bool = False,
) -> OutboxState | None:
    """Record a failed hand-over: pending again after a back-off (1, 2, 4, 8 ... minutes), or
    failed once ``max_attempts`` (MAIL_MAX_ATTEMPTS) are spent or at once with ``give_up`` (a
    refusal that trying again cannot change). None, recording nothing, when the claim made at
    ``claimed_at`` is no longer the message's (it went stale and another worker took over)."""
    message = db.session.get(model, message_id, populate_existing=True)
    if message is None or message.state != OutboxState.SENDING:
        return None
    if message.claimed_at != claimed_at:
        return None
    message.attempts += 1
    message.last_error = error[:2000]
    limit = max_attempts or current_app.config["MAIL_MAX_ATTEMPTS"]
    if give_up or message.attempts >= limit:
        message.state = OUTBOX.advance(message.state, OutboxState.FAILED)
    else:
        message.state = OUTBOX.advance(message.state, OutboxState.PENDING)
        message.next_attempt_at = now + dt.timedelta(minutes=2 ** (message.attempts - 1))
    return OutboxState(message.state)
