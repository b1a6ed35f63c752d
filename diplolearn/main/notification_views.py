"""The notification centre (issue 20): /notifications, newest first, a page at a time; marking
one read (only one's own: another person's answers 404 and changes nothing) or all read; and
the per-kind preferences on the account page (immediately by mail, daily digest, app only).

The unread count beside "Notifications" in the navigation is ``User.unread_notifications``,
a column of the person kept by services.notifications with every change: the user loader
reads it with the rest of the person, so no page pays a query for it."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField

from diplolearn.forms import safe_next
from diplolearn.main import bp
from diplolearn.pagination import paginate
from diplolearn.security.permissions import login_required
from diplolearn.services import notifications
from diplolearn.services.notifications import reading
from diplolearn.unit_of_work import unit_of_work

PER_PAGE = 20


class MarkReadForm(FlaskForm):
    """Marking read: the CSRF token only."""


def preferences_form(user=None, posted: bool = False) -> FlaskForm:
    """One select per kind of notice: as posted, or set to the person's delivery for each."""

    class NotificationPreferencesForm(FlaskForm):
        submit = SubmitField(_("Save notification preferences"))

    choices = [(key, str(label)) for key, label in notifications.DELIVERIES.items()]
    for kind, (label, _template) in notifications.KINDS.items():
        setattr(NotificationPreferencesForm, f"kind_{kind}", SelectField(label, choices=choices))
    if posted:
        return NotificationPreferencesForm(prefix="notify")
    data = {f"kind_{kind}": value for kind, value in reading.preferences_of(user).items()}
    return NotificationPreferencesForm(prefix="notify", data=data, formdata=None)


@bp.app_context_processor
def _notification_helpers():
    """For the account page's partial: its form, built only when the partial asks for it."""
    return {"notification_preferences_form": lambda: preferences_form(current_user)}


@bp.get("/notifications")
@login_required
def list_notifications():
    page = paginate(reading.own_notifications(current_user), per_page=PER_PAGE)
    return render_template("main/notifications.html", page=page, form=MarkReadForm())


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def mark_notification_read(notification_id: int):
    form = MarkReadForm()
    notification = reading.own_notification(current_user, notification_id)
    if notification is None:
        abort(404)
    if not form.validate_on_submit():
        abort(400)
    with unit_of_work():
        reading.mark_read(current_user, notification)
    return redirect(url_for("main.list_notifications"))


@bp.post("/notifications/read")
@login_required
def mark_all_notifications_read():
    if not MarkReadForm().validate_on_submit():
        abort(400)
    with unit_of_work():
        reading.mark_all_read(current_user)
    flash(_("All your notifications are marked read."), "success")
    return redirect(safe_next(None, url_for("main.list_notifications")))


@bp.post("/account/notifications")
@login_required
def save_notification_preferences():
    form = preferences_form(posted=True)
    if not form.validate_on_submit():
        # Only a forged or stale form gets here (every select offers known choices only).
        flash(_("Choose how each kind of notification reaches you. Nothing was saved."), "error")
        abort(400)
    choices = {kind: getattr(form, f"kind_{kind}").data for kind in notifications.KINDS}
    with unit_of_work() as work:
        reading.set_preferences(current_user, choices)
    if not work.refused:
        flash(_("Your notification preferences are saved."), "success")
    return redirect(url_for("main.account", _anchor="notifications-heading"))
