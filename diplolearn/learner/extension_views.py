"""Asking for more time (issue 14): one click from a closed or soon-due item and from the
outline, a reason, and the answer on the learner's page and by mail. The enrolment loads
through its owner (``own_enrolment_or_404``): anyone else's is a 404, and nothing is written."""

from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from diplolearn.i18n import current_zone
from diplolearn.learner import bp
from diplolearn.learner.pages import Reader
from diplolearn.models import utcnow
from diplolearn.security.permissions import login_required
from diplolearn.security.scoping import own_enrolment_or_404, own_excusals, own_extension_requests
from diplolearn.services import deadlines
from diplolearn.services.deadlines import AlreadyAsked, AlreadyDone, NotUnderWay, UnknownItem
from diplolearn.unit_of_work import unit_of_work

REQUESTABLE = ("assignment", "quiz", "module")


class ExtensionRequestForm(FlaskForm):
    reason = TextAreaField(
        _l("Why do you need more time?"),
        validators=[Length(max=2000)],
        description=_l("Your tutor reads this to decide. A sentence or two is enough."),
        render_kw={"dir": "auto", "rows": 4},
    )
    wanted = DateField(
        _l("Until when (optional)"),
        validators=[Optional()],
        description=_l("The day you could finish by, in your time zone."),
    )
    submit = SubmitField(_l("Ask for more time"))


def item_url(enrolment_id: int, kind: str, key: str) -> str:
    if kind == "module":
        return url_for("learner.show_outline", enrolment_id=enrolment_id, _anchor=f"module-{key}")
    argument = {"assignment": "assignment_key", "quiz": "quiz_key"}[kind]
    endpoint = {"assignment": "learner.show_assignment", "quiz": "learner.show_quiz"}[kind]
    return url_for(endpoint, enrolment_id=enrolment_id, **{argument: key})


def _end_of_day(day: dt.date | None) -> dt.datetime | None:
    """The last minute of ``day`` in the viewer's time zone, as a UTC instant."""
    if day is None:
        return None
    local = dt.datetime.combine(day, dt.time(23, 59), tzinfo=current_zone())
    return local.astimezone(dt.UTC)


def _page(enrolment, kind: str, key: str, form=None, error=None, status: int = 200):
    try:
        item = deadlines.item_dates(enrolment, kind, key)
    except UnknownItem:
        abort(404)
    return render_template(
        "learner/more_time.html",
        enrolment=enrolment,
        item=item,
        kind=kind,
        form=form or ExtensionRequestForm(),
        error=error,
        back=item_url(enrolment.id, kind, key),
        read=Reader(enrolment.cohort.course),
    ), status


@bp.get("/<int:enrolment_id>/more-time/<item_kind>/<item_key>")
@login_required
def new_extension_request(enrolment_id: int, item_kind: str, item_key: str):
    enrolment = own_enrolment_or_404(current_user, enrolment_id)
    if item_kind not in REQUESTABLE:
        abort(404)
    return _page(enrolment, item_kind, item_key)


@bp.post("/<int:enrolment_id>/more-time/<item_kind>/<item_key>")
@login_required
def create_extension_request(enrolment_id: int, item_kind: str, item_key: str):
    enrolment = own_enrolment_or_404(current_user, enrolment_id)
    if item_kind not in REQUESTABLE:
        abort(404)
    form = ExtensionRequestForm()
    if not form.validate_on_submit():
        return _page(enrolment, item_kind, item_key, form, status=422)
    with unit_of_work(quiet=True) as work:
        deadlines.request_extension(
            enrolment,
            item_kind,
            item_key,
            form.reason.data or "",
            wanted_due_at=_end_of_day(form.wanted.data),
            now=utcnow(),
        )
    if work.refused:
        if isinstance(work.error, UnknownItem):
            abort(404)
        conflict = isinstance(work.error, (AlreadyAsked, AlreadyDone, NotUnderWay))
        return _page(
            enrolment, item_kind, item_key, form, work.error.message, 409 if conflict else 422
        )
    flash(
        _("Your request is sent to your tutor. You will be told by mail and on this page."),
        "success",
    )
    return redirect(
        url_for(
            "learner.new_extension_request",
            enrolment_id=enrolment.id,
            item_kind=item_kind,
            item_key=item_key,
        )
    )


@bp.get("/<int:enrolment_id>/more-time")
@login_required
def list_extension_requests(enrolment_id: int):
    enrolment = own_enrolment_or_404(current_user, enrolment_id)
    return render_template(
        "learner/more_time_list.html",
        enrolment=enrolment,
        requests=own_extension_requests(enrolment),
        excusals=own_excusals(enrolment),
        titles=deadlines.item_titles(enrolment),
        item_url=item_url,
        read=Reader(enrolment.cohort.course),
    )


@bp.app_template_global()
def course_next_step(enrolment, progress):
    """The next step of one enrolment, for the progress summary (learner/_macros.html)."""
    return deadlines.next_step(enrolment, progress)
