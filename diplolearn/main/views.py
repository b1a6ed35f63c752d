"""The home page, the signed-in dashboard, preferences, the language switcher, /healthz."""

from __future__ import annotations

from flask import (
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user

from diplolearn.auth.forms import ChangePasswordForm
from diplolearn.extensions import limiter
from diplolearn.forms import safe_next
from diplolearn.i18n import current_language
from diplolearn.learner.pages import Reader
from diplolearn.main import bp
from diplolearn.main.forms import LanguageForm, PreferencesForm
from diplolearn.security.permissions import login_required
from diplolearn.security.scoping import (
    dashboard_announcements,
    dashboard_enrolments,
    own_current_membership,
)
from diplolearn.services import health, progress
from diplolearn.services.accounts import WeakPassword, accounts
from diplolearn.services.cohorts import places
from diplolearn.unit_of_work import unit_of_work

DASHBOARD_ANNOUNCEMENTS = 5


@bp.get("/")
def home():
    if not current_user.is_authenticated:
        return render_template("main/home.html")
    enrolments = dashboard_enrolments(current_user)
    # Every cohort's progress in a fixed number of queries, however many there are.
    standing = progress.progress_for(list(enrolments))
    announcements = (
        dashboard_announcements(current_user, DASHBOARD_ANNOUNCEMENTS) if enrolments else []
    )
    return render_template(
        "main/dashboard.html",
        enrolments=enrolments,
        standing=standing,
        readers={e.id: Reader(e.cohort.course) for e in enrolments},
        waiting=places.waiting_positions(enrolments),
        announcements=announcements,
    )


@bp.get("/healthz")
def healthz():
    if not health.database_answers():
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


@bp.post("/language")
def set_language():
    """Save the interface language: on the account when signed in, else in the session."""
    form = LanguageForm()
    if not form.validate_on_submit():
        flash(_("That language is not available."), "error")
        return redirect(safe_next(form.next.data))
    if current_user.is_authenticated:
        with unit_of_work():
            current_user.interface_language = form.lang.data
    else:
        session["lang"] = form.lang.data
    return redirect(safe_next(form.next.data))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = PreferencesForm(
        obj=current_user,
        data=None
        if request.method == "POST"
        else {
            "interface_language": current_user.interface_language or current_language(),
            "reading_language": current_user.reading_language or current_language(),
        },
    )
    password_form = ChangePasswordForm(prefix="pw")
    if form.validate_on_submit():
        with unit_of_work():
            current_user.interface_language = form.interface_language.data
            current_user.reading_language = form.reading_language.data
            current_user.timezone = form.timezone.data
            current_user.notify_by_mail = form.notify_by_mail.data
        flash(_("Your preferences are saved."), "success")
        return redirect(url_for("main.account"))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "main/account.html",
        form=form,
        password_form=password_form,
        membership=own_current_membership(current_user),
    ), status


def _wrong_current_password(_response) -> bool:
    return bool(g.get("wrong_current_password"))


def _signed_in_account() -> str:
    return f"user:{current_user.get_id() or 'anonymous'}"


# Limited as sign-in is: a wrong current password is a password guess (a borrowed session must
# not let anyone try them without end), counted per account and per address; a weak new
# password or a mistyped confirmation is not.
@bp.post("/account/password")
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"],
    deduct_when=_wrong_current_password,
    scope="password-address",
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    key_func=_signed_in_account,
    deduct_when=_wrong_current_password,
    scope="password-account",
)
@login_required
def change_password():
    form = PreferencesForm(obj=current_user)
    password_form = ChangePasswordForm(prefix="pw")
    if password_form.validate_on_submit():
        with unit_of_work(quiet=True) as work:
            accounts.change_password(
                current_user, password_form.current.data, password_form.password.data
            )
        if work.refused:
            if isinstance(work.error, WeakPassword):
                password_form.password.errors.append(work.error.message)
            else:
                g.wrong_current_password = True
                password_form.current.errors.append(work.error.message)
        else:
            # Every other session ended with the old epoch; keep this one signed in.
            login_user(current_user._get_current_object())
            flash(
                _("Your password is changed. You have been signed out everywhere else."), "success"
            )
            return redirect(url_for("main.account"))
    return render_template(
        "main/account.html",
        form=form,
        password_form=password_form,
        membership=own_current_membership(current_user),
    ), 422
