"""The coordinator's ministries (``/ministry/``) and the way into a ministry's seats and reports
when they coordinate several; the pages under /ministry/<ministry_id>/: staff, people, roster
files.

Each view loads the ministry with ``coordinated_ministry_or_404`` and everything else through
the ministry-scoped loaders of security.scoping; a coordinator of another ministry gets 404.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from diplolearn.ministry import bp
from diplolearn.ministry.forms import (
    ConfirmRosterForm,
    EndMembershipForm,
    RosterUploadForm,
    StaffMemberForm,
)
from diplolearn.models import Role
from diplolearn.pagination import paginate
from diplolearn.security.permissions import role_required
from diplolearn.security.scoping import (
    coordinated_ministries,
    coordinated_ministry_or_404,
    current_membership_or_404,
    ministry_memberships,
    ministry_people,
    ministry_person_or_404,
    ministry_sponsored_enrolments,
    roster_upload_or_404,
    staff_counts,
)
from diplolearn.services.accounts import (
    EmailChangeRefused,
    EmailTaken,
    RegisteredElsewhere,
    StaffIdTaken,
    people,
)
from diplolearn.services.errors import DomainError
from diplolearn.services.ministries import RosterAlreadyApplied, rosters
from diplolearn.services.ministries.roster_csv import COLUMN_LABELS, COLUMNS
from diplolearn.unit_of_work import say_refused, unit_of_work

coordinator_required = role_required(Role.COORDINATOR)
PREVIEW_LIMIT = 500  # rows listed per kind of change; problems and removals are all listed


@bp.get("/")
@coordinator_required
def index():
    ministries = coordinated_ministries(current_user)
    counts = staff_counts(current_user, [m.id for m in ministries])
    return render_template("ministry/index.html", ministries=ministries, counts=counts)


def choose_ministry(endpoint: str, title, prompt):
    """The way in from the menu: straight to the ministry's page at ``endpoint`` when the
    coordinator has one ministry, a choice when they have several."""
    ministries = coordinated_ministries(current_user)
    if len(ministries) == 1:
        return redirect(url_for(endpoint, ministry_id=ministries[0].id))
    return render_template(
        "ministry/choose.html", ministries=ministries, endpoint=endpoint, title=title, prompt=prompt
    )


@bp.get("/cohorts")
@coordinator_required
def choose_for_cohorts():
    return choose_ministry(
        "ministry.list_cohorts",
        _l("Seats in cohorts"),
        _l("Choose the ministry whose seats you want to manage."),
    )


@bp.get("/reports")
@coordinator_required
def choose_for_reports():
    return choose_ministry(
        "ministry.show_staff_report",
        _l("Reports"),
        _l("Choose the ministry whose staff report you want to see."),
    )


@bp.get("/<int:ministry_id>/people")
@coordinator_required
def list_staff(ministry_id: int):
    ministry = coordinated_ministry_or_404(current_user, ministry_id)
    former = request.args.get("former") == "1"
    search = request.args.get("q", "").strip()[:100]
    query = ministry_people(current_user, ministry.id, former=former, search=search)
    return render_template(
        "ministry/staff.html", ministry=ministry, page=paginate(query), search=search, former=former
    )


def _form_values(form: StaffMemberForm) -> dict:
    return {
        "email": form.email.data,
        "name_latin": form.name_latin.data,
        "name_ar": form.name_ar.data or "",
        "language": form.language.data,
        "position": form.position.data or "",
        "posting": form.posting.data or "",
        "staff_id": form.staff_id.data or None,
    }


def _field_error(form: StaffMemberForm, error: DomainError) -> None:
    """Show a refused change (already rolled back) beside its field, or as a message."""
    if isinstance(error, (EmailTaken, RegisteredElsewhere, EmailChangeRefused)):
        form.email.errors.append(error.message)
    elif isinstance(error, StaffIdTaken):
        form.staff_id.errors.append(error.message)
    else:
        say_refused(error)


@bp.route("/<int:ministry_id>/people/new", methods=["GET", "POST"])
@coordinator_required
def add_person(ministry_id: int):
    ministry = coordinated_ministry_or_404(current_user, ministry_id)
    form = StaffMemberForm()
    if form.validate_on_submit():
        with unit_of_work(quiet=True) as work:
            person, _created = people.add_staff_member(ministry, current_user, **_form_values(form))
        if work.refused:
            _field_error(form, work.error)
        else:
            flash(
                _(
                    "%(name)s was added to your staff. The invitation mail is on its way.",
                    name=person.display_name,
                )
                if not person.has_password
                else _("%(name)s was added to your staff.", name=person.display_name),
                "success",
            )
            return redirect(
                url_for("ministry.show_person", ministry_id=ministry.id, user_id=person.id)
            )
    status = 422 if request.method == "POST" else 200
    return render_template(
        "ministry/person_form.html", ministry=ministry, form=form, person=None
    ), status


@bp.get("/<int:ministry_id>/people/<int:user_id>")
@coordinator_required
def show_person(ministry_id: int, user_id: int):
    ministry = coordinated_ministry_or_404(current_user, ministry_id)
    person = ministry_person_or_404(current_user, ministry.id, user_id)
    memberships = ministry_memberships(current_user, ministry.id, person.id)
    current = next((m for m in memberships if m.ended_at is None), None)
    enrolments = ministry_sponsored_enrolments(current_user, ministry.id, person.id)
    return render_template(
        "ministry/person.html",
        ministry=ministry,
        person=person,
        memberships=memberships,
        current=current,
        enrolments=enrolments,
        progress=_progress(enrolments),
        end_form=EndMembershipForm(),
    )


def _progress(enrolments) -> dict:
    """Completion and quiz scores of each enrolment (never the text of answers)."""
    from diplolearn.services.progress import progress_for

    return progress_for(enrolments) if enrolments else {}


@bp.route("/<int:ministry_id>/people/<int:user_id>/edit", methods=["GET", "POST"])
@coordinator_required
def edit_person(ministry_id: int, user_id: int):
    ministry = coordinated_ministry_or_404(current_user, ministry_id)
    membership = current_membership_or_404(current_user, ministry.id, user_id)
    person = membership.user
    form = StaffMemberForm(
        data={
            "email": person.email,
            "name_latin": person.name_latin,
            "name_ar": person.name_ar,
            "language": person.interface_language or "en",
            "position": membership.position,
            "posting": membership.posting,
            "staff_id": membership.staff_id or "",
        }
        if request.method == "GET"
        else None
    )
    if form.validate_on_submit():
        with unit_of_work(quiet=True) as work:
            changed = people.update_staff_member(membership, current_user, **_form_values(form))
        if work.refused:
            _field_error(form, work.error)
        else:
            flash(_("Saved.") if changed else _("Nothing to change."), "success")
            return redirect(
                url_for("ministry.show_person", ministry_id=ministry.id, user_id=person.id)
            )
    status = 422 if request.method == "POST" else 200
    return render_template(
        "ministry/person_form.html", ministry=ministry, form=form, person=person
    ), status


@bp.post("/<int:ministry_id>/people/<int:user_id>/end")
@coordinator_required
def end_membership(ministry_id: int, user_id: int):
    ministry = coordinated_ministry_or_404(current_user, ministry_id)
    membership = current_membership_or_404(current_user, ministry.id, user_id)
    if not EndMembershipForm().validate_on_submit():
        abort(400)
    with unit_of_work(quiet=True) as work:
        people.end_membership(membership, current_user)
    if work.refused:  # as before, a refusal here is unexpected: the error handlers answer it
        raise work.error
    flash(
        _(
            "%(name)s is no longer on your staff. Their record of the courses your ministry "
            "enrolled them in stays visible to you.",
            name=membership.user.display_name,
        ),
        "success",
    )
    return redirect(url_for("ministry.list_staff", ministry_id=ministry.id))


# --- roster files ----------------------------------------------------------------------------


@bp.route("/<int:ministry_id>/roster", methods=["GET", "POST"])
@coordinator_required
def upload_roster(ministry_id: int):
    ministry = coordinated_ministry_or_404(current_user, ministry_id)
    form = RosterUploadForm()
    limit = rosters.max_bytes()
    if form.validate_on_submit():
        data = form.file.data.stream.read(limit + 1)
        if len(data) > limit:
            form.file.errors.append(
                _(
                    "The file is larger than %(size)s MB. Split it into several files and upload "
                    "them one after the other.",
                    size=f"{limit / 1024 / 1024:g}",
                )
            )
        else:
            with unit_of_work() as work:
                upload = rosters.store_upload(
                    ministry,
                    current_user,
                    data,
                    filename=form.file.data.filename or "",
                    sync=form.mode.data == "sync",
                )
            if work.done:
                return redirect(
                    url_for("ministry.preview_roster", ministry_id=ministry.id, upload_id=upload.id)
                )
    status = 422 if request.method == "POST" else 200
    return render_template(
        "ministry/roster_upload.html",
        ministry=ministry,
        form=form,
        columns=[(c, COLUMN_LABELS[c]) for c in COLUMNS],
        limit_mb=f"{limit / 1024 / 1024:g}",
    ), status


def _render_preview(ministry, upload, plan, status=200, form=None):
    form = form or ConfirmRosterForm(formdata=None, data={"digest": plan.digest})
    return render_template(
        "ministry/roster_preview.html",
        ministry=ministry,
        upload=upload,
        plan=plan,
        form=form,
        actions=rosters.Action,
        action_labels=rosters.ACTION_LABELS,
        field_labels=rosters.FIELD_LABELS,
        limit=PREVIEW_LIMIT,
    ), status


@bp.get("/<int:ministry_id>/roster/<int:upload_id>")
@coordinator_required
def preview_roster(ministry_id: int, upload_id: int):
    ministry = coordinated_ministry_or_404(current_user, ministry_id)
    upload = roster_upload_or_404(current_user, ministry.id, upload_id)
    if upload.applied_at is not None:
        flash(RosterAlreadyApplied.message, "info")
        return redirect(url_for("ministry.list_staff", ministry_id=ministry.id))
    plan = rosters.plan_roster(ministry, rosters.upload_content(upload), sync=upload.sync)
    return _render_preview(ministry, upload, plan)


@bp.post("/<int:ministry_id>/roster/<int:upload_id>")
@coordinator_required
def confirm_roster(ministry_id: int, upload_id: int):
    ministry = coordinated_ministry_or_404(current_user, ministry_id)
    upload = roster_upload_or_404(current_user, ministry.id, upload_id)
    form = ConfirmRosterForm()
    if not form.validate_on_submit():
        abort(400)
    with unit_of_work(quiet=True) as work:
        plan = rosters.confirm_upload(upload, ministry, current_user, form.digest.data)
    if isinstance(work.error, RosterAlreadyApplied):
        flash(work.error.message, "info")
        return redirect(url_for("ministry.list_staff", ministry_id=ministry.id))
    if work.refused:
        say_refused(work.error)
        upload = roster_upload_or_404(current_user, ministry.id, upload_id)
        plan = rosters.plan_roster(ministry, rosters.upload_content(upload), sync=upload.sync)
        return _render_preview(ministry, upload, plan, status=work.status)
    counts = plan.result
    message = _(
        "Imported: %(added)s added, %(updated)s updated, %(unchanged)s unchanged, "
        "%(removed)s taken off the staff.",
        added=counts["create"] + counts["join"],
        updated=counts["update"],
        unchanged=counts["unchanged"],
        removed=counts["deactivate"],
    )
    if counts["invitations"]:
        message += " " + _("Invitations are sent within a few minutes.")
    flash(message, "success")
    return redirect(url_for("ministry.list_staff", ministry_id=ministry.id))
