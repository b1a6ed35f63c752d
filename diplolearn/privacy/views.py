"""Download of one's own data, and an administrator's download and erasure of a person's."""

from __future__ import annotations

import json

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from diplolearn.models.accounts import normalise_email
from diplolearn.privacy import bp
from diplolearn.privacy.forms import DownloadForm, DownloadForPersonForm, EraseForm
from diplolearn.security.permissions import administrator_required, login_required
from diplolearn.security.scoping import get_person_or_404, visible_memberships
from diplolearn.services.accounts import personal_data
from diplolearn.services.errors import ConfirmationMismatch
from diplolearn.unit_of_work import say_refused, unit_of_work

PRIVATE = {"Cache-Control": "private, no-store"}

RECORD_LABELS = {
    "staff_membership": _l("Ministry memberships (with postings)"),
    "role_grant": _l("Roles"),
    "user_token": _l("Invitation and password links"),
    "enrolment": _l("Enrolments"),
    "lesson_progress": _l("Lessons read, with time on task"),
    "quiz_attempt": _l("Quiz attempts"),
    "attempt_question": _l("Questions drawn in attempts"),
    "response": _l("Answers"),
    "submission": _l("Written assignments"),
    "submission_score": _l("Rubric grades"),
    "certificate": _l("Certificates"),
    "outbox_message": _l("Mails sent to you"),
}


def _json_download(person, data: dict) -> Response:
    body = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)
    name = f"diplolearn-personal-data-{person.id}.json"
    return Response(
        body,
        mimetype="application/json",
        headers={**PRIVATE, "Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.get("/account/data")
@login_required
def show_my_data():
    data = personal_data.collect(current_user)
    memberships = visible_memberships(current_user, current_user.id)
    kinds = [(RECORD_LABELS.get(name, name), len(rows)) for name, rows in data["records"].items()]
    return render_template(
        "privacy/my_data.html",
        form=DownloadForm(),
        kinds=kinds,
        audit_entries=len(data["audit_trail"]),
        memberships=memberships,
    )


@bp.post("/account/data/download")
@login_required
def download_my_data():
    if not DownloadForm().validate_on_submit():
        abort(400)
    data = personal_data.collect(current_user)
    with unit_of_work():
        personal_data.record_download(current_user, by=current_user, tables=len(data["records"]))
    return _json_download(current_user, data)


@bp.post("/admin/people/<int:user_id>/data")
@administrator_required
def download_person_data(user_id: int):
    """For a person who asks an administrator for their data (a subject access request)."""
    person = get_person_or_404(current_user, user_id)
    if not DownloadForPersonForm().validate_on_submit():
        abort(400)
    data = personal_data.collect(person)
    with unit_of_work():
        personal_data.record_download(person, by=current_user, tables=len(data["records"]))
    return _json_download(person, data)


@bp.route("/admin/people/<int:user_id>/erase", methods=["GET", "POST"])
@administrator_required
def erase_person(user_id: int):
    person = get_person_or_404(current_user, user_id)
    form = EraseForm()
    if person.erased_at is None and form.validate_on_submit():
        with unit_of_work(quiet=True) as work:
            if normalise_email(form.confirm_email.data) != person.email:
                raise ConfirmationMismatch()
            personal_data.erase_person(person, by=current_user, reason=form.reason.data)
        if isinstance(work.error, ConfirmationMismatch):
            form.confirm_email.errors.append(work.error.message)
        elif work.refused:
            say_refused(work.error)
        else:
            flash(
                _(
                    "The person's personal data is erased. Their certificates can still be "
                    "verified, without a name."
                ),
                "success",
            )
            return redirect(url_for("admin.show_person", user_id=person.id))
    status = 422 if request.method == "POST" else 200
    if request.method == "POST" and person.erased_at is not None:
        status = 409
    return render_template("privacy/erase.html", person=person, form=form), status
