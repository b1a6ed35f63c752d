"""The suspend page and the reactivate action, shared by the administrator's person page
(admin/suspension_views.py) and the coordinator's (ministry/suspension_views.py): each loads
the person through its own scope (404 outside it) and hands them here."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from diplolearn.auth.signin_forms import ReactivateForm, SuspendForm
from diplolearn.models import User
from diplolearn.services.signin import suspension
from diplolearn.unit_of_work import unit_of_work


def suspend_page(person: User, *, action_url: str, back_url: str, ministry_id: int | None = None):
    form = SuspendForm()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            with unit_of_work(status=409) as work:
                suspension.suspend(
                    person, by=current_user, reason=form.reason.data, ministry_id=ministry_id
                )
            if work.done:
                flash(
                    _(
                        "%(name)s's account is suspended: they are signed out everywhere and "
                        "cannot sign in until it is reactivated. Their records are kept.",
                        name=person.display_name,
                    ),
                    "success",
                )
                return redirect(back_url)
            status = work.status
    return render_template(
        "auth/suspend_person.html",
        person=person,
        form=form,
        action_url=action_url,
        back_url=back_url,
    ), status


def reactivate(person: User, *, back_url: str, ministry_id: int | None = None):
    if not ReactivateForm().validate_on_submit():
        abort(400)
    with unit_of_work(status=409) as work:
        suspension.reactivate(person, by=current_user, ministry_id=ministry_id)
    if work.refused:
        return render_template(
            "auth/signin_refused.html", message=work.error.message, back_url=back_url
        ), work.status
    flash(
        _("%(name)s's account is active again.", name=person.display_name),
        "success",
    )
    return redirect(back_url)
