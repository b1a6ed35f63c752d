"""Regrading a quiz's attempts against a corrected question version (for administrators and the
course's instructors), and the quiz's policy overrides per cohort and per learner (dates, extra
time and attempts). Both under ``/teach/courses/<id>/quizzes/<key>/``; the quiz loads through
``quiz_context`` of results_views, the cohorts and learners through security.scoping."""

from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from diplolearn import i18n
from diplolearn.models import Role
from diplolearn.security import scoping
from diplolearn.security.permissions import role_required
from diplolearn.services.assessment import quiz_policy, regrading
from diplolearn.services.errors import DomainError
from diplolearn.teach import bp
from diplolearn.teach.results_forms import PolicyOverrideForm, RegradeForm, RemoveOverrideForm
from diplolearn.teach.results_views import quiz_context, quiz_url
from diplolearn.unit_of_work import unit_of_work

policy_setters_only = role_required(Role.ADMINISTRATOR, Role.INSTRUCTOR, Role.LEAD_INSTRUCTOR)
regraders_only = role_required(Role.ADMINISTRATOR, Role.INSTRUCTOR)


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


@bp.route("/courses/<int:course_id>/quizzes/<quiz_key>/regrade", methods=["GET", "POST"])
@regraders_only
def regrade_quiz(course_id: int, quiz_key: str):
    ctx = quiz_context(course_id, quiz_key)
    if not ctx["can_regrade"]:
        abort(404)
    form = RegradeForm()
    options = _regrade_choices(ctx, form)
    if request.method == "GET":
        form.attempts.data = [a.id for a in options["attempts"]]
        return render_template("teach/results/regrade.html", **ctx, form=form, rows=None, **options)
    if not form.validate_on_submit():
        return render_template(
            "teach/results/regrade.html", **ctx, form=form, rows=None, **options
        ), 422
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
        return render_template(
            "teach/results/regrade.html", **ctx, form=form, rows=None, **options
        ), 422

    if not apply:
        # A preview changes nothing, so it runs outside any unit of work and is never
        # committed: the request's teardown rolls back whatever it read.
        try:
            rows = regrade_chosen()
        except DomainError as error:
            return regrade_refused(error)
        form.step.data = "confirm"
        return render_template(
            "teach/results/regrade.html",
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
    return redirect(quiz_url("teach.show_quiz", ctx))


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
        "teach/results/overrides.html",
        **ctx,
        form=form,
        overrides=overrides,
        remove_form=RemoveOverrideForm(prefix="remove"),
    ), status


@bp.route("/courses/<int:course_id>/quizzes/<quiz_key>/overrides", methods=["GET", "POST"])
@policy_setters_only
def edit_overrides(course_id: int, quiz_key: str):
    ctx = quiz_context(course_id, quiz_key)
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
    return redirect(quiz_url("teach.edit_overrides", ctx))


@bp.post("/courses/<int:course_id>/quizzes/<quiz_key>/overrides/<int:override_id>/remove")
@policy_setters_only
def remove_override(course_id: int, quiz_key: str, override_id: int):
    ctx = quiz_context(course_id, quiz_key)
    override = scoping.policy_override_or_404(
        current_user, ctx["course"].id, ctx["quiz"].id, override_id
    )
    form = RemoveOverrideForm(prefix="remove")
    if not form.validate_on_submit():
        flash(_("The form has expired. Nothing was removed; try again."), "error")
        return redirect(quiz_url("teach.edit_overrides", ctx)), 303
    with unit_of_work(quiet=True) as work:
        quiz_policy.remove_override(current_user, override)
    if work.refused:  # as before, a refusal here is unexpected: the error handlers answer it
        raise work.error
    flash(_("The override is removed."), "success")
    return redirect(quiz_url("teach.edit_overrides", ctx))
