"""The mail outbox: queue a message inside the transaction, send it after commit.

``queue_mail`` renders a message in the recipient's language and adds it to the session; it
is sent only if the surrounding transaction commits, because only ``jobs.send_due_mail``
(called by ``flask jobs run``, in its own transactions) ever delivers, and it only sees
committed rows.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale

from diplolearn.extensions import db
from diplolearn.i18n import interface_language_for
from diplolearn.models import OutboxMessage, OutboxState, User

# A message claimed longer ago than this belonged to a worker that died; it is sent again.
STALE_CLAIM = dt.timedelta(minutes=10)


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
    language = interface_language_for(recipient)
    subject, body = render_mail(kind, language, recipient=recipient, **context)
    message = OutboxMessage(
        kind=kind,
        to_address=recipient.email,
        to_user_id=recipient.id,
        language=language,
        subject=subject,
        body_text=body,
    )
    db.session.add(message)
    return message


def claim(message_id: int, now: dt.datetime) -> bool:
    """Take a message for sending; False when another worker already has it."""
    result = db.session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            sa.or_(
                OutboxMessage.state == OutboxState.PENDING,
                sa.and_(
                    OutboxMessage.state == OutboxState.SENDING,
                    OutboxMessage.claimed_at < now - STALE_CLAIM,
                ),
            ),
        )
        .values(state=OutboxState.SENDING, claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def due_message_ids(now: dt.datetime, limit: int = 200) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(OutboxMessage.id)
            .where(
                sa.or_(
                    sa.and_(
                        OutboxMessage.state == OutboxState.PENDING,
                        OutboxMessage.next_attempt_at <= now,
                    ),
                    sa.and_(
                        OutboxMessage.state == OutboxState.SENDING,
                        OutboxMessage.claimed_at < now - STALE_CLAIM,
                    ),
                )
            )
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
    )
