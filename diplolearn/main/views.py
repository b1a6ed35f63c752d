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

from diplolearn import page_cache
from diplolearn.auth.account_security import account_security_context
from diplolearn.auth.forms import ChangePasswordForm
from diplolearn.extensions import limiter
from diplolearn.forms import safe_next
from diplolearn.i18n import current_language
from diplolearn.learner.pages import Reader
from diplolearn.main import bp, todo
from diplolearn.main.calendar_views import account_calendar
from diplolearn.main.forms import LanguageForm, PreferencesForm
from diplolearn.models import Role, utcnow
from diplolearn.security.permissions import login_required
from diplolearn.security.scoping import dashboard_announcements, own_current_membership
from diplolearn.security.scoping.people import dashboard_enrolments_and_progress
from diplolearn.services import health, progress
from diplolearn.services.accounts import WeakPassword, accounts
from diplolearn.services.cohorts import places
from diplolearn.services.signin import devices
from diplolearn.unit_of_work import unit_of_work

DASHBOARD_ANNOUNCEMENTS = 5


def _own_learning_only() -> bool:
    """Whether the dashboard shows only the person's own learning (staff also see other
    people's work waiting for them: their dashboard is never kept, page_cache.py)."""
    return not _follows_others(current_user)


@bp.get("/")
@page_cache.personal_page(when=_own_learning_only, shows_kept_count=False)
def home():
    """Signed in, the home page is the person's to-do list (main/todo.py): each course's next
    step, what is due or overdue, returned work, replies and the next session; for staff, what
    waits for them in the cohorts and ministries they follow. Its count is kept in the session
    for the navigation of the other pages (``todo_count``), so they pay no query for it."""
    if not current_user.is_authenticated:
        return render_template("main/home.html")
    now = utcnow()
    # The enrolments and their stored progress in one query, however many there are
    # (services/progress/summary.py); the learner's dates come with it.
    enrolments, rows = dashboard_enrolments_and_progress(current_user)
    standing = progress.stored_progress_for(enrolments, now, rows)
    for enrolment_progress in standing.values():
        if enrolment_progress is not None:
            page_cache.valid_until(enrolment_progress.next_change(now))
    steps, dated = todo.learner_plan(enrolments, standing, now)
    announcements = (
        dashboard_announcements(current_user, DASHBOARD_ANNOUNCEMENTS) if enrolments else []
    )
    learning = (
        todo.learner_todo(current_user, enrolments, dated, now, standing) if enrolments else None
    )
    staff = todo.staff_todo(current_user, now) if _follows_others(current_user) else None
    count = (learning.count if learning else 0) + (staff.count if staff else 0)
    if session.get("todo") != [current_user.id, count]:  # set, the session cookie is rewritten
        session["todo"] = [current_user.id, count]
    return render_template(
        "main/dashboard.html",
        enrolments=enrolments,
        standing=standing,
        steps=steps,
        readers={e.id: Reader(e.cohort.course) for e in enrolments},
        waiting=places.waiting_positions(enrolments),
        announcements=announcements,
        learning=learning,
        staff=staff,
        todo_count=count,
        text_reader=todo.read_text,
    )


def _follows_others(user) -> bool:
    return any(grant.role != Role.ADMINISTRATOR for grant in user.grants)


@bp.app_context_processor
def _todo_count():
    """The to-do count beside "My courses": as the home page last counted it for this person
    (kept in their session), so no other page runs a query for it."""
    kept = session.get("todo") if current_user and current_user.is_authenticated else None
    if isinstance(kept, list) and len(kept) == 2 and kept[0] == current_user.id:
        return {"todo_count": kept[1]}
    return {"todo_count": None}


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
        **account_calendar(),
        **account_security_context(current_user),
    ), status


def _wrong_current_password(_response) -> bool:
    return bool(g.get("wrong_current_password"))


def _signed_in_account() -> str:
    # By person, not by session id (which names the device and changes with the password).
    return f"user:{current_user.id if current_user.is_authenticated else 'anonymous'}"


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
            devices.end_others(
                current_user, keep=current_user.device_session_id, reason="password_changed"
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
        **account_calendar(),
        **account_security_context(current_user),
    ), 422
