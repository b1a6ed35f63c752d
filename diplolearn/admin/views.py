"""The administrator's pages: people (invite, re-send an invitation) and the audit trail."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from diplolearn.admin import bp
from diplolearn.admin.forms import ConfirmForm, InvitePersonForm, MoveToMinistryForm
from diplolearn.extensions import db
from diplolearn.models import AuditEvent, Course, Ministry, StaffMembership, User
from diplolearn.pagination import paginate
from diplolearn.security.permissions import administrator_required
from diplolearn.security.scoping import get_person_or_404, people_query
from diplolearn.services import accounts, people
from diplolearn.services.errors import EmailTaken
from diplolearn.unit_of_work import say_refused, unit_of_work


@bp.get("/")
@administrator_required
def index():
    return redirect(url_for("admin.list_people"))


@bp.get("/people")
@administrator_required
def list_people():
    query = people_query(current_user).options(selectinload(User.grants))
    search = request.args.get("q", "").strip()[:100]
    if search:
        like = f"%{search.lower()}%"
        query = query.where(sa.or_(sa.func.lower(User.email).like(like),
                                   sa.func.lower(User.name_latin).like(like),
                                   User.name_ar.like(f"%{search}%")))
    page = paginate(query)
    return render_template("admin/people.html", page=page, search=search)


def _invite_form() -> InvitePersonForm:
    ministries = db.session.scalars(sa.select(Ministry).order_by(Ministry.code)).all()
    courses = db.session.scalars(sa.select(Course).order_by(Course.key)).all()
    return InvitePersonForm(ministries, courses)


@bp.route("/people/new", methods=["GET", "POST"])
@administrator_required
def invite_person():
    form = _invite_form()
    if form.validate_on_submit():
        ministry = db.session.get(Ministry, int(form.ministry.data)) if form.ministry.data else None
        course = db.session.get(Course, int(form.course.data)) if form.course.data else None
        with unit_of_work(quiet=True) as work:
            person = people.invite_person(
                current_user, email=form.email.data, name_latin=form.name_latin.data,
                name_ar=form.name_ar.data or "", interface_language=form.interface_language.data,
                role=form.role.data or None, ministry=ministry, course=course)
        if isinstance(work.error, EmailTaken):
            form.email.errors.append(work.error.message)
        elif work.refused:
            say_refused(work.error)
        else:
            flash(_("%(name)s was invited. The invitation mail is on its way.",
                    name=person.display_name), "success")
            return redirect(url_for("admin.show_person", user_id=person.id))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/invite_person.html", form=form), status


def _move_form() -> MoveToMinistryForm:
    return MoveToMinistryForm(db.session.scalars(
        sa.select(Ministry).where(Ministry.is_active.is_(True)).order_by(Ministry.code)).all())


def _person_page(person, move_form=None, status=200):
    memberships = db.session.scalars(
        sa.select(StaffMembership).where(StaffMembership.user_id == person.id)
        .options(selectinload(StaffMembership.ministry))
        .order_by(StaffMembership.started_at.desc(), StaffMembership.id.desc())).all()
    return render_template("admin/person.html", person=person, memberships=memberships,
                           resend_form=ConfirmForm(), move_form=move_form or _move_form()
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
    form = _move_form()
    if not form.validate_on_submit():
        return _person_page(person, form, 422)
    ministry = db.session.get(Ministry, int(form.ministry.data))
    with unit_of_work() as work:
        people.move_to_ministry(person, ministry, current_user, staff_id=form.staff_id.data,
                                position=form.position.data or "",
                                posting=form.posting.data or "")
    if work.refused:
        return _person_page(get_person_or_404(current_user, user_id), form, 409)
    flash(_("%(name)s now works for %(ministry)s. The earlier membership is kept as history.",
            name=person.display_name, ministry=ministry.code), "success")
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
    flash(_("A new invitation is on its way to %(email)s. Earlier links no longer work.",
            email=person.email), "success")
    return redirect(url_for("admin.show_person", user_id=person.id))


@bp.get("/audit")
@administrator_required
def audit_log():
    query = (sa.select(AuditEvent)
             .options(selectinload(AuditEvent.actor), selectinload(AuditEvent.subject_user))
             .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()))
    action = request.args.get("action", "").strip()[:64]
    if action:
        query = query.where(AuditEvent.action == action)
    return render_template("admin/audit.html", page=paginate(query, per_page=50), action=action)


# --- ministries ------------------------------------------------------------------------------

@bp.get("/ministries")
@administrator_required
def list_ministries():
    from diplolearn.models import Role, RoleGrant

    ministries = db.session.scalars(sa.select(Ministry).order_by(Ministry.code)).all()
    staff = dict(db.session.execute(
        sa.select(StaffMembership.ministry_id, sa.func.count())
        .where(StaffMembership.ended_at.is_(None)).group_by(StaffMembership.ministry_id)).all())
    coordinators: dict[int, list[User]] = {}
    for grant in db.session.scalars(
            sa.select(RoleGrant).where(RoleGrant.role == Role.COORDINATOR)
            .options(selectinload(RoleGrant.user))):
        coordinators.setdefault(grant.ministry_id, []).append(grant.user)
    return render_template("admin/ministries.html", ministries=ministries, staff=staff,
                           coordinators=coordinators)


@bp.route("/ministries/new", methods=["GET", "POST"])
@administrator_required
def create_ministry():
    from diplolearn.admin.forms import NewMinistryForm
    from diplolearn.services import ministries
    from diplolearn.services.errors import MinistryCodeTaken

    form = NewMinistryForm()
    if form.validate_on_submit():
        new_account = accounts.find_user_by_email(form.coordinator_email.data) is None
        if new_account and not (form.coordinator_name_latin.data or "").strip():
            form.coordinator_name_latin.errors.append(
                _("The coordinator has no account yet: give their name in Latin script."))
        else:
            with unit_of_work(quiet=True) as work:
                ministry = ministries.create_ministry(
                    code=form.code.data, name_en=form.name_en.data, name_ar=form.name_ar.data,
                    name_fr=form.name_fr.data or "", country_code=form.country_code.data,
                    by=current_user)
                coordinator, created = ministries.appoint_coordinator(
                    ministry, current_user, email=form.coordinator_email.data,
                    name_latin=form.coordinator_name_latin.data or "",
                    name_ar=form.coordinator_name_ar.data or "",
                    language=form.coordinator_language.data)
            if isinstance(work.error, MinistryCodeTaken):
                form.code.errors.append(work.error.message)
            elif work.refused:
                say_refused(work.error)
            else:
                flash(_("The ministry was created. %(name)s is its coordinator.",
                        name=coordinator.display_name) + " " + (
                    _("The invitation mail is on its way.") if created else ""), "success")
                return redirect(url_for("admin.edit_ministry", ministry_id=ministry.id))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/ministry_form.html", form=form, ministry=None), status


@bp.route("/ministries/<int:ministry_id>", methods=["GET", "POST"])
@administrator_required
def edit_ministry(ministry_id: int):
    from diplolearn.admin.forms import EditMinistryForm
    from diplolearn.models import Role, RoleGrant
    from diplolearn.services import ministries

    ministry = db.session.get(Ministry, ministry_id) or abort(404)
    form = EditMinistryForm(data={
        "name_en": ministry.name.get("en", ""), "name_ar": ministry.name.get("ar", ""),
        "name_fr": ministry.name.get("fr", ""), "country_code": ministry.country_code or "",
        "is_active": ministry.is_active} if request.method == "GET" else None)
    if form.validate_on_submit():
        with unit_of_work():
            changed = ministries.update_ministry(
                ministry, name_en=form.name_en.data, name_ar=form.name_ar.data,
                name_fr=form.name_fr.data or "", country_code=form.country_code.data,
                is_active=form.is_active.data, by=current_user)
        flash(_("Saved.") if changed else _("Nothing to change."), "success")
        return redirect(url_for("admin.edit_ministry", ministry_id=ministry.id))
    coordinators = db.session.scalars(
        sa.select(User).join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role == Role.COORDINATOR, RoleGrant.ministry_id == ministry.id)
        .order_by(User.sort_key)).all()
    status = 422 if request.method == "POST" else 200
    return render_template("admin/ministry_form.html", form=form, ministry=ministry,
                           coordinators=coordinators), status
