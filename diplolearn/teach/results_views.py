"""Quiz results for the people who teach a course (``/teach/courses/<id>/``): the course's
quizzes, one quiz's summary, distribution and per-question statistics, a question version's
responses, the attempts (override a grade with a reason, grade essays, release withheld grades)
and the queue of essays waiting for a person's grade. ``quiz_context`` loads a course's quiz for
these pages and regrade_views. Who sees which attempts goes through security.scoping
(``graded_attempts``); views stay thin: services compute and change, every change is audited by
its service and committed here."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from diplolearn import questions
from diplolearn.learner.pages import Reader, review
from diplolearn.models import AttemptQuestion, AttemptState, QuizAttempt
from diplolearn.pagination import paginate
from diplolearn.security import scoping
from diplolearn.security.scoping.grading_flow import held_attempts
from diplolearn.services.assessment import grading_flow, quizzes, regrading, results
from diplolearn.teach import bp
from diplolearn.teach.results_forms import EssayGradeForm, OverrideGradeForm, ReleaseForm
from diplolearn.teach.views import teachers_only
from diplolearn.unit_of_work import unit_of_work


def _scoped_ids(course_id: int):
    """Select the ids of the course's attempts the viewer grades (for the results services)."""
    return scoping.graded_attempts(current_user, course_id, QuizAttempt.id)


def quiz_context(course_id: int, quiz_key: str) -> dict:
    """The course and quiz (404 unless the viewer grades in the course) and what every quiz
    page shows."""
    course, quiz = scoping.course_quiz_or_404(current_user, course_id, quiz_key)
    revisions = results.quiz_revisions(quiz.id)
    return {
        "course": course,
        "quiz": quiz,
        "revision": revisions[0] if revisions else None,
        "read": Reader(course),
        "can_regrade": scoping.regrades_course(current_user, course.id),
        "can_set_policy": scoping.sets_quiz_policy(current_user, course.id),
    }


def quiz_url(endpoint: str, ctx: dict, **kwargs) -> str:
    """A URL of one of the quiz's pages."""
    return url_for(endpoint, course_id=ctx["course"].id, quiz_key=ctx["quiz"].key, **kwargs)


# --- the course's quizzes --------------------------------------------------------------------


@bp.get("/courses/<int:course_id>/quizzes")
@teachers_only
def list_quizzes(course_id: int):
    course = scoping.grading_course_or_404(current_user, course_id)
    counts = scoping.graded_counts(current_user, course.id)
    rows = results.course_quizzes(course.id)
    return render_template(
        "teach/results/quizzes.html", course=course, rows=rows, counts=counts, read=Reader(course)
    )


# --- one quiz: summary, distribution, per-question statistics ---------------------------------


@bp.get("/courses/<int:course_id>/quizzes/<quiz_key>")
@teachers_only
def show_quiz(course_id: int, quiz_key: str):
    ctx = quiz_context(course_id, quiz_key)
    scoped = _scoped_ids(ctx["course"].id)
    quiz_id = ctx["quiz"].id
    bands = results.distribution(quiz_id, scoped)
    return render_template(
        "teach/results/quiz.html",
        **ctx,
        summary=results.summary(quiz_id, scoped),
        bands=bands,
        tallest=max((count for _, _, count in bands), default=0),
        stats=results.question_stats(quiz_id, scoped),
        min_responses=results.MIN_RESPONSES,
        release_form=ReleaseForm(prefix="release"),
    )


@bp.get("/courses/<int:course_id>/quizzes/<quiz_key>/questions/<int:revision_id>")
@teachers_only
def show_question(course_id: int, quiz_key: str, revision_id: int):
    ctx = quiz_context(course_id, quiz_key)
    found = results.question_responses(ctx["quiz"].id, revision_id, _scoped_ids(ctx["course"].id))
    if found is None:
        abort(404)
    question = found.question
    choices = {choice.key: ctx["read"](choice.text)[0] for choice in question.choices}
    return render_template(
        "teach/results/question.html",
        **ctx,
        question=question,
        summary=found.summary,
        choices=choices,
    )


# --- attempts: list, one attempt, override, essays, release ----------------------------------


@bp.get("/courses/<int:course_id>/quizzes/<quiz_key>/attempts")
@teachers_only
def list_attempts(course_id: int, quiz_key: str):
    ctx = quiz_context(course_id, quiz_key)
    query = scoping.listed_attempts(current_user, ctx["course"].id, ctx["quiz"].id)
    return render_template("teach/results/attempts.html", **ctx, page=paginate(query, per_page=50))


def _attempt_page(
    ctx: dict, attempt: QuizAttempt, override_form=None, essay_forms=None, status: int = 200
):
    attempt = quizzes.load_attempt(attempt.id, attempt.enrolment_id)
    read = Reader(ctx["course"], attempt.language)
    essays = {
        aq.response.id: aq
        for aq in attempt.questions
        if aq.response is not None and getattr(_kind(aq), "manual", False)
    }
    forms = {
        rid: (essay_forms or {}).get(rid)
        or EssayGradeForm(
            prefix=f"essay{rid}",
            data={"points": aq.response.score, "comment": aq.response.feedback},
        )
        for rid, aq in essays.items()
    }
    return render_template(
        "teach/results/attempt.html",
        **ctx,
        attempt=attempt,
        learner=attempt.enrolment.user,
        reviews=review(attempt, read, True, True),
        essays=essays,
        essay_forms=forms,
        awaiting=quizzes.is_awaiting_grading(attempt),
        override_form=override_form or OverrideGradeForm(prefix="override"),
        release_form=ReleaseForm(prefix="release"),
        history=regrading.history(attempt.id),
    ), status


def _kind(aq: AttemptQuestion):
    return questions.get(aq.question_revision.kind)


@bp.get("/courses/<int:course_id>/quizzes/<quiz_key>/attempts/<int:attempt_id>")
@teachers_only
def show_attempt(course_id: int, quiz_key: str, attempt_id: int):
    ctx = quiz_context(course_id, quiz_key)
    attempt = scoping.graded_attempt_or_404(
        current_user, ctx["course"].id, ctx["quiz"].id, attempt_id
    )
    if attempt.state == AttemptState.IN_PROGRESS:
        abort(404)  # answers being written are the learner's until submitted
    return _attempt_page(ctx, attempt)


@bp.post("/courses/<int:course_id>/quizzes/<quiz_key>/attempts/<int:attempt_id>/override")
@teachers_only
def override_grade(course_id: int, quiz_key: str, attempt_id: int):
    ctx = quiz_context(course_id, quiz_key)
    attempt = scoping.graded_attempt_or_404(
        current_user, ctx["course"].id, ctx["quiz"].id, attempt_id
    )
    if attempt.state == AttemptState.IN_PROGRESS:
        abort(404)  # as on its page: answers being written are the learner's until submitted
    form = OverrideGradeForm(prefix="override")
    if not form.validate_on_submit():
        return _attempt_page(ctx, attempt, override_form=form, status=422)
    with unit_of_work(status=422, quiet=True) as work:
        regrading.override_grade(current_user, attempt, form.score.data, form.reason.data)
    if work.refused:
        form.score.errors = [work.error.message]
        return _attempt_page(
            ctx,
            scoping.graded_attempt_or_404(
                current_user, ctx["course"].id, ctx["quiz"].id, attempt_id
            ),
            override_form=form,
            status=work.status,
        )
    flash(_("The grade is changed. The change and its reason are in the audit trail."), "success")
    return redirect(quiz_url("teach.show_attempt", ctx, attempt_id=attempt_id))


@bp.post(
    "/courses/<int:course_id>/quizzes/<quiz_key>/attempts/<int:attempt_id>/essays/<int:response_id>"
)
@teachers_only
def grade_essay(course_id: int, quiz_key: str, attempt_id: int, response_id: int):
    ctx = quiz_context(course_id, quiz_key)
    attempt = scoping.graded_attempt_or_404(
        current_user, ctx["course"].id, ctx["quiz"].id, attempt_id
    )
    response = scoping.graded_response_or_404(current_user, ctx["course"].id, attempt, response_id)
    if attempt.state == AttemptState.IN_PROGRESS:
        abort(404)
    form = EssayGradeForm(prefix=f"essay{response_id}")
    if not form.validate_on_submit():
        return _attempt_page(ctx, attempt, essay_forms={response_id: form}, status=422)
    from diplolearn.services import audit
    from diplolearn.services.progress import update_completion

    before = str(response.score) if response.graded_by_id is not None else None
    with unit_of_work(status=422, quiet=True) as work:
        quizzes.grade_essay(response, form.points.data, current_user, form.comment.data)
        audit.record(
            current_user,
            "quiz_attempt.essay_graded",
            target=attempt,
            subject=attempt.enrolment.user,
            quiz_id=attempt.quiz_id,
            response_id=response_id,
            before=before,
            after=str(response.score),
        )
        update_completion([attempt.enrolment_id])
    if work.refused:
        form.points.errors = [work.error.message]
        return _attempt_page(
            ctx,
            scoping.graded_attempt_or_404(
                current_user, ctx["course"].id, ctx["quiz"].id, attempt_id
            ),
            essay_forms={response_id: form},
            status=work.status,
        )
    flash(_("The essay's grade is saved."), "success")
    return redirect(quiz_url("teach.show_attempt", ctx, attempt_id=attempt_id))


@bp.post("/courses/<int:course_id>/quizzes/<quiz_key>/release")
@teachers_only
def release_grades(course_id: int, quiz_key: str):
    ctx = quiz_context(course_id, quiz_key)
    form = ReleaseForm(prefix="release")
    if not form.validate_on_submit():
        flash(_("The form has expired. Nothing was released; try again."), "error")
        return redirect(quiz_url("teach.show_quiz", ctx)), 303
    ids = scoping.withheld_attempt_ids(current_user, ctx["course"].id, ctx["quiz"].id)
    attempt_id = request.args.get("attempt", type=int)
    if attempt_id is not None:
        ids = [i for i in ids if i == attempt_id]
    # Issue 20: released through grading_flow, so each learner is told by mail.
    held = [a for a in held_attempts(current_user, ctx["course"].id, ctx["quiz"].id) if a.id in ids]
    title = ctx["revision"].title if ctx["revision"] else {"en": ctx["quiz"].key}
    with unit_of_work(quiet=True) as work:
        released = (
            grading_flow.release_many(current_user, [a.id for a in held], held, title)
            if held
            else 0
        )
    if work.refused:  # as before, a refusal here is unexpected: the error handlers answer it
        raise work.error
    flash(
        ngettext(
            "%(num)d grade released: the learner sees it now.",
            "%(num)d grades released: the learners see them now.",
            released,
        ),
        "success",
    )
    if attempt_id is not None:
        return redirect(quiz_url("teach.show_attempt", ctx, attempt_id=attempt_id))
    return redirect(quiz_url("teach.show_quiz", ctx))


# --- the essay grading queue -----------------------------------------------------------------


@bp.get("/courses/<int:course_id>/grading")
@teachers_only
def show_grading_queue(course_id: int):
    course = scoping.grading_course_or_404(current_user, course_id)
    page = paginate(scoping.awaiting_grading(current_user, course.id), per_page=50)
    keys = results.quiz_keys({a.quiz_id for a in page.items})
    essays = scoping.ungraded_essays(current_user, course.id, [a.id for a in page.items])
    return render_template(
        "teach/results/grading.html",
        course=course,
        page=page,
        keys=keys,
        essays=essays,
        read=Reader(course),
    )
