"""Quiz pages: the quiz's landing page, starting or resuming an attempt, answering (saved as
the learner goes), submitting once, and the result with feedback."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from diplolearn import page_cache
from diplolearn.learner import bp
from diplolearn.learner.forms import StartAttemptForm, make_attempt_form
from diplolearn.learner.pages import Reader, drawn_questions, review
from diplolearn.learner.views import load_progress, refusal
from diplolearn.models import AttemptState, utcnow
from diplolearn.security.permissions import login_required, wants_json
from diplolearn.security.scoping import own_enrolment_or_404
from diplolearn.services import progress as progress_service
from diplolearn.services.assessment import (
    QuestionNotInAttempt,
    TamperedAnswer,
    TimeUp,
    quiz_policy,
    quizzes,
)
from diplolearn.services.deadlines import dates
from diplolearn.services.errors import ModuleLocked, NotStudying
from diplolearn.unit_of_work import unit_of_work


def _quiz_or_404(progress, quiz_key: str):
    quiz = progress.quiz(quiz_key) if progress is not None else None
    if quiz is None:
        abort(404)
    return quiz


def attempt_or_404(enrolment_id: int, attempt_id: int):
    """Someone else's attempt is a 404: it is loaded through the learner's own enrolment."""
    enrolment = own_enrolment_or_404(current_user, enrolment_id)
    attempt = quizzes.load_attempt(attempt_id, enrolment.id)
    if attempt is None:
        abort(404)
    return enrolment, attempt


def attempt_url(endpoint: str, attempt) -> str:
    return url_for(endpoint, enrolment_id=attempt.enrolment_id, attempt_id=attempt.id)


def _problem(enrolment, error, status: int, attempt=None):
    """A refused post: a clear page, a 4xx, and nothing recorded (the unit of work rolled the
    change back)."""
    return render_template(
        "learner/problem.html", enrolment=enrolment, message=error.message, attempt=attempt
    ), status


def _policy(enrolment, progress, quiz):
    """The quiz's policy for this learner: from the overrides kept with the stored progress
    when it has them (no query), else read (quiz_policy.policy_for)."""
    if progress.dated is None:
        return quiz_policy.policy_for(enrolment, quiz.node)
    return dates.load_contexts([enrolment], {enrolment.id: progress})[enrolment.id].quiz_policy(
        quiz
    )


@bp.get("/<int:enrolment_id>/quizzes/<quiz_key>")
@login_required
def show_quiz(enrolment_id: int, quiz_key: str):
    enrolment, progress = load_progress(enrolment_id)
    quiz = _quiz_or_404(progress, quiz_key)
    module = progress.module_of(quiz)
    if not module.is_open:
        return refusal(enrolment, progress, ModuleLocked(), quiz)
    policy = _policy(enrolment, progress, quiz)
    return render_template(
        "learner/quiz.html",
        enrolment=enrolment,
        progress=progress,
        quiz=quiz,
        module=module,
        form=StartAttemptForm(),
        read=Reader(enrolment.cohort.course),
        policy=policy,
        left=policy.left(quiz.used),
        now=utcnow(),
    )


@bp.post("/<int:enrolment_id>/quizzes/<quiz_key>/attempts")
@login_required
def start_attempt(enrolment_id: int, quiz_key: str):
    enrolment, progress = load_progress(enrolment_id)
    quiz = _quiz_or_404(progress, quiz_key)
    with unit_of_work(quiet=True) as work:
        progress_service.ensure_studying(enrolment)
        progress_service.ensure_open(progress, quiz)
        language = Reader(enrolment.cohort.course)(quiz.node.title)[1]
        attempt = quizzes.start_attempt(enrolment, quiz, language)
    if isinstance(work.error, (ModuleLocked, NotStudying)):
        return refusal(enrolment, progress, work.error, quiz)
    if work.refused:  # NoAttemptsLeft, QuizNotReady, QuizNotOpenYet, QuizClosed, AwaitingGrading
        return _problem(enrolment, work.error, 409)
    return redirect(attempt_url("learner.show_attempt", attempt))


@bp.get("/<int:enrolment_id>/attempts/<int:attempt_id>")
@login_required
@page_cache.personal_page()
def show_attempt(enrolment_id: int, attempt_id: int):
    enrolment, attempt = attempt_or_404(enrolment_id, attempt_id)
    if attempt.state != AttemptState.IN_PROGRESS:
        return redirect(attempt_url("learner.show_result", attempt))
    page_cache.valid_until(attempt.deadline_at)  # then it says the time is up
    read = Reader(enrolment.cohort.course, attempt.language)
    drawn = drawn_questions(attempt, read)
    return render_template(
        "learner/attempt.html",
        enrolment=enrolment,
        attempt=attempt,
        questions=drawn,
        form=make_attempt_form(drawn),
        read=read,
        time_up=attempt.is_past_deadline(),
    )


def _problem_status(error) -> int:
    if isinstance(error, NotStudying):
        return 403
    if isinstance(error, TamperedAnswer):
        return 400
    if isinstance(error, QuestionNotInAttempt):  # a flag for another attempt's question
        return 404
    return 409  # AttemptFinished


def change_attempt(enrolment_id: int, attempt_id: int, action, *, completes: bool):
    """Run a save or submit as one unit of work (``completes``: then complete the course if
    it is done); returns (enrolment, attempt, None), or a response when refused or too late."""
    enrolment, attempt = attempt_or_404(enrolment_id, attempt_id)
    refused = _run_change(
        enrolment, attempt, lambda now: action(attempt, request.form, now), completes=completes
    )
    return enrolment, attempt, refused


def _run_change(enrolment, attempt, change, *, completes: bool, reads_again: bool = True):
    """``change(now)`` as one unit of work, after checking the learner still studies; None when
    done, else the refusal or, when time was up, the way to the result (``reads_again``:
    unit_of_work.writers_turn)."""
    time_up = None
    with unit_of_work(quiet=True, reads_again=reads_again) as work:
        try:
            progress_service.ensure_studying(enrolment)
            change(utcnow())
        except TimeUp as error:
            # The attempt was expired and graded with the answers saved in time: that is kept
            # (committed), not rolled back like a refusal.
            time_up = error
        if completes or time_up is not None:
            progress_service.complete_if_done(
                enrolment, progress_service.course_progress(enrolment)
            )
    if work.refused:
        return _problem(enrolment, work.error, _problem_status(work.error), attempt)
    if time_up is not None:
        flash(time_up.message, "error")
        return redirect(attempt_url("learner.show_result", attempt))
    return None


@bp.post("/<int:enrolment_id>/attempts/<int:attempt_id>/save")
@login_required
def save_attempt(enrolment_id: int, attempt_id: int):
    """The answer save (the page's autosave posts it every few seconds, issue 16): it reads
    only what saving needs, the learner's own enrolment with it (quizzes.attempt_to_save, one
    query), and checks the form before taking the write turn, so that the turn holds the
    writes alone."""
    attempt = quizzes.attempt_to_save(attempt_id, enrolment_id, current_user.id)
    if attempt is None:
        abort(404)
    enrolment = attempt.enrolment
    try:
        posted = quizzes.read_posted(attempt, request.form)
    except (TamperedAnswer, QuestionNotInAttempt) as error:  # nothing written yet
        return _problem(enrolment, error, _problem_status(error), attempt)
    refused = _run_change(
        enrolment,
        attempt,
        lambda now: quizzes.store_posted(attempt, posted, now),
        completes=False,
        reads_again=False,  # its claim checks the attempt is still in progress and in time
    )
    if refused is not None:
        return refused
    if wants_json():  # the page's autosave (static/quiz.js); the form post works without it
        return jsonify(saved=True)
    flash(_("Your answers are saved. You can come back to them until you submit."), "success")
    return redirect(attempt_url("learner.show_attempt", attempt))


@bp.post("/<int:enrolment_id>/attempts/<int:attempt_id>/submit")
@login_required
def submit_attempt(enrolment_id: int, attempt_id: int):
    _enrolment, attempt, refused = change_attempt(
        enrolment_id, attempt_id, quizzes.submit, completes=True
    )
    if refused is not None:
        return refused
    return redirect(attempt_url("learner.show_result", attempt))


@bp.get("/<int:enrolment_id>/attempts/<int:attempt_id>/result")
@login_required
def show_result(enrolment_id: int, attempt_id: int):
    enrolment, attempt = attempt_or_404(enrolment_id, attempt_id)
    if attempt.state == AttemptState.IN_PROGRESS:
        return redirect(attempt_url("learner.show_attempt", attempt))
    progress = progress_service.stored_progress(enrolment)
    quiz = (
        next(
            (
                q
                for q in progress.items
                if q.node.kind == "quiz" and q.node.quiz_id == attempt.quiz_id
            ),
            None,
        )
        if progress
        else None
    )
    # What the learner sees follows the attempt's policy (services/assessment/quiz_policy.py): what is
    # not visible is not rendered, so it is not in the page either.
    policy = _policy(enrolment, progress, quiz) if quiz else None
    left = policy.left(quiz.used) if quiz else None
    seen = quiz_policy.visibility(attempt, policy, quiz is None or quiz.done or left == 0)
    read = Reader(enrolment.cohort.course, attempt.language)
    return render_template(
        "learner/result.html",
        enrolment=enrolment,
        attempt=attempt,
        quiz=quiz,
        left=left,
        seen=seen,
        reveal=seen.answers,
        reviews=review(attempt, read, seen.answers, seen.feedback) if seen.score else [],
        form=StartAttemptForm(),
        read=read,
        percent=progress_service.attempt_percent(attempt)
        if attempt.score is not None and seen.score
        else None,
    )
