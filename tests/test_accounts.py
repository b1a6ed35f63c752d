"""Accounts: invitations, sign-in, password reset, sessions ending on password change."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from diplolearn.models import AuditEvent, TokenPurpose, User, UserToken, utcnow
from diplolearn.services.accounts import (
    EmailTaken,
    InvalidCredentials,
    TokenExpired,
    TokenInvalid,
    TokenUsed,
    WeakPassword,
    accounts,
)
from tests.conftest import csrf_from, login, post_form
from tests.factories import PASSWORD, make_user

NEW_PASSWORD = "a new long passphrase"


def _link_token(message) -> str:
    body = message.get_content()
    match = re.search(r"https://learn\.example\.org/(?:invitation|password/reset)/(\S+)", body)
    assert match, body
    return match.group(1)


def _send_outbox(app):
    from diplolearn.jobs import send_due_mail

    return send_due_mail(utcnow())


# --- services ----------------------------------------------------------------------------


def test_emails_are_unique_regardless_of_case(db):
    make_user("Layla@Example.org")
    with pytest.raises(EmailTaken):
        make_user("layla@example.ORG")
    assert accounts.find_user_by_email("LAYLA@example.org").email == "layla@example.org"


def test_database_itself_refuses_emails_differing_only_in_case(db):
    make_user("ali@example.org")
    db.session.flush()
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        db.session.execute(
            sa.text(
                'INSERT INTO "user" (email, name_ar, name_latin, sort_key, timezone, is_active,'
                " session_epoch, created_at, updated_at) VALUES ('ALI@example.org', '', 'x', '',"
                " 'UTC', true, 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )


def test_authenticate_checks_password_and_records_login(db):
    user = make_user("a@example.org")
    assert accounts.authenticate("A@example.org", PASSWORD) is user
    assert user.last_login_at is not None
    with pytest.raises(InvalidCredentials):
        accounts.authenticate("a@example.org", "wrong password")
    with pytest.raises(InvalidCredentials):
        accounts.authenticate("nobody@example.org", PASSWORD)


def test_password_is_hashed_and_short_passwords_are_refused(db):
    user = make_user()
    assert PASSWORD not in user.password_hash
    with pytest.raises(WeakPassword):
        accounts.set_password(user, "short")


def test_invitation_link_survives_being_opened_and_is_used_once(db, client, sent_mail, app):
    user = make_user("new@example.org", password=None)
    accounts.invite(user)
    db.session.commit()
    assert sent_mail == []  # queued in the outbox, not sent inside the request
    _send_outbox(app)
    token = _link_token(sent_mail[-1])

    # A mail gateway opens the link first: nothing is used up.
    for _ in range(3):
        assert client.get(f"/invitation/{token}").status_code == 200
    response = post_form(
        client, f"/invitation/{token}", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert accounts.authenticate("new@example.org", NEW_PASSWORD) == user

    client.post("/logout", data={"csrf_token": csrf_from(client, "/account")})
    again = client.get(f"/invitation/{token}")
    assert again.status_code == 400
    assert "already been used" in again.get_data(as_text=True)


def test_expired_invitation_explains_and_can_be_resent(db, client, sent_mail, app):
    user = make_user("late@example.org", password=None)
    raw = accounts.issue_token(user, TokenPurpose.INVITATION, now=utcnow() - dt.timedelta(days=30))
    db.session.commit()
    page = client.get(f"/invitation/{raw}")
    assert page.status_code == 410
    assert "expired" in page.get_data(as_text=True)
    response = post_form(
        client, f"/link/invitation/{raw}/resend", {}, form_page=f"/invitation/{raw}"
    )
    assert response.status_code == 302
    _send_outbox(app)
    assert [m["To"] for m in sent_mail] == ["late@example.org"]
    fresh = _link_token(sent_mail[-1])
    assert fresh != raw
    assert client.get(f"/invitation/{fresh}").status_code == 200


def test_resending_an_invitation_supersedes_the_old_link(db):
    user = make_user(password=None)
    first = accounts.invite(user)
    second = accounts.invite(user)
    with pytest.raises(TokenExpired):
        accounts.find_token(first, TokenPurpose.INVITATION)
    assert accounts.find_token(second, TokenPurpose.INVITATION).user == user


@pytest.mark.parametrize("raw", ["", "x", "not-a-token", "a" * 500, "%00", "../../etc/passwd"])
def test_malformed_tokens_get_a_clear_400(client, raw):
    response = client.get(f"/invitation/{raw}")
    assert response.status_code in (400, 404)
    if response.status_code == 400:
        assert "not valid" in response.get_data(as_text=True)


def test_tokens_are_stored_hashed(db):
    user = make_user(password=None)
    raw = accounts.invite(user)
    stored = db.session.scalars(sa.select(UserToken.token_digest)).all()
    assert raw not in stored and len(stored[0]) == 64


def test_token_purpose_is_checked(db):
    user = make_user()
    raw = accounts.issue_token(user, TokenPurpose.PASSWORD_RESET)
    with pytest.raises(TokenInvalid):
        accounts.find_token(raw, TokenPurpose.INVITATION)


def test_password_reset_flow_ends_other_sessions(app, db, sent_mail):
    user = make_user("reset@example.org")
    db.session.commit()
    other_device = app.test_client()
    login(other_device, "reset@example.org")
    assert other_device.get("/account").status_code == 200

    client = app.test_client()
    response = post_form(client, "/password/forgot", {"email": "RESET@example.org"})
    assert response.status_code == 302
    _send_outbox(app)
    token = _link_token(sent_mail[-1])
    assert (
        post_form(
            client, f"/password/reset/{token}", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
        ).status_code
        == 302
    )
    assert client.get("/account").status_code == 200  # the person is signed in here
    assert other_device.get("/account").status_code == 302  # and out everywhere else
    with pytest.raises(TokenUsed):
        accounts.find_token(token, TokenPurpose.PASSWORD_RESET)
    assert user.session_epoch == 1


def test_forgot_password_says_the_same_for_unknown_addresses(client, sent_mail, app):
    response = post_form(
        client, "/password/forgot", {"email": "ghost@example.org"}, follow_redirects=True
    )
    assert "If an account uses that address" in response.get_data(as_text=True)
    _send_outbox(app)
    assert sent_mail == []


def test_change_password_keeps_this_session_and_ends_the_others(app, db):
    make_user("change@example.org")
    db.session.commit()
    here, elsewhere = app.test_client(), app.test_client()
    login(here, "change@example.org")
    login(elsewhere, "change@example.org")
    response = post_form(
        here,
        "/account/password",
        {
            "pw-current": PASSWORD,
            "pw-password": NEW_PASSWORD,
            "pw-confirm": NEW_PASSWORD,
        },
        form_page="/account",
    )
    assert response.status_code == 302
    assert here.get("/account").status_code == 200
    assert elsewhere.get("/account").status_code == 302
    events = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "user.password_change" in events


def test_change_password_with_wrong_current_password_changes_nothing(app, db, client):
    user = make_user("keep@example.org")
    db.session.commit()
    login(client, "keep@example.org")
    before = user.password_hash
    response = post_form(
        client,
        "/account/password",
        {
            "pw-current": "not my password",
            "pw-password": NEW_PASSWORD,
            "pw-confirm": NEW_PASSWORD,
        },
        form_page="/account",
    )
    assert response.status_code == 422
    assert "not right" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.password_hash == before and user.session_epoch == 0


def test_wrong_password_gets_a_clear_message(client, db):
    make_user("me@example.org")
    response = post_form(client, "/login", {"email": "me@example.org", "password": "nope"})
    assert response.status_code == 422
    assert "The email or password is not right" in response.get_data(as_text=True)


def test_wrong_password_message_is_in_the_users_language(client, db):
    make_user("moi@example.org")
    client.set_cookie("session", "", domain="localhost")
    token = csrf_from(client, "/login?lang=fr")
    response = client.post(
        "/login?lang=fr", data={"csrf_token": token, "email": "moi@example.org", "password": "nope"}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'lang="fr"' in page
    assert "Saisissez" in page or "mot de passe" in page
    assert "The email or password is not right" not in page


@pytest.mark.parametrize(
    "target,expected",
    [
        ("/account", "/account"),
        ("https://evil.example.com/", "/"),
        ("//evil.example.com/", "/"),
        ("/\\evil.example.com", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_next_redirect_is_local_only(client, db, target, expected):
    make_user("next@example.org")
    response = post_form(
        client,
        f"/login?next={target}",
        {"email": "next@example.org", "password": PASSWORD, "next": target},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_inactive_accounts_cannot_sign_in(client, db):
    user = make_user("gone@example.org")
    user.is_active_account = False
    db.session.commit()
    response = post_form(client, "/login", {"email": "gone@example.org", "password": PASSWORD})
    assert response.status_code == 422


def test_user_loader_rejects_sessions_of_an_older_epoch(app, db):
    user = make_user("epoch@example.org")
    db.session.commit()
    client = app.test_client()
    login(client, "epoch@example.org")
    user.session_epoch += 1
    db.session.commit()
    assert client.get("/account").status_code == 302


def test_logout_needs_post_and_csrf(client, db):
    make_user("out@example.org")
    login(client, "out@example.org")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/account").status_code == 200


def test_create_admin_command(runner, db):
    result = runner.invoke(
        args=[
            "users",
            "create-admin",
            "--email",
            "Root@Example.org",
            "--name",
            "Root Admin",
            "--password",
            "a long admin password",
        ]
    )
    assert result.exit_code == 0, result.output
    user = accounts.find_user_by_email("root@example.org")
    assert user.is_administrator
    again = runner.invoke(
        args=[
            "users",
            "create-admin",
            "--email",
            "root@example.org",
            "--name",
            "Root",
            "--password",
            "a long admin password",
        ]
    )
    assert again.exit_code != 0 and "already registered" in again.output


def test_users_sort_the_same_on_every_database(db):
    names = ["يوسف", "أحمد", "إبراهيم", "ليلى", "بشير", "آمنة"]
    for name in names:
        make_user(name_ar=name)
    make_user(name_ar="", name_latin="Zoe")
    make_user(name_ar="", name_latin="Émile")
    ordered = db.session.scalars(
        sa.select(
            User.name_ar,
        ).order_by(User.sort_key)
    ).all()
    # Hamza and madda forms of alef sort as alef, then by the following letters.
    assert ordered == ["إبراهيم", "أحمد", "آمنة", "بشير", "ليلى", "يوسف", "", ""]
    latin = db.session.scalars(
        sa.select(User.name_latin).where(User.name_ar == "").order_by(User.sort_key)
    ).all()
    assert latin == ["Émile", "Zoe"]


def test_every_demo_account_can_sign_in_through_the_form(app, db):
    from diplolearn.demo import DEMO_ACCOUNTS, seed_demo

    seed_demo()
    db.session.commit()
    for row in DEMO_ACCOUNTS:
        client = app.test_client()
        login(client, row.email, row.password)
        assert client.get("/account").status_code == 200, row.email
