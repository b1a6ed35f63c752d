"""Grading without friction (issue 20), the parts with routes of their own: releasing many
held quiz grades at once (``/teach/courses/<id>/quizzes/<key>/held``), chosen one by one or
all those held in a cohort, in one unit of work; and the helpers assignment_views uses to
place a submission in the grader's queue (previous, next, "return and grade the next").

Every lookup goes through security.scoping (grading scope): a held grade of a learner the
viewer does not grade cannot be chosen, and asking for it refuses the whole request (422,
nothing released)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField

from diplolearn.models import SubmissionState
from diplolearn.security.scoping import grading_flow as flow_scope
from diplolearn.services.assessment import NotReleasable, grading_flow
from diplolearn.teach import bp
from diplolearn.teach.results_views import quiz_context, quiz_url
from diplolearn.teach.views import teachers_only
from diplolearn.unit_of_work import unit_of_work

QUEUES = {"waiting": SubmissionState.SUBMITTED, "returned": SubmissionState.RETURNED}


# --- a submission's place in the queue ------------------------------------------------------


def queue_name() -> str:
    """The queue the grader came from (``?queue=``): waiting (default) or returned."""
    name = request.args.get("queue", "waiting")
    return name if name in QUEUES else "waiting"


def queue_context(course_id: int, submission) -> dict:
    """What the grading page shows to move along the queue: the queue's name, the submission's
    place in it (previous/next ids, position, length)."""
    name = queue_name()
    place = flow_scope.queue_place(current_user, course_id, submission, QUEUES[name])
    return {"queue": name, "place": place}


def next_ungraded_url(course_id: int, submission) -> str | None:
    next_id = flow_scope.next_ungraded_id(current_user, course_id, submission)
    if next_id is None:
        return None
    return url_for("teach.show_submission", course_id=course_id, submission_id=next_id)


def foreign_criteria(formdata, revision) -> dict[int, str]:
    """Criterion ids named in the posted form (``criterion-<id>``, ``comment-<id>``) that are
    not in this rubric, so that the grading service refuses them (UnknownCriterion)."""
    known = {criterion.id for criterion in revision.criteria}
    foreign = {}
    for key in formdata:
        prefix, _sep, number = key.partition("-")
        if prefix not in ("criterion", "comment") or not number:
            continue
        criterion_id = int(number) if number.isdigit() else -1
        if criterion_id not in known:
            foreign[criterion_id] = ""
    return foreign


# --- releasing many held quiz grades ---------------------------------------------------------


class ReleaseManyForm(FlaskForm):
    cohort = SelectField(_l("Cohort"), coerce=int)
    release_chosen = SubmitField(_l("Release the chosen grades"))
    release_cohort = SubmitField(_l("Release every held grade of the chosen cohort"))


def _form(held, formdata=None) -> ReleaseManyForm:
    form = ReleaseManyForm(formdata=formdata)
    cohorts = {a.enrolment.cohort.id: a.enrolment.cohort for a in held}
    form.cohort.choices = [(0, _("Every cohort"))] + [(c.id, c.key) for c in cohorts.values()]
    return form


def _held_page(ctx, held, form, error=None, status=200):
    return render_template(
        "teach/results/held.html", **ctx, held=held, form=form, error=error
    ), status


@bp.get("/courses/<int:course_id>/quizzes/<quiz_key>/held")
@teachers_only
def show_held_grades(course_id: int, quiz_key: str):
    ctx = quiz_context(course_id, quiz_key)
    held = flow_scope.held_attempts(current_user, ctx["course"].id, ctx["quiz"].id)
    return _held_page(ctx, held, _form(held))


@bp.post("/courses/<int:course_id>/quizzes/<quiz_key>/held")
@teachers_only
def release_held_grades(course_id: int, quiz_key: str):
    ctx = quiz_context(course_id, quiz_key)
    held = flow_scope.held_attempts(current_user, ctx["course"].id, ctx["quiz"].id)
    form = _form(held, request.form)
    if not form.validate_on_submit():
        return _held_page(ctx, held, form, error=str(NotReleasable.message), status=422)
    raw = request.form.getlist("attempt")
    if form.release_cohort.data:
        chosen = [a.id for a in held if form.cohort.data in (0, a.enrolment.cohort_id)]
    elif all(value.isdigit() for value in raw):
        chosen = [int(value) for value in raw]
    else:
        chosen = [-1]  # not an attempt: refused below like any id out of reach
    with unit_of_work(status=422, quiet=True) as work:
        if not chosen:
            raise NotReleasable(_("Choose at least one grade to release. Nothing was released."))
        title = ctx["revision"].title if ctx["revision"] else {"en": ctx["quiz"].key}
        released = grading_flow.release_many(current_user, chosen, held, title)
    if work.refused:
        return _held_page(ctx, held, form, error=work.error.message, status=work.status)
    flash(
        ngettext(
            "%(num)d grade released: the learner sees it now and is told by mail.",
            "%(num)d grades released: the learners see them now and are told by mail.",
            released,
        ),
        "success",
    )
    return redirect(quiz_url("teach.show_held_grades", ctx)), 303
