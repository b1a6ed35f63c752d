"""An administrator's handling of a person's personal data: download it for them (a subject
access request) or erase the person, which pseudonymises them while certificates and the audit
trail stay valid. Both are in the audit log."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from diplolearn.admin import bp
from diplolearn.admin.forms import DownloadForPersonForm, EraseForm
from diplolearn.main.data_views import personal_data_download
from diplolearn.models.accounts import normalise_email
from diplolearn.security.permissions import administrator_required
from diplolearn.security.scoping import get_person_or_404
from diplolearn.services.accounts import ConfirmationMismatch, personal_data
from diplolearn.unit_of_work import say_refused, unit_of_work


@bp.post("/people/<int:user_id>/data")
@administrator_required
def download_person_data(user_id: int):
    """For a person who asks an administrator for their data (a subject access request)."""
    person = get_person_or_404(current_user, user_id)
    if not DownloadForPersonForm().validate_on_submit():
        abort(400)
    data = personal_data.collect(person)
    with unit_of_work():
        personal_data.record_download(person, by=current_user, tables=len(data["records"]))
    return personal_data_download(person, data)


@bp.route("/people/<int:user_id>/erase", methods=["GET", "POST"])
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
    return render_template("admin/erase_person.html", person=person, form=form), status
