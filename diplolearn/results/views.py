"""Results pages (see the package docstring). Views stay thin: scoping loads, services
compute and change, every change is audited by its service and committed here."""

from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from diplolearn import i18n, questions
from diplolearn.learner.pages import Reader, review
from diplolearn.models import AttemptQuestion, AttemptState, QuizAttempt, Role
from diplolearn.pagination import paginate
from diplolearn.results import bp
from diplolearn.results.forms import (
    EssayGradeForm,
    OverrideGradeForm,
    PolicyOverrideForm,
    RegradeForm,
    ReleaseForm,
    RemoveOverrideForm,
)
from diplolearn.security import scoping
from diplolearn.security.permissions import role_required
from diplolearn.services.assessment import quiz_policy, quizzes, regrading, results
from diplolearn.services.errors import DomainError
from diplolearn.unit_of_work import unit_of_work

teachers_only = role_required(Role.ADMINISTRATOR, Role.INSTRUCTOR, Role.LEAD_INSTRUCTOR, Role.TUTOR)
policy_setters_only = role_required(Role.ADMINISTRATOR, Role.INSTRUCTOR, Role.LEAD_INSTRUCTOR)
regraders_only = role_required(Role.ADMINISTRATOR, Role.INSTRUCTOR)


def _scoped_ids(course_id: int):
    """Select the ids of the course's attempts the viewer grades (for the results services)."""
    return scoping.graded_attempts(current_user, course_id, QuizAttempt.id)


def _context(course_id: int, quiz_key: str) -> dict:
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


def _quiz_url(endpoint: str, ctx: dict, **kwargs) -> str:
    return url_for(endpoint, course_id=ctx["course"].id, quiz_key=ctx["quiz"].key, **kwargs)


# --- the course's quizzes --------------------------------------------------------------------


@bp.get("/quizzes")
@teachers_only
def list_quizzes(course_id: int):
    course = scoping.grading_course_or_404(current_user, course_id)
    counts = scoping.graded_counts(current_user, course.id)
    rows = results.course_quizzes(course.id)
    return render_template(
        "results/quizzes.html", course=course, rows=rows, counts=counts, read=Reader(course)
    )


# --- one quiz: summary, distribution, per-question statistics ---------------------------------


@bp.get("/quizzes/<quiz_key>")
@teachers_only
def show_quiz(course_id: int, quiz_key: str):
    ctx = _context(course_id, quiz_key)
    scoped = _scoped_ids(ctx["course"].id)
    quiz_id = ctx["quiz"].id
    bands = results.distribution(quiz_id, scoped)
    return render_template(
        "results/quiz.html",
        **ctx,
        summary=results.summary(quiz_id, scoped),
        bands=bands,
        tallest=max((count for _, _, count in bands), default=0),
        stats=results.question_stats(quiz_id, scoped),
        min_responses=results.MIN_RESPONSES,
        release_form=ReleaseForm(prefix="release"),
    )


@bp.get("/quizzes/<quiz_key>/questions/<int:revision_id>")
@teachers_only
def show_question(course_id: int, quiz_key: str, revision_id: int):
    ctx = _context(course_id, quiz_key)
    found = results.question_responses(ctx["quiz"].id, revision_id, _scoped_ids(ctx["course"].id))
    if found is None:
        abort(404)
    question = found.question
    choices = {choice.key: ctx["read"](choice.text)[0] for choice in question.choices}
    return render_template(
        "results/question.html", **ctx, question=question, summary=found.summary, choices=choices
    )


# --- attempts: list, one attempt, override, essays, release ----------------------------------


@bp.get("/quizzes/<quiz_key>/attempts")
@teachers_only
def list_attempts(course_id: int, quiz_key: str):
    ctx = _context(course_id, quiz_key)
    query = scoping.listed_attempts(current_user, ctx["course"].id, ctx["quiz"].id)
    return render_template("results/attempts.html", **ctx, page=paginate(query, per_page=50))


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
        "results/attempt.html",
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


@bp.get("/quizzes/<quiz_key>/attempts/<int:attempt_id>")
@teachers_only
def show_attempt(course_id: int, quiz_key: str, attempt_id: int):
    ctx = _context(course_id, quiz_key)
    attempt = scoping.graded_attempt_or_404(
        current_user, ctx["course"].id, ctx["quiz"].id, attempt_id
    )
    if attempt.state == AttemptState.IN_PROGRESS:
        abort(404)  # answers being written are the learner's until submitted
    return _attempt_page(ctx, attempt)


@bp.post("/quizzes/<quiz_key>/attempts/<int:attempt_id>/override")
@teachers_only
def override_grade(course_id: int, quiz_key: str, attempt_id: int):
    ctx = _context(course_id, quiz_key)
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
    return redirect(_quiz_url("results.show_attempt", ctx, attempt_id=attempt_id))


@bp.post("/quizzes/<quiz_key>/attempts/<int:attempt_id>/essays/<int:response_id>")
@teachers_only
def grade_essay(course_id: int, quiz_key: str, attempt_id: int, response_id: int):
    ctx = _context(course_id, quiz_key)
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
    return redirect(_quiz_url("results.show_attempt", ctx, attempt_id=attempt_id))


@bp.post("/quizzes/<quiz_key>/release")
@teachers_only
def release_grades(course_id: int, quiz_key: str):
    ctx = _context(course_id, quiz_key)
    form = ReleaseForm(prefix="release")
    if not form.validate_on_submit():
        flash(_("The form has expired. Nothing was released; try again."), "error")
        return redirect(_quiz_url("results.show_quiz", ctx)), 303
    ids = scoping.withheld_attempt_ids(current_user, ctx["course"].id, ctx["quiz"].id)
    attempt_id = request.args.get("attempt", type=int)
    if attempt_id is not None:
        ids = [i for i in ids if i == attempt_id]
    with unit_of_work(quiet=True) as work:
        released = quiz_policy.release_grades(current_user, list(ids))
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
        return redirect(_quiz_url("results.show_attempt", ctx, attempt_id=attempt_id))
    return redirect(_quiz_url("results.show_quiz", ctx))


# --- regrading -------------------------------------------------------------------------------


def _regrade_choices(ctx: dict, form: RegradeForm) -> dict:
    """Fill the form's choices: versions of the quiz's questions other than those pinned by
    its graded attempts, and those attempts (in the viewer's scope); columns only, so that a
    thousand attempts stay cheap."""
    attempts = scoping.regradable_attempts(current_user, ctx["course"].id, ctx["quiz"].id)
    pinned = scoping.pinned_revisions(current_user, ctx["course"].id, ctx["quiz"].id)
    targets = regrading.newer_revisions(sorted(set(pinned.values())), list(pinned))
    versions = regrading.version_numbers({t.course_version_id for t in targets})
    read = ctx["read"]
    form.revision.choices = [
        (
            t.id,
            _(
                "%(question)s, version %(version)d: %(prompt)s",
                question=t.question.key,
                version=versions.get(t.course_version_id, 0),
                prompt=read(t.prompt)[0][:80],
            ),
        )
        for t in targets
    ]
    form.attempts.choices = [
        (
            a.id,
            _(
                "%(name)s, attempt %(number)d (%(score)s of %(max)s)",
                name=a.name_latin or a.name_ar or a.email,
                number=a.number,
                score=i18n.format_number(a.score),
                max=i18n.format_number(a.max_score),
            ),
        )
        for a in attempts
    ]
    return {"targets": targets, "attempts": attempts}


@bp.route("/quizzes/<quiz_key>/regrade", methods=["GET", "POST"])
@regraders_only
def regrade(course_id: int, quiz_key: str):
    ctx = _context(course_id, quiz_key)
    if not ctx["can_regrade"]:
        abort(404)
    form = RegradeForm()
    options = _regrade_choices(ctx, form)
    if request.method == "GET":
        form.attempts.data = [a.id for a in options["attempts"]]
        return render_template("results/regrade.html", **ctx, form=form, rows=None, **options)
    if not form.validate_on_submit():
        return render_template("results/regrade.html", **ctx, form=form, rows=None, **options), 422
    apply = bool(form.apply.data) and form.step.data == "confirm"

    def regrade_chosen():
        return regrading.regrade(
            current_user,
            ctx["quiz"].id,
            form.revision.data,
            scoping.graded_attempts(current_user, ctx["course"].id),
            form.attempts.data,
            apply=apply,
        )

    def regrade_refused(error: DomainError):
        form.attempts.errors = [error.message]
        return render_template("results/regrade.html", **ctx, form=form, rows=None, **options), 422

    if not apply:
        # A preview changes nothing, so it runs outside any unit of work and is never
        # committed: the request's teardown rolls back whatever it read.
        try:
            rows = regrade_chosen()
        except DomainError as error:
            return regrade_refused(error)
        form.step.data = "confirm"
        return render_template(
            "results/regrade.html",
            **ctx,
            form=form,
            rows=rows,
            **_regrade_choices(ctx, RegradeForm(formdata=None)),
        )
    with unit_of_work(status=422, quiet=True) as work:
        rows = regrade_chosen()
    if work.refused:
        return regrade_refused(work.error)
    changed = sum(1 for row in rows if not row.skipped)
    flash(
        ngettext(
            "%(num)d attempt regraded. The change is in the audit trail.",
            "%(num)d attempts regraded. Each change is in the audit trail.",
            changed,
        ),
        "success",
    )
    return redirect(_quiz_url("results.show_quiz", ctx))


# --- policy overrides ------------------------------------------------------------------------


def _override_targets(course_id: int, form: PolicyOverrideForm) -> None:
    cohorts, learners = scoping.policy_targets(current_user, course_id)
    lang = i18n.current_language()
    form.target.choices = [
        (
            f"cohort-{c.id}",
            _("Cohort %(name)s", name=i18n.pick_text(c.name, [lang, "en", "ar", "fr"])[0] or c.key),
        )
        for c in cohorts
    ] + [
        (
            f"enrolment-{row.id}",
            _(
                "%(name)s (cohort %(cohort)s)",
                name=row.name_latin or row.name_ar or row.email,
                cohort=row[4],
            ),
        )
        for row in learners
    ]


def _local(value: dt.datetime | None) -> dt.datetime | None:
    """A naive date and time typed in the viewer's time zone, as an aware instant."""
    if value is None:
        return None
    return value.replace(tzinfo=i18n.current_zone()).astimezone(dt.UTC)


def _overrides_page(ctx: dict, form: PolicyOverrideForm, status: int = 200):
    overrides = scoping.quiz_policy_overrides(current_user, ctx["course"].id, ctx["quiz"].id)
    return render_template(
        "results/overrides.html",
        **ctx,
        form=form,
        overrides=overrides,
        remove_form=RemoveOverrideForm(prefix="remove"),
    ), status


@bp.route("/quizzes/<quiz_key>/overrides", methods=["GET", "POST"])
@policy_setters_only
def overrides(course_id: int, quiz_key: str):
    ctx = _context(course_id, quiz_key)
    if not ctx["can_set_policy"]:
        abort(404)
    form = PolicyOverrideForm()
    _override_targets(ctx["course"].id, form)
    if request.method == "GET":
        return _overrides_page(ctx, form)
    if not form.validate_on_submit():
        return _overrides_page(ctx, form, 422)
    kind, _sep, raw_id = form.target.data.partition("-")
    target = {}
    if kind == "cohort":
        target["cohort_id"] = scoping.policy_cohort_or_404(
            current_user, ctx["course"].id, int(raw_id)
        ).id
    else:
        target["enrolment"] = scoping.policy_enrolment_or_404(
            current_user, ctx["course"].id, int(raw_id)
        )
    with unit_of_work(status=422, quiet=True) as work:
        quiz_policy.set_override(
            current_user,
            ctx["quiz"].id,
            **target,
            opens_at=_local(form.opens_at.data),
            closes_at=_local(form.closes_at.data),
            extra_minutes=form.extra_minutes.data or 0,
            extra_attempts=form.extra_attempts.data or 0,
            reason=form.reason.data or "",
        )
    if work.refused:
        form.target.errors = [work.error.message]
        _override_targets(ctx["course"].id, form)
        return _overrides_page(ctx, form, work.status)
    flash(_("The override is saved. It applies to attempts started from now on."), "success")
    return redirect(_quiz_url("results.overrides", ctx))


@bp.post("/quizzes/<quiz_key>/overrides/<int:override_id>/remove")
@policy_setters_only
def remove_override(course_id: int, quiz_key: str, override_id: int):
    ctx = _context(course_id, quiz_key)
    override = scoping.policy_override_or_404(
        current_user, ctx["course"].id, ctx["quiz"].id, override_id
    )
    form = RemoveOverrideForm(prefix="remove")
    if not form.validate_on_submit():
        flash(_("The form has expired. Nothing was removed; try again."), "error")
        return redirect(_quiz_url("results.overrides", ctx)), 303
    with unit_of_work(quiet=True) as work:
        quiz_policy.remove_override(current_user, override)
    if work.refused:  # as before, a refusal here is unexpected: the error handlers answer it
        raise work.error
    flash(_("The override is removed."), "success")
    return redirect(_quiz_url("results.overrides", ctx))


# --- the essay grading queue -----------------------------------------------------------------


@bp.get("/grading")
@teachers_only
def grading_queue(course_id: int):
    course = scoping.grading_course_or_404(current_user, course_id)
    page = paginate(scoping.awaiting_grading(current_user, course.id), per_page=50)
    keys = results.quiz_keys({a.quiz_id for a in page.items})
    essays = scoping.ungraded_essays(current_user, course.id, [a.id for a in page.items])
    return render_template(
        "results/grading.html",
        course=course,
        page=page,
        keys=keys,
        essays=essays,
        read=Reader(course),
    )
