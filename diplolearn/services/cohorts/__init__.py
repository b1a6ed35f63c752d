"""Cohorts: the records of courses' cohorts, tutor groups and enrolments (organisations);
running a cohort (cohorts, which also gathers the cohort's whole API): its times (times),
module schedule and assignment due dates (schedule), completion rules (rules), places, seats
and waiting list (places), enrolments, nominations and substitutions (enrolments), and tutor
groups (tutor_groups); and following its run (tracking).

This domain's errors are declared here, at its top."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from diplolearn.services.errors import DomainError

# --- running a cohort: settings, places, enrolments, tutor groups ---------------------------------


class CohortRefused(DomainError):
    """A change to a cohort that its rules refuse; the message says which rule."""


class NoSuchAccount(DomainError):
    message = _l(
        "No active account has this email address. Ask an administrator or the "
        "person's training coordinator to invite them first."
    )


class AlreadyEnrolled(DomainError):
    message = _l("This person is already enrolled in this cohort or on its waiting list.")


class TutorGroupFull(DomainError):
    message = _l("This tutor group is full. Choose another group or raise its size.")


class CohortStarted(DomainError):
    message = _l(
        "The cohort has already started, so a nominee can no longer be replaced. "
        "You can still withdraw them."
    )


# --- following a cohort's run: due-date extensions (tracking) -------------------------------------


class UnknownModule(DomainError):
    message = _l("Choose a module of this course.")


class NoDueDate(DomainError):
    message = _l(
        "This module has no due date in the cohort's schedule, so there is nothing to extend."
    )


class ExtensionTooEarly(DomainError):
    message = _l("The new due date must be later than the cohort's due date for this module.")


class NotStudyingHere(DomainError):
    message = _l("This learner has withdrawn from the cohort; their due dates cannot change.")
