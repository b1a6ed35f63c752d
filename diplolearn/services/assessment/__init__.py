"""Assessment: taking quizzes (quizzes), their policies and overrides (quiz_policy),
question banks and draws (question_banks), results and statistics (results), regrading
(regrading), and written assignments with their uploaded files (assignments,
submission_files).

This domain's errors are declared here, at its top."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from diplolearn.services.errors import DomainError

# --- quizzes: attempts, policies, grades (quizzes, quiz_policy, results, regrading) ---------------


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


class QuestionNotInAttempt(DomainError):
    """A flag posted for a question that is not one of this attempt's (issue 20)."""

    message = _l(
        "That question is not part of this attempt, so nothing was saved. Reload the quiz "
        "page and try again."
    )


class QuizNotOpenYet(DomainError):
    message = _l(
        "This quiz is not open yet, so no attempt was started. Check when it opens "
        "on the quiz page."
    )


class QuizClosed(DomainError):
    message = _l("This quiz is closed, so no attempt was started.")


class InvalidOverride(DomainError):
    """A quiz policy override that the rules refuse (quiz_policy); the message says why."""


class GradeNotChanged(DomainError):
    """A grade override or regrade that the rules refuse (out of range, no reason, ...)."""

    message = _l("The grade was not changed: check the score and the reason.")


class InvalidEssayGrade(DomainError):
    message = _l("That grade cannot be recorded.")


# --- written assignments (assignments) ------------------------------------------------------------


class FormatNotAccepted(DomainError):
    message = _l("This assignment does not accept answers in that form. Nothing was saved.")


class TextTooLong(DomainError):
    message = _l("The text is too long to be saved. Nothing was saved.")


class EmptySubmission(DomainError):
    message = _l(
        "There is nothing to submit yet: write your answer or upload a file first. "
        "Your draft was not changed."
    )


class TooManyWords(DomainError):
    def __init__(self, count: int, limit: int):
        super().__init__(
            _l(
                "Your answer has %(count)d words; this assignment allows at most "
                "%(limit)d. Shorten it, then submit again. Nothing was submitted.",
                count=count,
                limit=limit,
            )
        )


class TooFewWords(DomainError):
    def __init__(self, count: int, limit: int):
        super().__init__(
            _l(
                "Your answer has %(count)d words; this assignment asks for at "
                "least %(limit)d. Nothing was submitted.",
                count=count,
                limit=limit,
            )
        )


class SubmissionClosed(DomainError):
    message = _l(
        "This assignment is closed: work is no longer accepted. Nothing was saved. "
        "Ask your tutor if you think this is wrong."
    )


class AlreadySubmitted(DomainError):
    message = _l(
        "You have already submitted this assignment, so nothing was changed. You can "
        "hand in a new version only if your grader allows it when returning it."
    )


class ChangedMeanwhile(DomainError):
    message = _l(
        "This answer was changed at the same moment from another window (or by a "
        "double click), so nothing was saved from this one. Reload the page to see "
        "what was kept."
    )


class RubricIncomplete(DomainError):
    message = _l("Choose one level of the rubric for every criterion. Nothing was saved.")


class NotGradable(DomainError):
    message = _l("This submission cannot be graded in its present state. Nothing was saved.")


class CommentTooLong(DomainError):
    message = _l("The comments are too long. Nothing was saved.")


class UnknownCriterion(DomainError):
    """A level or comment given for a criterion of another rubric (issue 20)."""

    message = _l("A criterion of another rubric was sent with this grade. Nothing was saved.")


class NotReleasable(DomainError):
    """Releasing a grade outside the releaser's reach, or no longer held (issue 20)."""

    message = _l(
        "Some of the chosen grades are not yours to release or are no longer held. "
        "Nothing was released."
    )


# --- files handed in (submission_files) -----------------------------------------------------------


class WrongFileType(DomainError):
    message = _l(
        "This file is not a Word document (.docx) or a PDF, so it was not accepted. "
        "Nothing was saved. Save your work as .docx or PDF and upload it again."
    )


class MacroFile(DomainError):
    message = _l(
        "This Word document contains macros, which are not accepted. Nothing was "
        "saved. Save it as an ordinary .docx document and upload it again."
    )


class FileTooLarge(DomainError):
    def __init__(self, limit: int):
        super().__init__(
            _l(
                "This file is larger than %(size)s MB, the most an assignment "
                "file may be. Nothing was saved.",
                size=f"{limit / (1024 * 1024):g}",
            )
        )


class UnpacksTooLarge(DomainError):
    """A .docx that would unpack to far more than a document holds (a zip bomb?)."""

    def __init__(self, limit: int):
        super().__init__(
            _l(
                "This Word document would unpack to more than %(size)s MB, or is packed in "
                "a way that is not accepted, so it was not accepted. Nothing was saved. "
                "Save it again as an ordinary .docx document, or as a PDF, and upload it "
                "again.",
                size=f"{limit / (1024 * 1024):g}",
            )
        )
