"""The administrator's pages: people (invite, re-send an invitation) and the audit trail."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from diplolearn.admin import bp
from diplolearn.admin.forms import ConfirmForm, InvitePersonForm, MoveToMinistryForm
from diplolearn.pagination import paginate
from diplolearn.security.permissions import administrator_required
from diplolearn.security.scoping import (
    all_ministries,
    audit_events,
    coordinators_by_ministry,
    get_person_or_404,
    ministry_coordinators,
    ministry_or_404,
    people_matching,
    person_memberships,
    staff_counts,
)
from diplolearn.services.accounts import EmailTaken, accounts, people
from diplolearn.services.cohorts import organisations
from diplolearn.unit_of_work import say_refused, unit_of_work


@bp.get("/")
@administrator_required
def index():
    return redirect(url_for("admin.list_people"))


@bp.get("/people")
@administrator_required
def list_people():
    search = request.args.get("q", "").strip()[:100]
    page = paginate(people_matching(current_user, search))
    return render_template("admin/people.html", page=page, search=search)


def _chosen(choices: list, value: str | None):
    """The item of a form's choices whose id was chosen (the form checked it is one of
    them); None when nothing was."""
    if not value:
        return None
    return next((item for item in choices if item.id == int(value)), None)


@bp.route("/people/new", methods=["GET", "POST"])
@administrator_required
def invite_person():
    ministries = all_ministries(current_user)
    courses = organisations.courses_by_key()
    form = InvitePersonForm(ministries, courses)
    if form.validate_on_submit():
        ministry = _chosen(ministries, form.ministry.data)
        course = _chosen(courses, form.course.data)
        with unit_of_work(quiet=True) as work:
            person = people.invite_person(
                current_user,
                email=form.email.data,
                name_latin=form.name_latin.data,
                name_ar=form.name_ar.data or "",
                interface_language=form.interface_language.data,
                role=form.role.data or None,
                ministry=ministry,
                course=course,
            )
        if isinstance(work.error, EmailTaken):
            form.email.errors.append(work.error.message)
        elif work.refused:
            say_refused(work.error)
        else:
            flash(
                _(
                    "%(name)s was invited. The invitation mail is on its way.",
                    name=person.display_name,
                ),
                "success",
            )
            return redirect(url_for("admin.show_person", user_id=person.id))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/invite_person.html", form=form), status


def _move_form(ministries=None) -> MoveToMinistryForm:
    return MoveToMinistryForm(
        ministries if ministries is not None else all_ministries(current_user, active_only=True)
    )


def _person_page(person, move_form=None, status=200):
    memberships = person_memberships(current_user, person.id)
    return render_template(
        "admin/person.html",
        person=person,
        memberships=memberships,
        scopes=people.grant_scopes(person.grants),
        resend_form=ConfirmForm(),
        move_form=move_form or _move_form(),
    ), status


@bp.get("/people/<int:user_id>")
@administrator_required
def show_person(user_id: int):
    return _person_page(get_person_or_404(current_user, user_id))


@bp.post("/people/<int:user_id>/ministry")
@administrator_required
def move_person(user_id: int):
    """Move the person to another ministry: the current membership ends (history kept)."""
    person = get_person_or_404(current_user, user_id)
    ministries = all_ministries(current_user, active_only=True)
    form = _move_form(ministries)
    if not form.validate_on_submit():
        return _person_page(person, form, 422)
    ministry = _chosen(ministries, form.ministry.data)
    with unit_of_work() as work:
        people.move_to_ministry(
            person,
            ministry,
            current_user,
            staff_id=form.staff_id.data,
            position=form.position.data or "",
            posting=form.posting.data or "",
        )
    if work.refused:
        return _person_page(get_person_or_404(current_user, user_id), form, 409)
    flash(
        _(
            "%(name)s now works for %(ministry)s. The earlier membership is kept as history.",
            name=person.display_name,
            ministry=ministry.code,
        ),
        "success",
    )
    return redirect(url_for("admin.show_person", user_id=person.id))


@bp.post("/people/<int:user_id>/invitation")
@administrator_required
def resend_invitation(user_id: int):
    person = get_person_or_404(current_user, user_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    if person.has_password:
        flash(_("%(name)s has already accepted an invitation.", name=person.display_name), "error")
        return redirect(url_for("admin.show_person", user_id=person.id))
    with unit_of_work():
        accounts.invite(person, invited_by=current_user)
    flash(
        _(
            "A new invitation is on its way to %(email)s. Earlier links no longer work.",
            email=person.email,
        ),
        "success",
    )
    return redirect(url_for("admin.show_person", user_id=person.id))


@bp.get("/audit")
@administrator_required
def audit_log():
    action = request.args.get("action", "").strip()[:64]
    return render_template(
        "admin/audit.html",
        page=paginate(audit_events(current_user, action), per_page=50),
        action=action,
    )


# --- ministries ------------------------------------------------------------------------------


@bp.get("/ministries")
@administrator_required
def list_ministries():
    ministries = all_ministries(current_user)
    staff = staff_counts(current_user)
    coordinators = coordinators_by_ministry(current_user)
    return render_template(
        "admin/ministries.html", ministries=ministries, staff=staff, coordinators=coordinators
    )


@bp.route("/ministries/new", methods=["GET", "POST"])
@administrator_required
def create_ministry():
    from diplolearn.admin.forms import NewMinistryForm
    from diplolearn.services.ministries import MinistryCodeTaken, ministries

    form = NewMinistryForm()
    if form.validate_on_submit():
        new_account = accounts.find_user_by_email(form.coordinator_email.data) is None
        if new_account and not (form.coordinator_name_latin.data or "").strip():
            form.coordinator_name_latin.errors.append(
                _("The coordinator has no account yet: give their name in Latin script.")
            )
        else:
            with unit_of_work(quiet=True) as work:
                ministry = ministries.create_ministry(
                    code=form.code.data,
                    name_en=form.name_en.data,
                    name_ar=form.name_ar.data,
                    name_fr=form.name_fr.data or "",
                    country_code=form.country_code.data,
                    by=current_user,
                )
                coordinator, created = ministries.appoint_coordinator(
                    ministry,
                    current_user,
                    email=form.coordinator_email.data,
                    name_latin=form.coordinator_name_latin.data or "",
                    name_ar=form.coordinator_name_ar.data or "",
                    language=form.coordinator_language.data,
                )
            if isinstance(work.error, MinistryCodeTaken):
                form.code.errors.append(work.error.message)
            elif work.refused:
                say_refused(work.error)
            else:
                flash(
                    _(
                        "The ministry was created. %(name)s is its coordinator.",
                        name=coordinator.display_name,
                    )
                    + " "
                    + (_("The invitation mail is on its way.") if created else ""),
                    "success",
                )
                return redirect(url_for("admin.edit_ministry", ministry_id=ministry.id))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/ministry_form.html", form=form, ministry=None), status


@bp.route("/ministries/<int:ministry_id>", methods=["GET", "POST"])
@administrator_required
def edit_ministry(ministry_id: int):
    from diplolearn.admin.forms import EditMinistryForm
    from diplolearn.services.ministries import ministries

    ministry = ministry_or_404(current_user, ministry_id)
    form = EditMinistryForm(
        data={
            "name_en": ministry.name.get("en", ""),
            "name_ar": ministry.name.get("ar", ""),
            "name_fr": ministry.name.get("fr", ""),
            "country_code": ministry.country_code or "",
            "is_active": ministry.is_active,
        }
        if request.method == "GET"
        else None
    )
    if form.validate_on_submit():
        with unit_of_work():
            changed = ministries.update_ministry(
                ministry,
                name_en=form.name_en.data,
                name_ar=form.name_ar.data,
                name_fr=form.name_fr.data or "",
                country_code=form.country_code.data,
                is_active=form.is_active.data,
                by=current_user,
            )
        flash(_("Saved.") if changed else _("Nothing to change."), "success")
        return redirect(url_for("admin.edit_ministry", ministry_id=ministry.id))
    coordinators = ministry_coordinators(current_user, ministry.id)
    status = 422 if request.method == "POST" else 200
    return render_template(
        "admin/ministry_form.html", form=form, ministry=ministry, coordinators=coordinators
    ), status
