"""Two-step sign-in (issue 21): TOTP with recovery codes, set up from the account page or, when
a role requires it, during sign-in; a code reused in its window, wrong codes (rate-limited) and
a half-finished sign-in are refused with a clear page and nothing changed."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
import sqlalchemy as sa

from diplolearn.auth.signin import PENDING_KEY
from diplolearn.models import AuditEvent, RecoveryCode, Role, TwoFactorCredential
from diplolearn.services.signin import CodeAlreadyUsed, crypto, two_factor
from tests.conftest import csrf_from, login
from tests.factories import PASSWORD, make_user, make_with_role

STEP = 30


def code_for(secret: str, offset: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + offset * STEP)


def enrol(db, user) -> tuple[str, list[str]]:
    """Turn the second factor on directly; returns the secret and the recovery codes."""
    secret = two_factor.new_secret()
    codes = two_factor.enrol(user, secret, code_for(secret, -1), keep_device=None)
    db.session.commit()
    return secret, codes


def password_step(client, email, **extra):
    token = csrf_from(client, "/login")
    return client.post(
        "/login", data={"csrf_token": token, "email": email, "password": PASSWORD, **extra}
    )


def code_step(client, code):
    token = csrf_from(client, "/login/two-factor")
    return client.post("/login/two-factor", data={"csrf_token": token, "code": code})


def signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def audit_actions(db, user) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.subject_user_id == user.id)
            .order_by(AuditEvent.id)
        )
    )


# --- sign-in --------------------------------------------------------------------------------


def test_a_person_without_a_second_factor_signs_in_with_the_password(client, db):
    user = make_user()
    db.session.commit()
    login(client, user.email)
    assert signed_in(client)


def test_the_password_alone_only_half_signs_in_a_person_with_a_second_factor(client, db):
    user = make_user()
    secret, _codes = enrol(db, user)
    response = password_step(client, user.email, next="/account")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login/two-factor")
    with client.session_transaction() as session:
        pending = session[PENDING_KEY]
        assert pending["uid"] == user.id and pending["next"] == "/account"
        assert "_user_id" not in session
    assert not signed_in(client)
    page = client.get("/login/two-factor")
    assert page.status_code == 200 and 'autocomplete="one-time-code"' in page.text
    response = code_step(client, code_for(secret))
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert signed_in(client)
    with client.session_transaction() as session:
        assert PENDING_KEY not in session


def test_a_wrong_code_is_refused_with_a_clear_message_and_nothing_changes(client, db):
    user = make_user()
    secret, _codes = enrol(db, user)
    before = db.session.get(TwoFactorCredential, two_factor.credential_of(user).id).last_used_step
    password_step(client, user.email)
    wrong = "000000" if code_for(secret) != "000000" else "111111"
    response = code_step(client, wrong)
    assert response.status_code == 422
    assert "That code is not right" in response.text
    assert not signed_in(client)
    db.session.expire_all()
    assert two_factor.credential_of(user).last_used_step == before


def test_a_code_used_once_is_refused_the_second_time_within_its_window(client, db, app):
    user = make_user()
    secret, _codes = enrol(db, user)
    code = code_for(secret)
    password_step(client, user.email)
    assert code_step(client, code).status_code == 302
    other = app.test_client()
    password_step(other, user.email)
    response = code_step(other, code)
    assert response.status_code == 422
    assert "has just been used" in response.text
    assert not signed_in(other)


def test_an_older_code_than_the_last_used_one_is_refused(db):
    user = make_user()
    secret, _codes = enrol(db, user)  # used the previous step
    two_factor.check_second_factor(user, code_for(secret, +1))
    with pytest.raises(CodeAlreadyUsed):
        two_factor.check_second_factor(user, code_for(secret, 0))


def test_a_recovery_code_signs_in_once_only(client, db, app):
    user = make_user()
    _secret, codes = enrol(db, user)
    assert len(codes) == 10 and len(set(codes)) == 10
    password_step(client, user.email)
    assert code_step(client, codes[0].upper()).status_code == 302
    assert signed_in(client)
    other = app.test_client()
    password_step(other, user.email)
    assert code_step(other, codes[0]).status_code == 422
    assert not signed_in(other)
    db.session.expire_all()
    assert two_factor.recovery_codes_left(user) == 9
    assert "user.recovery_code_used" in audit_actions(db, user)


def test_recovery_codes_and_the_secret_are_not_stored_readable(db):
    user = make_user()
    secret, codes = enrol(db, user)
    credential = two_factor.credential_of(user)
    assert secret not in credential.secret_encrypted
    assert crypto.decrypt(credential.secret_encrypted) == secret
    digests = db.session.scalars(
        sa.select(RecoveryCode.code_digest).where(RecoveryCode.user_id == user.id)
    ).all()
    assert not {c.replace("-", "") for c in codes} & set(digests)
    assert all(re.fullmatch(r"[0-9a-f]{64}", d) for d in digests)


def test_the_key_may_come_from_two_factor_key_and_old_secrets_still_open(app, db):
    user = make_user()
    secret, _codes = enrol(db, user)
    stored = two_factor.credential_of(user).secret_encrypted
    app.config["TWO_FACTOR_KEY"] = "another key from the environment"
    try:
        assert crypto.decrypt(stored) == secret
        fresh = crypto.encrypt("X")
        app.config["TWO_FACTOR_KEY"] = ""
        with pytest.raises(Exception):  # noqa: B017 - Fernet's InvalidToken
            crypto.decrypt(fresh)
    finally:
        app.config["TWO_FACTOR_KEY"] = ""


def test_wrong_codes_are_rate_limited_like_passwords(client, db, app):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "3 per 15 minutes"
    try:
        user = make_user()
        secret, _codes = enrol(db, user)
        password_step(client, user.email)
        wrong = "000000" if code_for(secret) != "000000" else "111111"
        for _ in range(3):
            assert code_step(client, wrong).status_code == 422
        response = code_step(client, code_for(secret))
        assert response.status_code == 429
        assert not signed_in(client)
    finally:
        app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "10 per 15 minutes"


def test_the_code_step_without_a_password_first_sends_back_to_sign_in(client, db):
    response = client.get("/login/two-factor")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    token = csrf_from(client, "/login")
    response = client.post("/login/two-factor", data={"csrf_token": token, "code": "123456"})
    assert response.status_code == 302
    assert not signed_in(client)


def test_a_half_finished_sign_in_expires(client, db):
    user = make_user()
    secret, _codes = enrol(db, user)
    password_step(client, user.email)
    with client.session_transaction() as session:
        pending = session[PENDING_KEY]
        pending["at"] -= 11 * 60
        session[PENDING_KEY] = pending
    token = csrf_from(client, "/login")
    response = client.post(
        "/login/two-factor", data={"csrf_token": token, "code": code_for(secret)}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert not signed_in(client)


def test_a_password_reset_link_still_asks_for_the_second_factor(client, db):
    from diplolearn.services.accounts import accounts

    user = make_user()
    enrol(db, user)
    raw = accounts.request_password_reset(user.email)
    db.session.commit()
    path = f"/password/reset/{raw}"
    token = csrf_from(client, path)
    new = "a brand new passphrase"
    response = client.post(path, data={"csrf_token": token, "password": new, "confirm": new})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login/two-factor")
    assert not signed_in(client)


# --- setting it up, turning it off ----------------------------------------------------------


def setup_secret(client) -> str:
    page = client.get("/two-factor/setup")
    assert page.status_code == 200
    assert 'src="data:image/svg+xml' in page.text
    key = re.search(r'class="totp-secret">([A-Z2-7 ]+)<', page.text).group(1)
    return key.replace(" ", "")


def test_setting_it_up_from_the_account_page(client, db, app):
    user = make_user()
    db.session.commit()
    login(client, user.email)
    other = app.test_client()
    login(other, user.email)
    account = client.get("/account")
    assert "/two-factor/setup" in account.text
    secret = setup_secret(client)
    assert two_factor.credential_of(user) is None  # showing the page wrote nothing
    token = csrf_from(client, "/two-factor/setup")
    response = client.post("/two-factor/setup", data={"csrf_token": token, "code": "999999"})
    assert response.status_code == 422 and two_factor.credential_of(user) is None
    response = client.post(
        "/two-factor/setup", data={"csrf_token": token, "code": code_for(secret)}
    )
    assert response.status_code == 200
    codes = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", response.text)
    assert len(codes) == 10
    db.session.expire_all()
    assert two_factor.is_enrolled(user)
    assert "user.two_factor_on" in audit_actions(db, user)
    # This device stays signed in; the other one is signed out.
    assert signed_in(client)
    assert not signed_in(other)
    assert client.get("/two-factor/setup").status_code == 302


def test_turning_it_off_needs_the_password_or_a_current_code(client, db):
    user = make_user()
    secret, _codes = enrol(db, user)
    password_step(client, user.email)
    code_step(client, code_for(secret))
    assert client.get("/account/two-factor/off").status_code == 200
    token = csrf_from(client, "/account/two-factor/off")
    response = client.post(
        "/account/two-factor/off", data={"csrf_token": token, "proof": "not my password"}
    )
    assert response.status_code == 422
    assert "Neither your password nor a current code" in response.text
    db.session.expire_all()
    assert two_factor.is_enrolled(user)
    response = client.post("/account/two-factor/off", data={"csrf_token": token, "proof": PASSWORD})
    assert response.status_code == 302
    db.session.expire_all()
    assert not two_factor.is_enrolled(user)
    assert (
        db.session.scalar(
            sa.select(sa.func.count(RecoveryCode.id)).where(RecoveryCode.user_id == user.id)
        )
        == 0
    )
    assert "user.two_factor_off" in audit_actions(db, user)
    assert signed_in(client)


# --- required for staff with power ----------------------------------------------------------


@pytest.fixture()
def required(app):
    app.config["REQUIRE_TWO_FACTOR"] = True
    yield
    app.config["REQUIRE_TWO_FACTOR"] = False


def test_it_is_off_by_default_outside_production(app):
    from diplolearn.config import load_config

    assert app.config["REQUIRE_TWO_FACTOR"] is False
    production = load_config(app.instance_path, {"ENV": "production", "SECRET_KEY": "k"})
    assert production["REQUIRE_TWO_FACTOR"] is True
    development = load_config(app.instance_path, {"ENV": "development", "SECRET_KEY": "k"})
    assert development["REQUIRE_TWO_FACTOR"] is False


@pytest.mark.parametrize("role", [Role.ADMINISTRATOR, Role.COORDINATOR])
def test_an_administrator_or_coordinator_must_set_it_up_before_anything_else(
    client, db, required, role
):
    from tests.factories import make_ministry

    scope = make_ministry().id if role == Role.COORDINATOR else None
    user = make_with_role(role, scope)
    db.session.commit()
    response = password_step(client, user.email)
    assert response.headers["Location"].endswith("/two-factor/setup")
    assert not signed_in(client)
    assert client.get("/login/two-factor").status_code == 302  # not the code step
    secret = setup_secret(client)
    token = csrf_from(client, "/two-factor/setup")
    response = client.post(
        "/two-factor/setup", data={"csrf_token": token, "code": code_for(secret)}
    )
    assert response.status_code == 200 and "recovery" in response.text.lower()
    assert signed_in(client)
    # It cannot be turned off while required.
    token = csrf_from(client, "/account/two-factor/off")
    response = client.post("/account/two-factor/off", data={"csrf_token": token, "proof": PASSWORD})
    assert response.status_code == 409
    db.session.expire_all()
    assert two_factor.is_enrolled(user)


def test_a_learner_is_not_required_to_set_it_up(client, db, required):
    user = make_user()
    db.session.commit()
    login(client, user.email)
    assert signed_in(client)


def test_a_provider_that_reports_a_second_factor_counts_as_two_factor(app, db, required):
    from diplolearn.auth.signin import finish_sign_in

    user = make_with_role(Role.ADMINISTRATOR)
    db.session.commit()
    with app.test_request_context("/sso/callback"):
        response = finish_sign_in(user, method="sso", second_factor=True, next_url="/admin/")
        assert response.status_code == 302 and response.location == "/admin/"
    with app.test_request_context("/sso/callback"):
        response = finish_sign_in(user, method="sso", second_factor=False)
        assert response.location.endswith("/two-factor/setup")
