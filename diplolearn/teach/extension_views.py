"""Bending deadlines (issue 14), for a learner's tutor and the cohort's lead instructors: the
extension requests to decide (grant with a new date, refuse with a reason, or excuse the item),
excusals, more time for a whole tutor group, and the cohort's late rules. Requests, learners
and groups load through security.scoping.deadlines: outside one's groups and cohorts, a 404
and nothing changed."""

from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from diplolearn.learner.pages import Reader
from diplolearn.models import Role, utcnow
from diplolearn.security.permissions import role_required
from diplolearn.security.scoping import (
    decidable_extension_request_or_404,
    extendable_group_or_404,
    followed_enrolment_or_404,
    managed_cohort_or_404,
    own_excusals,
    pending_extension_requests,
    taught_cohort_or_404,
    tracked_groups,
)
from diplolearn.services import deadlines
from diplolearn.services import progress as progress_service
from diplolearn.services.catalogue.outline import load_outlines
from diplolearn.services.cohorts.schedule import cohort_assignments
from diplolearn.services.cohorts.times import to_local, to_utc
from diplolearn.services.deadlines import AlreadyDecided, NotYourLearner, UnknownItem
from diplolearn.teach import bp
from diplolearn.teach.extension_forms import (
    ExcuseForm,
    GrantForm,
    GroupExtensionForm,
    LateRuleForm,
    RefuseForm,
)
from diplolearn.templating import text_of
from diplolearn.unit_of_work import unit_of_work

COHORT_WIDE = "*"  # the late rule's target meaning all of the cohort's written work
deciders_only = role_required(Role.ADMINISTRATOR, Role.INSTRUCTOR, Role.LEAD_INSTRUCTOR, Role.TUTOR)


def _status(error) -> int:
    if isinstance(error, NotYourLearner):
        return 403
    if isinstance(error, (AlreadyDecided, deadlines.AlreadyExcused)):
        return 409
    return 422


def _excuse_choices(progress, read) -> list[tuple[str, str]]:
    return [
        (
            f"{item.node.kind}:{item.node.key}",
            _("Module %(number)d", number=module.node.number) + ": " + read(item.node.title)[0],
        )
        for module, item in deadlines.excusable_items(progress)
    ]


# --- the requests to decide --------------------------------------------------------------------


@bp.get("/extension-requests")
@deciders_only
def list_extension_requests():
    requests = pending_extension_requests(current_user)
    titles = {}
    for request in requests:
        enrolment = request.enrolment
        if enrolment.id not in titles:
            titles[enrolment.id] = deadlines.item_titles(enrolment)
    return render_template(
        "teach/deadlines/requests.html", requests=requests, titles=titles, text_of=text_of
    )


def _request_page(request, grant=None, refuse=None, excuse=None, status: int = 200, error=None):
    enrolment = request.enrolment
    cohort = enrolment.cohort
    read = Reader(cohort.course)
    try:
        item = deadlines.item_dates(enrolment, request.item_kind, request.item_key)
    except UnknownItem:
        item = None
    if grant is None:
        base = request.wanted_due_at or (
            max(item.closes_at or item.due_at or utcnow(), utcnow()) + dt.timedelta(days=7)
            if item is not None
            else utcnow() + dt.timedelta(days=7)
        )
        grant = GrantForm(prefix="grant", data={"due_at": to_local(base, cohort.timezone)})
    grant.due_at.description = _("In the cohort's time zone (%(zone)s).", zone=cohort.timezone)
    refuse = refuse or RefuseForm(prefix="refuse")
    excuse = excuse or ExcuseForm(prefix="excuse")
    excuse.item.choices = (
        [(f"{request.item_kind}:{request.item_key}", read(item.title)[0])]
        if (item is not None and request.item_kind != "module")
        else []
    )
    return render_template(
        "teach/deadlines/request.html",
        request_=request,
        enrolment=enrolment,
        item=item,
        grant=grant,
        refuse=refuse,
        excuse=excuse,
        read=read,
        text_of=text_of,
        error=error,
    ), status


@bp.get("/extension-requests/<int:request_id>")
@deciders_only
def show_extension_request(request_id: int):
    return _request_page(decidable_extension_request_or_404(current_user, request_id))


@bp.post("/extension-requests/<int:request_id>/grant")
@deciders_only
def grant_extension_request(request_id: int):
    request = decidable_extension_request_or_404(current_user, request_id)
    form = GrantForm(prefix="grant")
    if not form.validate_on_submit():
        return _request_page(request, grant=form, status=422)
    with unit_of_work(quiet=True) as work:
        due_at = to_utc(form.due_at.data, request.enrolment.cohort.timezone)
        deadlines.grant_request(request, current_user, due_at, form.note.data or "", utcnow())
    if work.refused:
        form.due_at.errors = [*form.due_at.errors, work.error.message]
        request = decidable_extension_request_or_404(current_user, request_id)
        return _request_page(
            request, grant=form, status=_status(work.error), error=work.error.message
        )
    flash(_("More time is granted. The learner is told and sees the new date."), "success")
    return redirect(url_for("teach.list_extension_requests"))


@bp.post("/extension-requests/<int:request_id>/refuse")
@deciders_only
def refuse_extension_request(request_id: int):
    request = decidable_extension_request_or_404(current_user, request_id)
    form = RefuseForm(prefix="refuse")
    if not form.validate_on_submit():
        return _request_page(request, refuse=form, status=422)
    with unit_of_work(quiet=True) as work:
        deadlines.refuse_request(request, current_user, form.note.data or "", utcnow())
    if work.refused:
        form.note.errors = [*form.note.errors, work.error.message]
        request = decidable_extension_request_or_404(current_user, request_id)
        return _request_page(
            request, refuse=form, status=_status(work.error), error=work.error.message
        )
    flash(_("The request is refused. The learner is told, with your reason."), "success")
    return redirect(url_for("teach.list_extension_requests"))


@bp.post("/extension-requests/<int:request_id>/excuse")
@deciders_only
def excuse_from_request(request_id: int):
    request = decidable_extension_request_or_404(current_user, request_id)
    form = ExcuseForm(prefix="excuse")
    form.item.choices = [(f"{request.item_kind}:{request.item_key}", request.item_key)]
    if request.item_kind == "module" or request.state != "pending":
        abort(409)
    if not form.validate_on_submit():
        return _request_page(request, excuse=form, status=422)
    with unit_of_work(quiet=True) as work:
        deadlines.excuse(
            request.enrolment,
            request.item_kind,
            request.item_key,
            form.reason.data or "",
            current_user,
            utcnow(),
        )
    if work.refused:
        form.reason.errors = [*form.reason.errors, work.error.message]
        request = decidable_extension_request_or_404(current_user, request_id)
        return _request_page(
            request, excuse=form, status=_status(work.error), error=work.error.message
        )
    flash(_("The learner is excused from this item. Their module completes without it."), "success")
    return redirect(url_for("teach.list_extension_requests"))


# --- excusals of one learner -------------------------------------------------------------------


def _excusals_page(enrolment, form=None, status: int = 200):
    read = Reader(enrolment.cohort.course)
    form = form or ExcuseForm(prefix="excuse")
    form.item.choices = _excuse_choices(progress_service.course_progress(enrolment), read)
    return render_template(
        "teach/deadlines/excusals.html",
        enrolment=enrolment,
        excusals=own_excusals(enrolment),
        titles=deadlines.item_titles(enrolment),
        form=form,
        read=read,
        text_of=text_of,
    ), status


@bp.get("/learners/<int:enrolment_id>/excusals")
@deciders_only
def show_excusals(enrolment_id: int):
    return _excusals_page(followed_enrolment_or_404(current_user, enrolment_id))


@bp.post("/learners/<int:enrolment_id>/excusals")
@deciders_only
def create_excusal(enrolment_id: int):
    enrolment = followed_enrolment_or_404(current_user, enrolment_id)
    read = Reader(enrolment.cohort.course)
    form = ExcuseForm(prefix="excuse")
    form.item.choices = _excuse_choices(progress_service.course_progress(enrolment), read)
    if not form.validate_on_submit():
        return _excusals_page(enrolment, form, 422)
    kind, _sep, key = form.item.data.partition(":")
    with unit_of_work(quiet=True) as work:
        deadlines.excuse(enrolment, kind, key, form.reason.data or "", current_user, utcnow())
    if work.refused:
        form.reason.errors = [*form.reason.errors, work.error.message]
        enrolment = followed_enrolment_or_404(current_user, enrolment_id)
        return _excusals_page(enrolment, form, _status(work.error))
    flash(_("The learner is excused from this item. Their module completes without it."), "success")
    return redirect(url_for("teach.show_excusals", enrolment_id=enrolment.id))


# --- more time for a whole group ---------------------------------------------------------------


def _group_choices(cohort, read) -> list[tuple[str, str]]:
    version = cohort.course_version_id
    outline = load_outlines([version]).get(version) if version else None
    choices = []
    for module in outline.modules if outline else []:
        number = _("Module %(number)d", number=module.number)
        choices.append((f"module:{module.key}", f"{number}: {read(module.title)[0]}"))
        for node in [*module.quizzes, *module.assignments]:
            choices.append((f"{node.kind}:{node.key}", f"{number} · {read(node.title)[0]}"))
    return choices


def _group_page(group, form=None, status: int = 200):
    cohort = group.cohort
    read = Reader(cohort.course)
    form = form or GroupExtensionForm()
    form.item.choices = _group_choices(cohort, read)
    form.due_at.description = _("In the cohort's time zone (%(zone)s).", zone=cohort.timezone)
    return render_template(
        "teach/deadlines/group.html", group=group, cohort=cohort, form=form, text_of=text_of
    ), status


@bp.get("/groups/<int:group_id>/more-time")
@deciders_only
def extend_group(group_id: int):
    return _group_page(extendable_group_or_404(current_user, group_id))


@bp.post("/groups/<int:group_id>/more-time")
@deciders_only
def save_group_extension(group_id: int):
    group = extendable_group_or_404(current_user, group_id)
    form = GroupExtensionForm()
    form.item.choices = _group_choices(group.cohort, Reader(group.cohort.course))
    if not form.validate_on_submit():
        return _group_page(group, form, 422)
    kind, _sep, key = form.item.data.partition(":")
    with unit_of_work(quiet=True) as work:
        moved = deadlines.extend_group(
            group,
            kind,
            key,
            to_utc(form.due_at.data, group.cohort.timezone),
            form.reason.data or "",
            current_user,
            utcnow(),
        )
    if work.refused:
        form.due_at.errors = [*form.due_at.errors, work.error.message]
        return _group_page(
            extendable_group_or_404(current_user, group_id), form, _status(work.error)
        )
    flash(
        ngettext(
            "%(num)d learner of the group has more time.",
            "%(num)d learners of the group have more time.",
            moved,
        ),
        "success",
    )
    return redirect(url_for("teach.extend_group", group_id=group.id))


# --- the cohort's late rules -------------------------------------------------------------------


def _late_rules_page(access, form=None, status: int = 200):
    cohort = access.cohort
    assignments = [
        (revision.assignment.key, text_of(revision.title))
        for revision, _module, _deadline in cohort_assignments(cohort)
    ]
    form = form or LateRuleForm()
    form.target.choices = [(COHORT_WIDE, _("All written work of the cohort")), *assignments]
    return render_template(
        "teach/deadlines/late_rules.html",
        access=access,
        cohort=cohort,
        tab="late_rules",
        rules=deadlines.late_rules_of(cohort),
        groups=tracked_groups(current_user, cohort),
        assignments=assignments,
        form=form,
        text_of=text_of,
    ), status


@bp.get("/cohorts/<int:cohort_id>/late-rules")
@deciders_only
def late_rules(cohort_id: int):
    return _late_rules_page(taught_cohort_or_404(current_user, cohort_id))


@bp.post("/cohorts/<int:cohort_id>/late-rules")
@deciders_only
def save_late_rule(cohort_id: int):
    access = managed_cohort_or_404(current_user, cohort_id)
    form = LateRuleForm()
    form.target.choices = [
        (COHORT_WIDE, ""),
        *((revision.assignment.key, "") for revision, _m, _d in cohort_assignments(access.cohort)),
    ]
    if not form.validate_on_submit():
        return _late_rules_page(access, form, 422)
    with unit_of_work(quiet=True) as work:
        deadlines.apply_late_rule(
            access.cohort,
            current_user,
            "" if form.target.data == COHORT_WIDE else form.target.data,
            form.mode.data,
            form.days.data,
        )
    if work.refused:
        form.days.errors = [*form.days.errors, work.error.message]
        return _late_rules_page(managed_cohort_or_404(current_user, cohort_id), form, 422)
    flash(_("The late rule is saved."), "success")
    return redirect(url_for("teach.late_rules", cohort_id=cohort_id))
