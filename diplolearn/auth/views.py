"""Sign-in, sign-out, invitations and password resets.

Failed sign-ins are rate-limited per account and per address; successful ones never count.
Opening a link from a mail (GET) never uses its token: only submitting the form does.
"""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, logout_user

from diplolearn import page_cache
from diplolearn.auth import bp, sso_views
from diplolearn.auth.forms import ForgotPasswordForm, LoginForm, ResendLinkForm, SetPasswordForm
from diplolearn.auth.signin import finish_sign_in
from diplolearn.extensions import limiter
from diplolearn.forms import safe_next
from diplolearn.models import TokenPurpose
from diplolearn.models.accounts import normalise_email
from diplolearn.observability import count_failed_sign_in
from diplolearn.services.accounts import TokenExpired, TokenProblem, accounts
from diplolearn.services.errors import DomainError
from diplolearn.services.signin import AccountSuspended, devices
from diplolearn.services.sso import providers as sso
from diplolearn.unit_of_work import unit_of_work

PURPOSES = {"invitation": TokenPurpose.INVITATION, "reset": TokenPurpose.PASSWORD_RESET}


def _login_failed(_response) -> bool:
    return bool(g.get("login_failed"))


def _account_key() -> str:
    email = normalise_email(request.form.get("email", ""))[:254]
    return f"account:{email}" if email else ""


@bp.get("/login")
def login():
    """The sign-in page. For visitors (everyone who asks for it, but for people already
    signed in, who are sent on), it is the same page but for their CSRF token: kept rendered
    per worker (page_cache) with the single sign-on providers it was rendered from, which are
    read again at most every SIGN_IN_PAGE_FRESH_SECONDS."""
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    return page_cache.anonymous_page(
        sso.enabled_providers_if_reachable,
        lambda: _login_page(LoginForm(next=request.args.get("next", ""))),
        reuse_inputs=sso.use_sign_in_providers,
        fresh_for=current_app.config["SIGN_IN_PAGE_FRESH_SECONDS"],
    )


def _login_page(form: LoginForm) -> str:
    return render_template("auth/login.html", form=form)


@bp.post("/login")
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"],
    deduct_when=_login_failed,
    scope="login-address",
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    key_func=_account_key,
    deduct_when=_login_failed,
    scope="login-account",
)
def sign_in():
    form = LoginForm()
    if current_user.is_authenticated:
        return redirect(safe_next(form.next.data or request.args.get("next")))
    if form.validate_on_submit():
        # Staff of a ministry with its own provider leave the password empty (issue 21).
        if not form.password.data and (provider := sso.provider_for_email(form.email.data)):
            return sso_views.begin(
                provider,
                login_hint=form.email.data,
                next_url=form.next.data,
                remember=form.remember.data,
            )
        with unit_of_work(quiet=True) as work:
            user = accounts.authenticate(form.email.data, form.password.data)
        if work.refused:
            g.login_failed = True
            form.password.errors.append(work.error.message)
        else:
            return finish_sign_in(
                user,
                method="password",
                second_factor=False,
                remember=form.remember.data,
                next_url=form.next.data,
            )
    else:
        g.login_failed = True
    if g.get("login_failed"):
        count_failed_sign_in()
    return _login_page(form), 422 if g.get("login_failed") else 200


@bp.post("/logout")
def logout():
    provider_exit = sso_views.provider_sign_out_url()  # the ministry's provider too (issue 21)
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(provider_exit or url_for("main.home"))


def _token_problem(error: DomainError, purpose: str, raw: str):
    status = 410 if isinstance(error, TokenExpired) else 400
    if isinstance(error, AccountSuspended):
        status = 403
    resend = ResendLinkForm() if isinstance(error, TokenExpired) else None
    return render_template(
        "auth/token_problem.html",
        message=error.message,
        purpose=purpose,
        token=raw,
        resend_form=resend,
    ), status


def _set_password_page(purpose: str, raw: str, use_token, template: str):
    try:
        token = accounts.find_token(raw, PURPOSES[purpose])
    except DomainError as error:
        return _token_problem(error, purpose, raw)
    form = SetPasswordForm()
    if form.validate_on_submit():
        with unit_of_work(quiet=True) as work:
            user = use_token(raw, form.password.data)
            # A new password ends every session (the epoch moved on): their devices too.
            devices.end_all(user, "password_changed")
        if isinstance(work.error, TokenProblem | AccountSuspended):
            return _token_problem(work.error, purpose, raw)
        if work.refused:
            form.password.errors.append(work.error.message)
        else:
            flash(_("Your password is saved. Welcome to DiploLearn."), "success")
            # Through the one way in: a second factor, if set up, is still asked for.
            return finish_sign_in(
                user, method="link", second_factor=False, next_url=url_for("main.home")
            )
    status = 422 if request.method == "POST" else 200
    return render_template(template, form=form, person=token.user), status


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    if current_user.is_authenticated and request.method == "GET":
        logout_user()
    return _set_password_page(
        "invitation", token, accounts.accept_invitation, "auth/accept_invitation.html"
    )


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    return _set_password_page("reset", token, accounts.reset_password, "auth/reset_password.html")


@bp.post("/link/<purpose>/<token>/resend")
@limiter.limit("5 per hour")
def resend_link(purpose: str, token: str):
    if purpose not in PURPOSES:
        abort(404)
    form = ResendLinkForm()
    if not form.validate_on_submit():
        abort(400)
    with unit_of_work():
        accounts.resend_token_for(token, PURPOSES[purpose])
    # The same answer whether or not a mail went out: a link says nothing about its owner.
    flash(
        _(
            "If that link belonged to an active account, a new link is on its way to its "
            "email address."
        ),
        "info",
    )
    return redirect(url_for("auth.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        with unit_of_work():
            accounts.request_password_reset(form.email.data)
        flash(
            ngettext(
                "If an account uses that address, a link to choose a new password is on "
                "its way. It works for %(num)d hour.",
                "If an account uses that address, a link to choose a new password is on "
                "its way. It works for %(num)d hours.",
                current_app.config["PASSWORD_RESET_TTL_HOURS"],
            ),
            "info",
        )
        return redirect(url_for("auth.login"))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/forgot_password.html", form=form), status
