"""Finishing a sign-in, whatever proved who the person is (a password, a ministry's provider).

Every route that signs someone in ends here, so the checks live in one place:

1. the account can sign in (active, not suspended), else a clear page with 403;
2. a person with a second factor who has not shown it yet is half signed in: the session keeps
   who they are, how they proved it and where they were going (never ``login_user``), and the
   browser goes to the code step (auth/two_factor_views.py);
3. a person whose role requires a second factor they have not set up goes to enrolment first;
4. the device session is recorded, then ``login_user``.

A ministry's provider that reports a second factor (the amr claim) passes
``second_factor=True``: it counts as two-step sign-in.
"""

from __future__ import annotations

import time

from flask import Response, make_response, redirect, render_template, session, url_for
from flask_login import login_user

from diplolearn.forms import safe_next
from diplolearn.models import User
from diplolearn.services.accounts import AccountInactive
from diplolearn.services.signin import AccountSuspended, devices, two_factor
from diplolearn.unit_of_work import unit_of_work

PENDING_KEY = "signin_pending"
# How long a half-finished sign-in waits for its code.
PENDING_SECONDS = 10 * 60
METHODS = ("password", "sso", "link")


def refused_page(user: User) -> Response:
    """The page a person who may not sign in sees (suspended, or no longer active)."""
    error = AccountSuspended() if user.suspended_at is not None else AccountInactive()
    session.pop(PENDING_KEY, None)
    return make_response(render_template("auth/signin_refused.html", message=error.message), 403)


def _remember_pending(user: User, step: str, method: str, remember: bool, next_url: str) -> None:
    session[PENDING_KEY] = {
        "uid": user.id,
        "step": step,
        "method": method,
        "remember": bool(remember),
        "next": safe_next(next_url, ""),
        "at": int(time.time()),
    }


def pending_sign_in(step: str | None = None) -> dict | None:
    """The half-finished sign-in of this browser, if it is recent (and at ``step``)."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict) or not isinstance(pending.get("uid"), int):
        return None
    if time.time() - pending.get("at", 0) > PENDING_SECONDS:
        session.pop(PENDING_KEY, None)
        return None
    if step is not None and pending.get("step") != step:
        return None
    return pending


def forget_pending() -> None:
    session.pop(PENDING_KEY, None)


def finish_sign_in(
    user: User,
    *,
    method: str,
    second_factor: bool,
    remember: bool = False,
    next_url: str = "",
) -> Response:
    """Sign ``user`` in after ``method`` ("password", "sso" or "link") proved who they are."""
    if method not in METHODS:
        raise ValueError(f"unknown sign-in method {method!r}")
    if not user.is_active:
        return refused_page(user)
    if not second_factor:
        if two_factor.is_enrolled(user):
            _remember_pending(user, "verify", method, remember, next_url)
            return redirect(url_for("auth.two_factor_step"))
        if two_factor.is_required(user):
            _remember_pending(user, "enrol", method, remember, next_url)
            return redirect(url_for("auth.two_factor_setup"))
    with unit_of_work(quiet=True) as work:
        device = devices.open_session(user, method=method, second_factor=second_factor)
    if work.refused:  # nothing in open_session refuses; answered like any unexpected error
        raise work.error
    forget_pending()
    user.device_session_id = device.id
    login_user(user, remember=remember)
    return redirect(safe_next(next_url))
