"""Domain errors: ``DomainError`` and the errors several domains share. Each domain (a
subpackage of services/) declares its own errors at its top, in its ``__init__.py``. The unit
of work turns them into messages in the user's language; each carries a message written
for people, marked for translation where it is defined."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    """Base class: a request that the rules refuse. ``message`` is shown to the user."""

    message = _l("That could not be done.")

    def __init__(self, message=None):
        super().__init__(str(message or self.message))
        if message is not None:
            self.message = message


class NotAllowed(DomainError):
    message = _l("You are not allowed to do that.")


class NotStudying(DomainError):
    """The enrolment is paused or withdrawn: its record can be seen, not changed."""

    message = _l(
        "Your enrolment in this course is paused or withdrawn, so nothing can be "
        "recorded. Ask your ministry's training coordinator."
    )


class OnWaitingList(NotStudying):
    """The enrolment is on the cohort's waiting list (``waitlisted``): it holds no place yet."""

    message = _l(
        "You are on the waiting list for this cohort, so its lessons and quizzes are "
        "not open to you yet. You will receive an email when a place is yours."
    )


class ModuleLocked(DomainError):
    message = _l("This module is not open to you yet.")


class ReasonRequired(DomainError):
    message = _l("Give a reason: it is kept in the audit trail.")


class MinistryInactive(DomainError):
    message = _l(
        "This ministry has been deactivated, so its staff cannot be changed. Nothing "
        "was changed. Ask the platform's administrators."
    )
