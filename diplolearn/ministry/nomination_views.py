"""A coordinator's seats in cohorts (``/ministry/<id>/cohorts``): nominate their current staff
into the ministry's seats, replace a nominee before the cohort starts, withdraw one.

Every lookup intersects the
ministry in the URL with the viewer's coordinator grants (security.scoping): another
ministry's cohorts, enrolments and staff are 404s. A coordinator sees only the enrolments
their ministry sponsors, never who else is in the cohort.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from diplolearn.ministry import bp
from diplolearn.ministry.forms import PersonForm, WithdrawNomineeForm
from diplolearn.models import EnrolmentState, Role
from diplolearn.models.states import SEAT_HOLDING
from diplolearn.security.permissions import role_required
from diplolearn.security.scoping import (
    coordinated_ministry_or_404,
    current_membership_or_404,
    ministry_staff,
    nominated_enrolment_or_404,
    nominated_in_cohorts,
    nominated_list,
    nomination_cohort_or_404,
    nomination_cohort_rows,
)
from diplolearn.services import deadlines
from diplolearn.services.cohorts import cohorts as service
from diplolearn.unit_of_work import unit_of_work

coordinators_only = role_required(Role.COORDINATOR)


@bp.get("/<int:ministry_id>/cohorts")
@coordinators_only
def list_cohorts(ministry_id: int):
    ministry = coordinated_ministry_or_404(current_user, ministry_id)
    rows = nomination_cohort_rows(current_user, ministry.id)
    held: dict = {}
    waiting: dict = {}
    for enrolment in nominated_in_cohorts(
        current_user, ministry.id, [cohort.id for cohort, _allotment in rows]
    ):
        if enrolment.state in SEAT_HOLDING:
            held[enrolment.cohort_id] = held.get(enrolment.cohort_id, 0) + 1
        elif enrolment.state == EnrolmentState.WAITLISTED:
            waiting[enrolment.cohort_id] = waiting.get(enrolment.cohort_id, 0) + 1
    return render_template(
        "ministry/nominations/cohorts.html",
        ministry=ministry,
        rows=rows,
        held=held,
        waiting=waiting,
    )


def _staff_choices(ministry, exclude_user_ids):
    return [
        (str(m.user_id), m.user.display_name)
        for m in ministry_staff(current_user, ministry.id)
        if m.user_id not in exclude_user_ids and m.user.is_active
    ]


def _cohort_page(ministry, cohort, allotment, form=None, status=200):
    enrolments = nominated_list(current_user, ministry.id, cohort.id)
    engaged = {e.user_id for e in enrolments if e.state != EnrolmentState.WITHDRAWN}
    queue = service.waiting_list(cohort.id)  # positions in the cohort's whole queue
    positions = {
        e.id: service.waiting_position(e, queue)
        for e in enrolments
        if e.state == EnrolmentState.WAITLISTED
    }
    if form is None:
        form = PersonForm(prefix="nominate")
        form.person.choices = _staff_choices(ministry, engaged)
    substitute_choices = _staff_choices(ministry, engaged)
    substitute_forms = {}
    if service.substitution_open(cohort):
        for enrolment in enrolments:
            if enrolment.state in (EnrolmentState.INVITED, EnrolmentState.WAITLISTED):
                sub = PersonForm(prefix=f"substitute-{enrolment.id}")
                sub.person.choices = substitute_choices
                sub.person.label.text = _l("Replace with")
                sub.submit.label.text = _l("Replace")
                substitute_forms[enrolment.id] = sub
    held = sum(1 for e in enrolments if e.state in SEAT_HOLDING)
    return render_template(
        "ministry/nominations/cohort.html",
        ministry=ministry,
        cohort=cohort,
        allotment=allotment,
        enrolments=enrolments,
        positions=positions,
        form=form,
        held=held,
        substitute_forms=substitute_forms,
        withdraw_form=WithdrawNomineeForm(),
        open_for_nominations=service.nominations_open(cohort),
        catch_up=deadlines.catch_up_dates(cohort),  # issue 14: joining a running cohort
    ), status


@bp.get("/<int:ministry_id>/cohorts/<int:cohort_id>")
@coordinators_only
def show_cohort(ministry_id: int, cohort_id: int):
    ministry = coordinated_ministry_or_404(current_user, ministry_id)
    cohort, allotment = nomination_cohort_or_404(current_user, ministry.id, cohort_id)
    return _cohort_page(ministry, cohort, allotment)


@bp.post("/<int:ministry_id>/cohorts/<int:cohort_id>/nominations")
@coordinators_only
def nominate_person(ministry_id: int, cohort_id: int):
    ministry = coordinated_ministry_or_404(current_user, ministry_id)
    cohort, allotment = nomination_cohort_or_404(current_user, ministry.id, cohort_id)
    form = PersonForm(prefix="nominate")
    form.person.choices = _staff_choices(ministry, set())
    if not form.validate_on_submit():
        return _cohort_page(ministry, cohort, allotment, form, 422)
    person = current_membership_or_404(current_user, ministry.id, int(form.person.data)).user
    with unit_of_work() as work:
        enrolment = service.nominate(cohort, ministry, person, by=current_user)
        state = enrolment.state
        if state != EnrolmentState.WAITLISTED:  # issue 14: personal dates in a running cohort
            deadlines.apply_catch_up(enrolment, current_user)
    if work.refused:
        cohort, allotment = nomination_cohort_or_404(current_user, ministry.id, cohort_id)
        return _cohort_page(ministry, cohort, allotment, status=409)
    if state == EnrolmentState.WAITLISTED:
        flash(
            _(
                "Your ministry's seats are taken (or the cohort is full), so %(name)s is on "
                "the waiting list and gets the first place that comes free.",
                name=person.display_name,
            ),
            "info",
        )
    else:
        flash(_("%(name)s is nominated and enrolled.", name=person.display_name), "success")
    return redirect(url_for("ministry.show_cohort", ministry_id=ministry.id, cohort_id=cohort.id))


@bp.post("/<int:ministry_id>/cohorts/<int:cohort_id>/enrolments/<int:enrolment_id>/substitute")
@coordinators_only
def substitute_nominee(ministry_id: int, cohort_id: int, enrolment_id: int):
    ministry = coordinated_ministry_or_404(current_user, ministry_id)
    cohort, allotment = nomination_cohort_or_404(current_user, ministry.id, cohort_id)
    enrolment = nominated_enrolment_or_404(current_user, ministry.id, cohort.id, enrolment_id)
    form = PersonForm(prefix=f"substitute-{enrolment.id}")
    form.person.choices = _staff_choices(ministry, set())
    if not form.validate_on_submit():
        flash(_("Choose the staff member who takes the place."), "error")
        return _cohort_page(ministry, cohort, allotment, status=422)
    person = current_membership_or_404(current_user, ministry.id, int(form.person.data)).user
    with unit_of_work() as work:
        service.substitute(enrolment, person, by=current_user)
    if work.refused:
        cohort, allotment = nomination_cohort_or_404(current_user, ministry.id, cohort_id)
        return _cohort_page(ministry, cohort, allotment, status=409)
    flash(
        _(
            "%(name)s takes the place; the earlier nomination is withdrawn and kept in the "
            "history.",
            name=person.display_name,
        ),
        "success",
    )
    return redirect(url_for("ministry.show_cohort", ministry_id=ministry.id, cohort_id=cohort.id))


@bp.post("/<int:ministry_id>/cohorts/<int:cohort_id>/enrolments/<int:enrolment_id>/withdraw")
@coordinators_only
def withdraw_nominee(ministry_id: int, cohort_id: int, enrolment_id: int):
    ministry = coordinated_ministry_or_404(current_user, ministry_id)
    cohort, _allotment = nomination_cohort_or_404(current_user, ministry.id, cohort_id)
    enrolment = nominated_enrolment_or_404(current_user, ministry.id, cohort.id, enrolment_id)
    with unit_of_work() as work:
        service.withdraw(enrolment, by=current_user)
    if work.done:
        flash(_("The enrolment is withdrawn and its place is free again."), "success")
    return redirect(url_for("ministry.show_cohort", ministry_id=ministry_id, cohort_id=cohort_id))
