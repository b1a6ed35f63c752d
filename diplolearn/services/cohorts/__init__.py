"""Cohorts: courses' cohorts, tutor groups and enrolments (organisations), a cohort's
settings, schedule and rules (cohorts), its places and seats (places), and following its
run (tracking).

This domain's errors are declared here, at its top."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from diplolearn.services.errors import DomainError


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
