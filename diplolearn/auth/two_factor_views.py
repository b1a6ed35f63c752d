"""Two-step sign-in: the code step of a half-finished sign-in, setting it up (from the account
page, or during sign-in when the person's role requires it) and turning it off.

Wrong codes are rate-limited as wrong passwords are (per account and per address); a code
already used in its window is refused (services/signin/two_factor.py).
"""

from __future__ import annotations

from cryptography.fernet import InvalidToken
from flask import (
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from diplolearn.auth import bp
from diplolearn.auth.signin import (
    finish_sign_in,
    forget_pending,
    pending_sign_in,
    refused_page,
)
from diplolearn.auth.signin_forms import CodeForm, DisableForm, EnrolForm
from diplolearn.extensions import limiter
from diplolearn.observability import count_failed_sign_in
from diplolearn.services.signin import WrongPasswordOrCode, crypto, two_factor
from diplolearn.unit_of_work import say_refused, unit_of_work

SETUP_KEY = "two_factor_setup"


def _code_failed(_response) -> bool:
    return bool(g.get("two_factor_failed"))


def _person_key() -> str:
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    pending = pending_sign_in()
    return f"user:{pending['uid']}" if pending else ""


def limited(scope: str):
    """Rate limits for a form that checks a code or a password: per person, per address."""

    def decorate(view):
        view = limiter.limit(
            lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
            methods=["POST"],
            key_func=_person_key,
            deduct_when=_code_failed,
            scope=f"{scope}-account",
        )(view)
        return limiter.limit(
            lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"],
            methods=["POST"],
            deduct_when=_code_failed,
            scope=f"{scope}-address",
        )(view)

    return decorate


def _sign_in_again():
    forget_pending()
    flash(_("Please sign in again: the sign-in was not finished in time."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/login/two-factor", methods=["GET", "POST"])
@limited("two-factor")
def two_factor_step():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    pending = pending_sign_in()
    if pending and pending.get("step") == "enrol":
        return redirect(url_for("auth.two_factor_setup"))
    user = two_factor.signing_in(pending["uid"]) if pending else None
    if user is None:
        return _sign_in_again()
    if not user.is_active:
        return refused_page(user)
    form = CodeForm()
    if form.validate_on_submit():
        with unit_of_work(quiet=True) as work:
            two_factor.check_second_factor(user, form.code.data)
        if not work.refused:
            return finish_sign_in(
                user,
                method=pending["method"],
                second_factor=True,
                remember=pending["remember"],
                next_url=pending["next"],
            )
        form.code.errors.append(work.error.message)
    if request.method == "POST":
        g.two_factor_failed = True
        count_failed_sign_in()
    status = 422 if request.method == "POST" else 200
    return render_template("auth/two_factor_step.html", form=form), status


def _setup_secret() -> str:
    """The secret being set up, kept encrypted in the session until a code confirms it (so
    showing the page writes nothing to the database)."""
    stored = session.get(SETUP_KEY)
    if isinstance(stored, str):
        try:
            return crypto.decrypt(stored)
        except InvalidToken:  # a key change: start again
            pass
    secret = two_factor.new_secret()
    session[SETUP_KEY] = crypto.encrypt(secret)
    return secret


@bp.route("/two-factor/setup", methods=["GET", "POST"])
@limited("two-factor-setup")
def two_factor_setup():
    pending = None
    if current_user.is_authenticated:
        user = current_user._get_current_object()
    else:
        pending = pending_sign_in("enrol")
        user = two_factor.signing_in(pending["uid"]) if pending else None
        if user is None:
            return redirect(url_for("auth.login", next=request.full_path))
        if not user.is_active:
            return refused_page(user)
    if two_factor.is_enrolled(user):
        if pending:
            return _sign_in_again()
        flash(_("Two-step sign-in is already on for your account."), "info")
        return redirect(url_for("main.account"))
    secret = _setup_secret()
    form = EnrolForm()
    if form.validate_on_submit():
        keep = None if pending else current_user.device_session_id
        with unit_of_work(quiet=True) as work:
            codes = two_factor.enrol(user, secret, form.code.data, keep_device=keep)
        if not work.refused:
            session.pop(SETUP_KEY, None)
            continue_url = url_for("main.account")
            if pending:
                response = finish_sign_in(
                    user,
                    method=pending["method"],
                    second_factor=True,
                    remember=pending["remember"],
                    next_url=pending["next"],
                )
                if response.status_code != 302:
                    return response
                continue_url = response.location
            return render_template(
                "auth/recovery_codes.html", codes=codes, continue_url=continue_url
            )
        form.code.errors.append(work.error.message)
    if request.method == "POST":
        g.two_factor_failed = True
    status = 422 if request.method == "POST" else 200
    uri = two_factor.provisioning_uri(secret, user)
    return render_template(
        "auth/two_factor_setup.html",
        form=form,
        qr=two_factor.qr_data_uri(uri),
        secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        during_sign_in=pending is not None,
    ), status


@bp.route("/account/two-factor/off", methods=["GET", "POST"])
@limited("two-factor-off")
@login_required
def two_factor_disable():
    if not two_factor.is_enrolled(current_user):
        flash(_("Two-step sign-in is not on for your account."), "info")
        return redirect(url_for("main.account"))
    form = DisableForm()
    status = 200
    if form.validate_on_submit():
        with unit_of_work(quiet=True, status=409) as work:
            two_factor.disable(
                current_user, form.proof.data, keep_device=current_user.device_session_id
            )
        if work.done:
            flash(
                _("Two-step sign-in is off. You have been signed out everywhere else."),
                "success",
            )
            return redirect(url_for("main.account"))
        if isinstance(work.error, WrongPasswordOrCode):
            g.two_factor_failed = True
            form.proof.errors.append(work.error.message)
            status = 422
        else:
            say_refused(work.error)
            status = work.status
    elif request.method == "POST":
        status = 422
    return make_response(
        render_template(
            "auth/two_factor_disable.html",
            form=form,
            required=two_factor.is_required(current_user),
        ),
        status,
    )
