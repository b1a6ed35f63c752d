"""The calendar feed (issue 14): the .ics at its secret URL, and turning it off or renewing it
from the account page. The feed is a GET that writes nothing; a forged, stale or revoked key
answers 404 like a page that does not exist."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from diplolearn.extensions import limiter
from diplolearn.main import bp
from diplolearn.main.calendar_forms import CalendarFeedForm
from diplolearn.security.permissions import login_required
from diplolearn.services.calendar import events, feeds
from diplolearn.unit_of_work import unit_of_work


def _feed_key() -> str:
    return f"calendar:{(request.view_args or {}).get('key', '')}"


# Limited per feed, not per address: calendar services fetch everyone's feeds from a few
# addresses of theirs, and must not share one allowance.
@bp.get("/calendar/<key>.ics")
@limiter.limit("30 per minute", key_func=_feed_key)
def calendar_feed(key: str):
    user = feeds.account_for_key(key)
    if user is None:
        abort(404)
    response = Response(events.feed(user), mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="diplolearn.ics"'
    # A secret URL: no shared cache may keep it, and it never leaks as a referrer.
    response.headers["Cache-Control"] = "private, max-age=900"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.post("/account/calendar/regenerate")
@login_required
def regenerate_calendar():
    form = CalendarFeedForm()
    if not form.validate_on_submit():
        abort(400)
    with unit_of_work():
        feeds.regenerate(current_user)
    flash(_("Your calendar has a new address. The old one no longer works."), "success")
    return redirect(url_for("main.account", _anchor="calendar-heading"))


@bp.post("/account/calendar/revoke")
@login_required
def revoke_calendar():
    form = CalendarFeedForm()
    if not form.validate_on_submit():
        abort(400)
    with unit_of_work():
        feeds.revoke(current_user)
    flash(_("Your calendar feed is turned off. Its address no longer works."), "success")
    return redirect(url_for("main.account", _anchor="calendar-heading"))


def account_calendar() -> dict:
    """What the account page's calendar section (main/_account_calendar.html) needs."""
    return {"calendar_urls": feeds.feed_urls(current_user), "calendar_form": CalendarFeedForm()}
