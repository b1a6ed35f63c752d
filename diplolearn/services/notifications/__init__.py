"""Notifications (issue 20): every notice the platform gives a person goes through
``notify`` (or ``notify_many`` for a crowd): an in-app notification in their language, and by
their preference for its kind a mail queued at once in the outbox, kept for the daily digest
(``send_daily_digests``, a job) or none. Invitations and password resets are not notices:
they go by mail at once (services.accounts).

- sending: ``notify``, ``notify_many``, ``send_daily_digests``.
- reading: the list, marking read, and the per-kind preferences.

Functions flush and never commit.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from diplolearn.services.errors import DomainError


class Kind:
    MODULE_RELEASED = "module_released"
    WORK_RETURNED = "work_returned"
    ANNOUNCEMENT = "announcement"
    DISCUSSION_DIGEST = "discussion_digest"
    MENTION = "mention"
    EXTENSION_DECISION = "extension_decision"
    MESSAGE = "message"


# Each kind's label on the account page and its default mail template (templates/mail/).
KINDS = {
    Kind.MODULE_RELEASED: (_l("A module opens"), "module_released"),
    Kind.WORK_RETURNED: (_l("Work returned with a grade"), "assignment_returned"),
    Kind.ANNOUNCEMENT: (_l("Announcements"), "announcement"),
    Kind.DISCUSSION_DIGEST: (
        _l("The weekly digest of your group's discussion"),
        "discussion_digest",
    ),
    Kind.MENTION: (_l("Someone mentions you in a discussion"), "discussion_mention"),
    Kind.EXTENSION_DECISION: (_l("Decisions on your requests for more time"), "extension_decided"),
    Kind.MESSAGE: (_l("Private messages"), "message_received"),
}

NOW, DIGEST, APP = "now", "digest", "app"
DELIVERIES = {
    NOW: _l("Immediately by mail"),
    DIGEST: _l("In a daily digest by mail"),
    APP: _l("In the app only"),
}


class UnknownKind(DomainError):
    message = _l("That kind of notification does not exist.")


class NotYours(DomainError):
    message = _l("That notification is not yours.")


from diplolearn.services.notifications.sending import (  # noqa: E402
    notify,
    notify_many,
    send_daily_digests,
)

__all__ = [
    "APP",
    "DELIVERIES",
    "DIGEST",
    "KINDS",
    "NOW",
    "Kind",
    "NotYours",
    "UnknownKind",
    "notify",
    "notify_many",
    "send_daily_digests",
]
