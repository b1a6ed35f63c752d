"""The review step of a quiz attempt (issue 20): before the final submission the learner sees
which questions are still unanswered or flagged to come back to, with links back to each, and
then submits the answers saved so far once.

"Review and submit" on the attempt page posts the whole form here: the answers and flags are
saved (as the Save button does) and the review page shown. The final "Submit my answers" posts
nothing but its CSRF token: it submits what was saved, with the same semantics as a direct
submission (counted once, the deadline judged by the server).
"""

from __future__ import annotations

from flask import redirect, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField

from diplolearn.learner import bp
from diplolearn.learner.pages import Reader, drawn_questions
from diplolearn.learner.quiz_views import attempt_or_404, attempt_url, change_attempt
from diplolearn.models import AttemptState
from diplolearn.security.permissions import login_required
from diplolearn.services.assessment import quizzes


class FinishAttemptForm(FlaskForm):
    submit = SubmitField(_l("Submit my answers"))


def _submit_saved(attempt, _formdata, now):
    """Submit the answers as saved: the review page posts none of its own."""
    return quizzes.submit(attempt, None, now)


@bp.get("/<int:enrolment_id>/attempts/<int:attempt_id>/review")
@login_required
def show_review(enrolment_id: int, attempt_id: int):
    enrolment, attempt = attempt_or_404(enrolment_id, attempt_id)
    if attempt.state != AttemptState.IN_PROGRESS:
        return redirect(attempt_url("learner.show_result", attempt))
    if attempt.is_past_deadline():  # the attempt page offers to finish it
        return redirect(attempt_url("learner.show_attempt", attempt))
    read = Reader(enrolment.cohort.course, attempt.language)
    drawn = drawn_questions(attempt, read)
    return render_template(
        "learner/review.html",
        enrolment=enrolment,
        attempt=attempt,
        read=read,
        total=len(drawn),
        unanswered=[q for q in drawn if not q.answered],
        flagged=[q for q in drawn if q.flagged],
        form=FinishAttemptForm(),
    )


@bp.post("/<int:enrolment_id>/attempts/<int:attempt_id>/review")
@login_required
def review_attempt(enrolment_id: int, attempt_id: int):
    _enrolment, attempt, refused = change_attempt(
        enrolment_id, attempt_id, quizzes.save_answers, completes=False
    )
    if refused is not None:
        return refused
    return redirect(attempt_url("learner.show_review", attempt))


@bp.post("/<int:enrolment_id>/attempts/<int:attempt_id>/finish")
@login_required
def finish_attempt(enrolment_id: int, attempt_id: int):
    _enrolment, attempt, refused = change_attempt(
        enrolment_id, attempt_id, _submit_saved, completes=True
    )
    if refused is not None:
        return refused
    return redirect(attempt_url("learner.show_result", attempt))
