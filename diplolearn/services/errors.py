"""Domain errors. Views turn them into messages in the user's language; each carries a
message written for people, marked for translation where it is defined."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    """Base class: a request that the rules refuse. ``message`` is shown to the user."""

    message = _l("That could not be done.")

    def __init__(self, message=None):
        super().__init__(str(message or self.message))
        if message is not None:
            self.message = message


class InvalidCredentials(DomainError):
    message = _l("The email or password is not right. Check both and try again.")


class AccountInactive(DomainError):
    message = _l("This account is not active. Ask your ministry's training coordinator.")


class TokenProblem(DomainError):
    """A mailed link that cannot be used (invalid, expired or already used)."""


class TokenInvalid(TokenProblem):
    message = _l("This link is not valid. Check that you opened the whole link from the email.")


class TokenExpired(TokenProblem):
    message = _l("This link has expired. Ask for a new one below.")


class TokenUsed(TokenProblem):
    message = _l("This link has already been used. You can sign in, or ask for a new link.")


class EmailTaken(DomainError):
    message = _l("Someone is already registered with this email address.")


class WeakPassword(DomainError):
    message = _l("Choose a longer password.")


class NotAllowed(DomainError):
    message = _l("You are not allowed to do that.")


# --- the learner's path ----------------------------------------------------------------------


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


class NoAttemptsLeft(DomainError):
    message = _l("You have used every attempt this quiz allows.")


class AwaitingGrading(DomainError):
    """An attempt of this quiz waits for a person to grade it (an essay): its result may
    decide whether another attempt is needed at all, so none starts until it is graded."""

    message = _l(
        "Your last attempt at this quiz is waiting to be graded by your tutor or "
        "instructor, so no new attempt was started. You can try again once it is "
        "graded."
    )


class QuizNotReady(DomainError):
    message = _l(
        "This quiz cannot be taken yet: it has a kind of question that DiploLearn "
        "cannot show yet. Please tell your instructor."
    )


class AttemptFinished(DomainError):
    message = _l(
        "This attempt is already finished, so nothing was changed: an attempt counts "
        "once. Its result stays as it was."
    )


class TimeUp(DomainError):
    message = _l(
        "The time for this attempt is up. Answers sent after the deadline do not "
        "count; the answers saved before it were graded."
    )


class TamperedAnswer(DomainError):
    message = _l(
        "These answers do not match the questions of this attempt, so nothing was "
        "saved. Reload the quiz page and answer again."
    )


class QuizNotOpenYet(DomainError):
    message = _l(
        "This quiz is not open yet, so no attempt was started. Check when it opens "
        "on the quiz page."
    )


class QuizClosed(DomainError):
    message = _l("This quiz is closed, so no attempt was started.")


class GradeNotChanged(DomainError):
    """A grade override or regrade that the rules refuse (out of range, no reason, ...)."""

    message = _l("The grade was not changed: check the score and the reason.")


# --- certificates ----------------------------------------------------------------------------


class NotCompleted(DomainError):
    """A certificate was asked for an enrolment whose course is not completed."""

    message = _l(
        "A certificate is issued only when the course is completed, and this "
        "enrolment is not. Nothing was issued."
    )


class CertificateNotCurrent(DomainError):
    message = _l(
        "This certificate has already been revoked or replaced, so it cannot be "
        "changed. Nothing was changed."
    )


class ReasonRequired(DomainError):
    message = _l("Give a reason: it is kept in the audit trail.")


class SigningKeyMissing(DomainError):
    message = _l(
        "Digital credentials cannot be issued at the moment because no signing key "
        "is configured. Please tell the platform's administrators."
    )


class InvalidCredential(DomainError):
    """A credential whose signature, issuer or contents do not check out."""

    message = _l("This credential is not genuine: its signature does not match its contents.")


# --- cohorts: dates, places, groups ----------------------------------------------------------


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


# --- ministries, their staff and rosters ---------------------------------------------------


class MinistryCodeTaken(DomainError):
    message = _l("Another ministry already has this code. Choose another one.")


class MinistryInactive(DomainError):
    message = _l(
        "This ministry has been deactivated, so its staff cannot be changed. Nothing "
        "was changed. Ask the platform's administrators."
    )


class RegisteredElsewhere(DomainError):
    """Worded so that it never says which ministry the person belongs to."""

    message = _l(
        "This person is already registered on DiploLearn with another organisation, "
        "so they cannot be added here. If they now work for your ministry, ask the "
        "platform's administrators to move them."
    )


class AlreadyStaff(DomainError):
    message = _l("This person is already on your ministry's staff.")


class SameMinistry(DomainError):
    message = _l("This person already works for this ministry. Nothing was changed.")


class StaffIdTaken(DomainError):
    message = _l("Another current member of your ministry's staff has this staff ID.")


class EmailChangeRefused(DomainError):
    message = _l(
        "This person holds a role on DiploLearn (such as coordinator or instructor), "
        "so only the platform's administrators can change their email address."
    )


class RosterInvalid(DomainError):
    message = _l(
        "The file has problems, so nothing was imported. Correct them and upload the file again."
    )


class RosterChanged(DomainError):
    message = _l(
        "Something changed since this preview was made, so nothing was imported. "
        "Check the new preview, then confirm again."
    )


class RosterAlreadyApplied(DomainError):
    message = _l("This file has already been imported. Nothing was changed.")


class InvalidEssayGrade(DomainError):
    message = _l("That grade cannot be recorded.")


# --- personal data ---------------------------------------------------------------------------


class AlreadyErased(DomainError):
    message = _l("This person's personal data has already been erased. Nothing was changed.")


class ConfirmationMismatch(DomainError):
    message = _l(
        "The email address typed does not match this person's, so nothing was "
        "erased. Type it exactly as shown."
    )
