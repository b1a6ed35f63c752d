"""The administrator's pages: people (invite, re-send an invitation) and the audit trail."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from diplolearn.admin import bp
from diplolearn.admin.forms import ConfirmForm, InvitePersonForm
from diplolearn.extensions import db
from diplolearn.models import AuditEvent, Course, Ministry, StaffMembership, User
from diplolearn.pagination import paginate
from diplolearn.security.permissions import administrator_required
from diplolearn.security.scoping import get_person_or_404, people_query
from diplolearn.services import accounts, people
from diplolearn.services.errors import DomainError, EmailTaken


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
        try:
            person = people.invite_person(
                current_user, email=form.email.data, name_latin=form.name_latin.data,
                name_ar=form.name_ar.data or "", interface_language=form.interface_language.data,
                role=form.role.data or None, ministry=ministry, course=course)
        except EmailTaken as error:
            db.session.rollback()
            form.email.errors.append(error.message)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("%(name)s was invited. The invitation mail is on its way.",
                    name=person.display_name), "success")
            return redirect(url_for("admin.show_person", user_id=person.id))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/invite_person.html", form=form), status


@bp.get("/people/<int:user_id>")
@administrator_required
def show_person(user_id: int):
    person = get_person_or_404(current_user, user_id)
    memberships = db.session.scalars(
        sa.select(StaffMembership).where(StaffMembership.user_id == person.id)
        .options(selectinload(StaffMembership.ministry))
        .order_by(StaffMembership.started_at.desc())).all()
    return render_template("admin/person.html", person=person, memberships=memberships,
                           resend_form=ConfirmForm())


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
    accounts.invite(person, invited_by=current_user)
    db.session.commit()
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
