"""Delivering one mail message. Only the job command calls this (jobs.send_due_mail, which
follows the delivery rule of services.outbox).

``build_message`` takes the Message-ID from its caller: an outbox message keeps the same one on
every attempt (services.outbox.message_id_for), so a copy sent twice is recognisable; its
X-Request-ID names the request (or job run) that queued it, as the logs do. A message counts
as delivered once the backend has accepted it: for SMTP, once the server has taken it,
whatever goes wrong afterwards saying goodbye (that would send it again).

Backends, chosen by MAIL_BACKEND: ``smtp`` (production), ``folder`` (development: each message
is written as an .eml file under MAIL_FOLDER, and announced on the console), ``console``, and
``memory`` (tests: kept in ``app.extensions["mail_sent"]``).

Mails are plain text, where no markup can isolate a name or a title from the sentence around
it: the ``|isolate`` filter (``register``) puts each data value between the Unicode isolates
FSI and PDI, so an Arabic name in an English mail, or "A-2001" in an Arabic one, keeps its
order (issue 15 item 4).
"""

from __future__ import annotations

import smtplib
import sys
from email.message import EmailMessage
from pathlib import Path

from flask import Flask, current_app

from diplolearn.courses.bidi import isolate


def register(app: Flask) -> None:
    app.jinja_env.filters["isolate"] = isolate


class DeliveryError(Exception):
    """The message could not be handed over; the outbox will try again later."""


def build_message(
    to_address: str,
    subject: str,
    body: str,
    language: str,
    *,
    message_id: str,
    request_id: str | None = None,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = to_address
    message["Subject"] = subject
    message["Message-ID"] = message_id
    if request_id:  # the request (or job run) that queued it, as in the logs
        message["X-Request-ID"] = request_id
    message.set_content(body)
    message["Content-Language"] = language  # after set_content, which resets Content-* headers
    return message


def deliver(message: EmailMessage, reference: str) -> None:
    backend = current_app.config["MAIL_BACKEND"]
    try:
        if backend == "smtp":
            _deliver_smtp(message)
        elif backend == "folder":
            folder = Path(current_app.config["MAIL_FOLDER"])
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{reference}.eml"
            path.write_bytes(bytes(message))
            print(f"[mail] {message['To']}: {message['Subject']} -> {path}", file=sys.stderr)
        elif backend == "console":
            print(message.as_string(), file=sys.stderr)
        elif backend == "memory":
            current_app.extensions.setdefault("mail_sent", []).append(message)
        else:
            raise DeliveryError(f"unknown MAIL_BACKEND {backend!r}")
    except (OSError, smtplib.SMTPException) as error:
        raise DeliveryError(str(error)) from error


def _deliver_smtp(message: EmailMessage) -> None:
    cfg = current_app.config
    smtp = smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=30)
    try:
        if cfg["MAIL_USE_TLS"]:
            smtp.starttls()
        if cfg["MAIL_USERNAME"]:
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
        smtp.send_message(message)
    except BaseException:
        smtp.close()
        raise
    # Accepted: a failed goodbye (a QUIT answered oddly, a dropped line) is not a failed
    # delivery, which would send the message again.
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()
