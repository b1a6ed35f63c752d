"""The teaching landing page, new cohorts, and a cohort's overview, settings, schedule and
completion rules."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from diplolearn import i18n
from diplolearn.models import Role
from diplolearn.security.permissions import role_required
from diplolearn.security.scoping import (
    cohort_tallies,
    managed_cohort_or_404,
    taught_cohort_or_404,
    taught_cohorts_with_places,
    taught_course_or_404,
    taught_courses,
)
from diplolearn.services.cohorts import cohorts as service
from diplolearn.teach import bp
from diplolearn.teach.forms import CohortForm, deadlines_form, rules_form, schedule_form
from diplolearn.templating import text_of
from diplolearn.unit_of_work import unit_of_work

teachers_only = role_required(Role.ADMINISTRATOR, Role.INSTRUCTOR, Role.LEAD_INSTRUCTOR, Role.TUTOR)


@bp.get("/")
@teachers_only
def index():
    cohorts, counts = taught_cohorts_with_places(current_user)
    return render_template(
        "teach/index.html", courses=taught_courses(current_user), cohorts=cohorts, counts=counts
    )


@bp.route("/courses/<int:course_id>/cohorts/new", methods=["GET", "POST"])
@teachers_only
def new_cohort(course_id: int):
    course = taught_course_or_404(current_user, course_id)
    form = CohortForm(data={"timezone": i18n.valid_timezone(current_user.timezone)})
    if form.validate_on_submit():
        with unit_of_work() as work:
            zone = form.timezone.data
            cohort = service.create_cohort(
                course,
                name=form.names(),
                timezone=zone,
                starts_at=service.to_utc(form.starts_at.data, zone),
                ends_at=service.to_utc(form.ends_at.data, zone),
                capacity=form.capacity.data,
                at_risk_inactive_days=form.at_risk_inactive_days.data,
                by=current_user,
            )
        if work.refused:
            course = taught_course_or_404(current_user, course_id)
            return render_template("teach/new_cohort.html", course=course, form=form), 409
        flash(_("The cohort is created, and you are its lead instructor."), "success")
        return redirect(url_for("teach.show_cohort", cohort_id=cohort.id))
    status = 422 if form.errors else 200
    return render_template("teach/new_cohort.html", course=course, form=form), status


def _overview(access, form=None, status=200):
    cohort = access.cohort
    if form is None and access.manages:
        zone = cohort.timezone
        form = CohortForm(
            data={
                "name_en": cohort.name.get("en", ""),
                "name_fr": cohort.name.get("fr", ""),
                "name_ar": cohort.name.get("ar", ""),
                "timezone": zone,
                "starts_at": service.to_local(cohort.starts_at, zone),
                "ends_at": service.to_local(cohort.ends_at, zone),
                "capacity": cohort.capacity,
                "at_risk_inactive_days": cohort.at_risk_inactive_days,
            }
        )
    taken = service.places_taken(cohort.id)
    waiting, groups = cohort_tallies(access)
    return render_template(
        "teach/cohort.html",
        access=access,
        cohort=cohort,
        form=form,
        taken=sum(taken.values()),
        waiting=waiting,
        groups=groups,
        tab="overview",
    ), status


@bp.get("/cohorts/<int:cohort_id>")
@teachers_only
def show_cohort(cohort_id: int):
    return _overview(taught_cohort_or_404(current_user, cohort_id))


@bp.post("/cohorts/<int:cohort_id>")
@teachers_only
def update_cohort(cohort_id: int):
    access = managed_cohort_or_404(current_user, cohort_id)
    form = CohortForm()
    if not form.validate_on_submit():
        return _overview(access, form, 422)
    with unit_of_work() as work:
        zone = form.timezone.data
        service.update_cohort(
            access.cohort,
            name=form.names(),
            timezone=zone,
            starts_at=service.to_utc(form.starts_at.data, zone),
            ends_at=service.to_utc(form.ends_at.data, zone),
            capacity=form.capacity.data,
            at_risk_inactive_days=form.at_risk_inactive_days.data,
            by=current_user,
        )
    if work.refused:
        return _overview(managed_cohort_or_404(current_user, cohort_id), form, 409)
    flash(_("The cohort's settings are saved."), "success")
    return redirect(url_for("teach.show_cohort", cohort_id=cohort_id))


# --- schedule ----------------------------------------------------------------------------------


def _modules(cohort):
    return [
        (module, text_of(revision.title)) for module, revision in service.cohort_modules(cohort)
    ]


def _schedule_page(access, form=None, status=200):
    cohort = access.cohort
    modules = _modules(cohort)
    schedules = {s.module_id: s for s in service.module_schedules(cohort.id)}
    if form is None:
        data = {}
        for module, _title in modules:
            schedule = schedules.get(module.id)
            if schedule is not None:
                data[f"opens_{module.id}"] = service.to_local(schedule.opens_at, cohort.timezone)
                data[f"due_{module.id}"] = service.to_local(schedule.due_at, cohort.timezone)
        form = schedule_form(modules, data=data)
    rows = [
        (
            module,
            title,
            form[f"opens_{module.id}"],
            form[f"due_{module.id}"],
            schedules.get(module.id),
        )
        for module, title in modules
    ]
    return render_template(
        "teach/schedule.html", access=access, cohort=cohort, form=form, rows=rows, tab="schedule"
    ), status


@bp.get("/cohorts/<int:cohort_id>/schedule")
@teachers_only
def show_schedule(cohort_id: int):
    return _schedule_page(taught_cohort_or_404(current_user, cohort_id))


@bp.post("/cohorts/<int:cohort_id>/schedule")
@teachers_only
def update_schedule(cohort_id: int):
    access = managed_cohort_or_404(current_user, cohort_id)
    modules = _modules(access.cohort)
    form = schedule_form(modules)
    if not form.validate_on_submit():
        return _schedule_page(access, form, 422)
    times = {
        module.id: (form[f"opens_{module.id}"].data, form[f"due_{module.id}"].data)
        for module, _title in modules
    }
    with unit_of_work() as work:
        service.set_schedule(access.cohort, times, by=current_user)
    if work.refused:
        return _schedule_page(managed_cohort_or_404(current_user, cohort_id), form, 409)
    flash(_("The schedule is saved. Learners see each module from its release time."), "success")
    return redirect(url_for("teach.show_schedule", cohort_id=cohort_id))


# --- written assignments' due dates ------------------------------------------------------------


def _deadlines_page(access, form=None, status=200):
    cohort = access.cohort
    assignments = service.cohort_assignments(cohort)
    choices = [
        (revision.assignment_id, text_of(revision.title))
        for revision, _module, _deadline in assignments
    ]
    if form is None:
        form = deadlines_form(
            choices,
            data={
                f"due_{revision.assignment_id}": service.to_local(deadline.due_at, cohort.timezone)
                for revision, _module, deadline in assignments
                if deadline is not None
            },
        )
    rows = [
        (
            title,
            text_of(module.title),
            form[f"due_{revision.assignment_id}"],
            deadline,
            revision.due_days,
        )
        for (revision, module, deadline), (_id, title) in zip(assignments, choices, strict=False)
    ]
    return render_template(
        "teach/deadlines.html", access=access, cohort=cohort, form=form, rows=rows, tab="deadlines"
    ), status


@bp.get("/cohorts/<int:cohort_id>/deadlines")
@teachers_only
def show_deadlines(cohort_id: int):
    return _deadlines_page(taught_cohort_or_404(current_user, cohort_id))


@bp.post("/cohorts/<int:cohort_id>/deadlines")
@teachers_only
def update_deadlines(cohort_id: int):
    access = managed_cohort_or_404(current_user, cohort_id)
    ids = [
        (revision.assignment_id, text_of(revision.title))
        for revision, _module, _deadline in service.cohort_assignments(access.cohort)
    ]
    form = deadlines_form(ids)
    if not form.validate_on_submit():
        return _deadlines_page(access, form, 422)
    with unit_of_work() as work:
        service.set_assignment_deadlines(
            access.cohort, {i: form[f"due_{i}"].data for i, _title in ids}, by=current_user
        )
    if work.refused:
        return _deadlines_page(managed_cohort_or_404(current_user, cohort_id), form, 409)
    flash(_("The due dates of the written assignments are saved."), "success")
    return redirect(url_for("teach.show_deadlines", cohort_id=cohort_id))


# --- completion rules --------------------------------------------------------------------------


def _rules_page(access, form=None, status=200):
    cohort = access.cohort
    pairs = service.cohort_modules(cohort)
    modules = [(module, text_of(revision.title)) for module, revision in pairs]
    rules = cohort.module_rules or {}
    if form is None:
        data = {}
        for module, revision in pairs:
            rule = rules.get(module.key, {})
            data[f"required_{module.id}"] = {True: "yes", False: "no"}.get(rule.get("required"), "")
            data[f"prerequisites_{module.id}"] = list(
                rule.get("prerequisites", revision.prerequisites or [])
            )
            data[f"annotations_{module.id}"] = rule.get("annotations")
        form = rules_form(modules, data=data)
    rows = [
        (
            module,
            title,
            revision,
            form[f"required_{module.id}"],
            form[f"prerequisites_{module.id}"],
            rules.get(module.key, {}),
        )
        for (module, title), (_m, revision) in zip(modules, pairs, strict=True)
    ]
    return render_template(
        "teach/rules.html", access=access, cohort=cohort, form=form, rows=rows, tab="rules"
    ), status


@bp.get("/cohorts/<int:cohort_id>/rules")
@teachers_only
def show_rules(cohort_id: int):
    return _rules_page(taught_cohort_or_404(current_user, cohort_id))


@bp.post("/cohorts/<int:cohort_id>/rules")
@teachers_only
def update_rules(cohort_id: int):
    access = managed_cohort_or_404(current_user, cohort_id)
    modules = _modules(access.cohort)
    form = rules_form(modules)
    if not form.validate_on_submit():
        return _rules_page(access, form, 422)
    rules = {}
    for module, _title in modules:
        required = form[f"required_{module.id}"].data
        rules[module.key] = {
            "required": {"yes": True, "no": False}.get(required),
            "prerequisites": form[f"prerequisites_{module.id}"].data or [],
            "annotations": form[f"annotations_{module.id}"].data,
        }
    with unit_of_work() as work:
        service.set_module_rules(access.cohort, rules, by=current_user)
    if work.refused:
        return _rules_page(managed_cohort_or_404(current_user, cohort_id), form, 409)
    flash(_("The completion rules are saved."), "success")
    return redirect(url_for("teach.show_rules", cohort_id=cohort_id))
