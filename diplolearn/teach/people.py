"""A cohort's people: enrolments and waiting list, ministries' seats, tutor groups."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from diplolearn.courses.bidi import isolate
from diplolearn.models import EnrolmentState
from diplolearn.names import name_of
from diplolearn.pagination import paginate
from diplolearn.security.scoping import (
    account_by_email,
    allotted_ministries,
    cohort_enrolment_list,
    cohort_enrolment_or_404,
    cohort_group_list,
    cohort_group_or_404,
    managed_cohort_or_404,
    seat_ministries,
    seat_ministry_or_404,
    taught_cohort_or_404,
)
from diplolearn.services import deadlines
from diplolearn.services.cohorts import NoSuchAccount, tracking
from diplolearn.services.cohorts import cohorts as service
from diplolearn.teach import bp
from diplolearn.teach.forms import ConfirmForm, EnrolForm, GroupForm, MoveForm, SeatsForm, TutorForm
from diplolearn.teach.views import teachers_only
from diplolearn.templating import text_of
from diplolearn.unit_of_work import unit_of_work

NO_GROUP = _l("No group")


def _group_choices(access, none_label=NO_GROUP):
    # An option holds no markup: names from data are isolated with Unicode's isolates.
    return [("", none_label)] + [(str(g.id), isolate(g.name)) for g in cohort_group_list(access)]


# --- enrolments --------------------------------------------------------------------------------


ENROLMENTS_PAGE = 100  # enrolled people per page (the waiting list is shown whole)


def _enrolments_page(access, form=None, status=200):
    page = paginate(tracking.placed_enrolments(access), per_page=ENROLMENTS_PAGE)
    queue = tracking.waiting_enrolments(access)
    if form is None and access.manages:
        form = EnrolForm()
        form.group.choices = _group_choices(access)
    history = service.group_history([e.id for e in (*page.items, *queue)])
    return render_template(
        "teach/enrolments.html",
        access=access,
        cohort=access.cohort,
        form=form,
        page=page,
        queue=queue,
        history=history,
        withdraw_form=ConfirmForm(),
        tab="enrolments",
    ), status


@bp.get("/cohorts/<int:cohort_id>/enrolments")
@teachers_only
def list_enrolments(cohort_id: int):
    return _enrolments_page(taught_cohort_or_404(current_user, cohort_id))


@bp.post("/cohorts/<int:cohort_id>/enrolments")
@teachers_only
def enrol_person(cohort_id: int):
    access = managed_cohort_or_404(current_user, cohort_id)
    form = EnrolForm()
    form.group.choices = _group_choices(access)
    if not form.validate_on_submit():
        return _enrolments_page(access, form, 422)
    with unit_of_work() as work:
        person = account_by_email(current_user, form.email.data)
        if person is None:
            raise NoSuchAccount()
        group = cohort_group_or_404(access, int(form.group.data)) if form.group.data else None
        enrolment = service.enrol_by_instructor(
            access.cohort, person, by=current_user, tutor_group=group
        )
        if enrolment.state != EnrolmentState.WAITLISTED:  # issue 14: catch-up dates
            deadlines.apply_catch_up(enrolment, current_user)
    if work.refused:
        return _enrolments_page(managed_cohort_or_404(current_user, cohort_id), form, 409)
    if enrolment.state == EnrolmentState.WAITLISTED:
        flash(
            _(
                "There is no free place, so %(name)s is on the waiting list.",
                name=person.display_name,
            ),
            "info",
        )
    else:
        flash(_("%(name)s is enrolled.", name=person.display_name), "success")
    return redirect(url_for("teach.list_enrolments", cohort_id=cohort_id))


@bp.post("/cohorts/<int:cohort_id>/enrolments/<int:enrolment_id>/withdraw")
@teachers_only
def withdraw_enrolment(cohort_id: int, enrolment_id: int):
    access = managed_cohort_or_404(current_user, cohort_id)
    enrolment = cohort_enrolment_or_404(access, enrolment_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with unit_of_work() as work:
        promoted = service.withdraw(enrolment, by=current_user)
        names = ", ".join(e.user.display_name for e in promoted)
    if work.refused:
        return redirect(url_for("teach.list_enrolments", cohort_id=cohort_id))
    flash(_("The enrolment is withdrawn."), "success")
    if names:
        flash(
            _("The freed place went to the first on the waiting list: %(names)s.", names=names),
            "info",
        )
    return redirect(url_for("teach.list_enrolments", cohort_id=cohort_id))


# --- seats per ministry ------------------------------------------------------------------------


def _seats_page(access, form=None, status=200):
    cohort = access.cohort
    ministries = {m.id: m for m in seat_ministries(access)}
    if form is None:
        form = SeatsForm()
        form.ministry.choices = [(str(i), text_of(m.name)) for i, m in ministries.items()]
    seats = service.allotments(cohort.id)
    taken = service.places_taken(cohort.id)
    waiting: dict = {}
    for enrolment in service.waiting_list(cohort.id):
        waiting[enrolment.sponsor_ministry_id] = waiting.get(enrolment.sponsor_ministry_id, 0) + 1
    ids = {i for i in set(seats) | set(taken) if i is not None}
    named = allotted_ministries(access, ids)
    rows = sorted(
        ((named[i], seats.get(i), taken.get(i, 0), waiting.get(i, 0)) for i in named),
        key=lambda r: r[0].code,
    )
    return render_template(
        "teach/seats.html",
        access=access,
        cohort=cohort,
        form=form,
        rows=rows,
        unsponsored=taken.get(None, 0),
        allotted=sum(seats.values()),
        total=sum(taken.values()),
        tab="seats",
    ), status


@bp.get("/cohorts/<int:cohort_id>/seats")
@teachers_only
def show_seats(cohort_id: int):
    access = managed_cohort_or_404(current_user, cohort_id)
    return _seats_page(access)


@bp.post("/cohorts/<int:cohort_id>/seats")
@teachers_only
def update_seats(cohort_id: int):
    access = managed_cohort_or_404(current_user, cohort_id)
    form = SeatsForm()
    form.ministry.choices = [(str(m.id), text_of(m.name)) for m in seat_ministries(access)]
    if not form.validate_on_submit():
        return _seats_page(access, form, 422)
    ministry = seat_ministry_or_404(access, int(form.ministry.data))
    with unit_of_work() as work:
        service.set_seats(access.cohort, ministry, form.seats.data, by=current_user)
    if work.refused:
        return _seats_page(managed_cohort_or_404(current_user, cohort_id), form, 409)
    flash(_("The seats are saved."), "success")
    return redirect(url_for("teach.show_seats", cohort_id=cohort_id))


# --- tutor groups ------------------------------------------------------------------------------


def _groups_page(access, form=None, move_form=None, status=200):
    groups = cohort_group_list(access)
    tutors = service.group_tutors([g.id for g in groups])
    enrolments = cohort_enrolment_list(access)
    members: dict = {}
    for enrolment in enrolments:
        if enrolment.state != EnrolmentState.WITHDRAWN:
            members.setdefault(enrolment.tutor_group_id, []).append(enrolment)
    if access.manages:
        form = form or GroupForm()
        if move_form is None:
            move_form = MoveForm()
            _move_choices(access, move_form, enrolments)
    return render_template(
        "teach/groups.html",
        access=access,
        cohort=access.cohort,
        groups=groups,
        tutors=tutors,
        members=members,
        form=form,
        move_form=move_form,
        tutor_form=TutorForm(),
        tab="groups",
    ), status


def _move_choices(access, form, enrolments=None):
    if enrolments is None:
        enrolments = cohort_enrolment_list(access)
    form.enrolment.choices = [
        (str(e.id), isolate(name_of(e.user)))
        for e in enrolments
        if e.state != EnrolmentState.WITHDRAWN
    ]
    form.group.choices = _group_choices(access)


@bp.get("/cohorts/<int:cohort_id>/groups")
@teachers_only
def list_groups(cohort_id: int):
    return _groups_page(taught_cohort_or_404(current_user, cohort_id))


@bp.post("/cohorts/<int:cohort_id>/groups")
@teachers_only
def create_group(cohort_id: int):
    access = managed_cohort_or_404(current_user, cohort_id)
    form = GroupForm()
    if not form.validate_on_submit():
        return _groups_page(access, form=form, status=422)
    with unit_of_work() as work:
        tutor = None
        if form.tutor_email.data:
            tutor = account_by_email(current_user, form.tutor_email.data)
            if tutor is None:
                raise NoSuchAccount()
        service.create_group(
            access.cohort,
            name=form.name.data,
            capacity=form.capacity.data,
            tutor=tutor,
            by=current_user,
        )
    if work.refused:
        return _groups_page(managed_cohort_or_404(current_user, cohort_id), form=form, status=409)
    flash(_("The group is created."), "success")
    return redirect(url_for("teach.list_groups", cohort_id=cohort_id))


@bp.post("/cohorts/<int:cohort_id>/groups/<int:group_id>/tutor")
@teachers_only
def assign_tutor(cohort_id: int, group_id: int):
    access = managed_cohort_or_404(current_user, cohort_id)
    group = cohort_group_or_404(access, group_id)
    form = TutorForm()
    if not form.validate_on_submit():
        flash(_("Enter the email of the tutor's account."), "error")
        return _groups_page(access, status=422)
    with unit_of_work() as work:
        tutor = account_by_email(current_user, form.email.data)
        if tutor is None:
            raise NoSuchAccount()
        service.assign_tutor(group, tutor, by=current_user)
    if work.refused:
        return _groups_page(managed_cohort_or_404(current_user, cohort_id), status=409)
    flash(_("%(name)s is now the group's tutor.", name=tutor.display_name), "success")
    return redirect(url_for("teach.list_groups", cohort_id=cohort_id))


@bp.post("/cohorts/<int:cohort_id>/groups/move")
@teachers_only
def move_learner(cohort_id: int):
    access = managed_cohort_or_404(current_user, cohort_id)
    form = MoveForm()
    _move_choices(access, form)
    if not form.validate_on_submit():
        return _groups_page(access, move_form=form, status=422)
    enrolment = cohort_enrolment_or_404(access, int(form.enrolment.data))
    group = cohort_group_or_404(access, int(form.group.data)) if form.group.data else None
    with unit_of_work() as work:
        service.move_to_group(enrolment, group, by=current_user)
    if work.refused:
        return _groups_page(
            managed_cohort_or_404(current_user, cohort_id), move_form=form, status=409
        )
    flash(_("The learner is moved; their work and history stay with them."), "success")
    return redirect(url_for("teach.list_groups", cohort_id=cohort_id))
