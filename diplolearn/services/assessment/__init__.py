"""Assessment: taking quizzes (quizzes), their policies and overrides (quiz_policy),
question banks and draws (question_banks), results and statistics (results), regrading
(regrading), and written assignments with their uploaded files (assignments,
submission_files).

This domain's errors are declared here, at its top."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from diplolearn.services.errors import DomainError


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


class InvalidEssayGrade(DomainError):
    message = _l("That grade cannot be recorded.")
