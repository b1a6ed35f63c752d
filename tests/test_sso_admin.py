"""Single sign-on settings: an administrator configures a ministry's provider (audited, the
secret never in clear), a mandatory provider refuses its staff's passwords, and the one
sign-in form sends an SSO address without a password to the provider."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from diplolearn.models import AuditEvent, Role, SsoProvider
from diplolearn.services.accounts import accounts
from diplolearn.services.accounts import people as people_service
from diplolearn.services.sso import (
    DomainTaken,
    ProviderSettingsInvalid,
    ProviderUnavailable,
    SecretMissing,
    SignInThroughMinistry,
    crypto,
    providers,
)
from tests.conftest import csrf_from, login, post_form
from tests.factories import PASSWORD, make_ministry, make_user, make_with_role

SETTINGS = {
    "issuer": "https://sso.mofa.example/realms/staff",
    "client_id": "diplolearn",
    "client_secret": "s3cret-value",
    "email_domains": ["mofa.example"],
}


@pytest.fixture()
def admin(db):
    return make_with_role(Role.ADMINISTRATOR, email="root@platform.example")


def form(**changes):
    data = {
        "issuer": SETTINGS["issuer"],
        "client_id": "diplolearn",
        "client_secret": "s3cret-value",
        "client_secret_env": "",
        "email_domains": "mofa.example\nMission.MOFA.example",
        "staff_id_claim": "employee_number",
        "allow_jit": "y",
        "is_enabled": "y",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_administrator_configures_a_ministrys_provider(client, db, admin):
    ministry = make_ministry()
    db.session.commit()
    login(client, admin.email)
    page = f"/admin/ministries/{ministry.id}/sso"
    html = client.get(page).get_data(as_text=True)
    assert "https://learn.example.org/sso/callback" in html
    assert "Single sign-on" in client.get(f"/admin/ministries/{ministry.id}").get_data(as_text=True)
    response = post_form(client, page, form())
    assert response.status_code == 302
    provider = db.session.scalar(
        sa.select(SsoProvider).where(SsoProvider.ministry_id == ministry.id)
    )
    assert provider.email_domains == ["mission.mofa.example", "mofa.example"]
    assert provider.staff_id_claim == "employee_number" and provider.allow_jit
    assert not provider.mandatory
    # The secret is stored encrypted, and readable with the key from the environment.
    assert "s3cret" not in (provider.client_secret_encrypted or "")
    assert crypto.client_secret(provider) == "s3cret-value"
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "sso.provider_create")
    )
    assert event.actor_id == admin.id and event.ministry_id == ministry.id
    assert event.details["changes"]["client_secret"] == "changed"
    assert "s3cret" not in str(event.details)
    # The page never shows the secret; saving with it empty keeps it.
    assert "s3cret" not in client.get(page).get_data(as_text=True)
    response = post_form(client, page, form(client_secret="", mandatory="y"))
    assert response.status_code == 302
    db.session.refresh(provider)
    assert provider.mandatory and crypto.client_secret(provider) == "s3cret-value"


def test_secret_from_an_environment_variable_is_never_stored(db, admin, monkeypatch):
    monkeypatch.setenv("SSO_SECRET_TEST", "from-the-environment")
    provider = providers.save_provider(
        make_ministry(), **{**SETTINGS, "client_secret": ""}, client_secret_env="SSO_SECRET_TEST",
        by=admin,
    )  # fmt: skip
    assert provider.client_secret_encrypted is None
    assert crypto.client_secret(provider) == "from-the-environment"
    monkeypatch.delenv("SSO_SECRET_TEST")
    with pytest.raises(SecretMissing):
        crypto.client_secret(provider)


def test_a_secret_encrypted_under_another_key_cannot_be_read(app, db, admin):
    app.config["SSO_SECRET_KEY"] = "the key of the day"
    try:
        provider = providers.save_provider(make_ministry(), **SETTINGS, by=admin)
        app.config["SSO_SECRET_KEY"] = "another key entirely"
        with pytest.raises(ProviderUnavailable):
            crypto.client_secret(provider)
    finally:
        app.config["SSO_SECRET_KEY"] = ""


def test_a_secret_sealed_before_the_sso_key_was_set_still_opens(app, db, admin):
    """Introducing SSO_SECRET_KEY later loses nothing: secrets sealed under SECRET_KEY's key
    still open (security.sealed tries both)."""
    provider = providers.save_provider(make_ministry(), **SETTINGS, by=admin)
    app.config["SSO_SECRET_KEY"] = "introduced later"
    try:
        assert crypto.client_secret(provider) == SETTINGS["client_secret"]
    finally:
        app.config["SSO_SECRET_KEY"] = ""


@pytest.mark.parametrize(
    "changes,field,words",
    [
        ({"issuer": "http://sso.mofa.example"}, "issuer", "https address"),
        ({"issuer": "not a url"}, "issuer", "https address"),
        ({"email_domains": "not a domain!"}, "email_domains", "one per line"),
        ({"client_secret": ""}, "client_secret", "Give the client secret"),
        ({"client_secret_env": "lower-case"}, "client_secret_env", "capital letters"),
        ({"staff_id_claim": "bad claim"}, "staff_id_claim", "Use letters"),
    ],
)
def test_bad_settings_are_refused_and_nothing_is_saved(client, db, admin, changes, field, words):
    ministry = make_ministry()
    db.session.commit()
    login(client, admin.email)
    response = post_form(client, f"/admin/ministries/{ministry.id}/sso", form(**changes))
    assert response.status_code == 422
    assert words in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SsoProvider)) == 0


def test_a_domain_belongs_to_one_ministry_only(client, db, admin):
    providers.save_provider(make_ministry(), **SETTINGS, by=admin)
    other = make_ministry()
    db.session.commit()
    login(client, admin.email)
    response = post_form(client, f"/admin/ministries/{other.id}/sso", form())
    assert response.status_code == 422
    assert "already covers" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SsoProvider)) == 1
    with pytest.raises(DomainTaken):
        providers.save_provider(other, **SETTINGS, by=admin)
    with pytest.raises(ProviderSettingsInvalid):
        providers.save_provider(other, **{**SETTINGS, "email_domains": []}, by=admin)


# --- the sign-in form ----------------------------------------------------------------------


def test_an_empty_password_is_asked_for_when_the_address_has_no_provider(client, db):
    make_user("plain@example.org")
    db.session.commit()
    response = post_form(client, "/login", {"email": "plain@example.org", "password": ""})
    assert response.status_code == 422
    assert "Type your password." in response.get_data(as_text=True)


def test_sign_in_page_has_no_script_or_domains_without_providers(client, db):
    html = client.get("/login").get_data(as_text=True)
    assert "data-sso-domains" not in html and "sso-login.js" not in html


def test_a_disabled_provider_is_not_used(client, db, admin):
    providers.save_provider(make_ministry(), **SETTINGS, is_enabled=False, by=admin)
    db.session.commit()
    response = post_form(client, "/login", {"email": "x@mofa.example", "password": ""})
    assert response.status_code == 422


# --- mandatory single sign-on --------------------------------------------------------------


def test_mandatory_provider_refuses_passwords_with_a_clear_message(client, db, admin):
    ministry = make_ministry()
    providers.save_provider(ministry, **SETTINGS, mandatory=True, by=admin)
    make_user("staff@mofa.example")
    # Staff whose address is elsewhere are refused too, but only once their password is right.
    moved = make_user("staff@private.example")
    people_service.join_ministry(moved, ministry)
    db.session.commit()
    for email in ("staff@mofa.example", "staff@private.example"):
        response = post_form(client, "/login", {"email": email, "password": PASSWORD})
        assert response.status_code == 422
        assert "does not accept a password" in response.get_data(as_text=True)
        assert client.get("/account").status_code == 302
    with pytest.raises(SignInThroughMinistry):
        accounts.authenticate("staff@private.example", PASSWORD)
    with pytest.raises(accounts.InvalidCredentials):
        accounts.authenticate("staff@private.example", "wrong password")


def test_platform_administrators_keep_their_password(client, db):
    admin = make_with_role(Role.ADMINISTRATOR, email="admin@mofa.example")
    providers.save_provider(make_ministry(), **SETTINGS, mandatory=True, by=admin)
    db.session.commit()
    login(client, "admin@mofa.example")


def test_optional_provider_leaves_passwords_working(db, admin):
    providers.save_provider(make_ministry(), **SETTINGS, by=admin)
    make_user("both@mofa.example")
    assert accounts.authenticate("both@mofa.example", PASSWORD).email == "both@mofa.example"


def test_csrf_token_needed_to_save_settings(client, db, admin):
    ministry = make_ministry()
    db.session.commit()
    login(client, admin.email)
    csrf_from(client, f"/admin/ministries/{ministry.id}/sso")
    response = client.post(f"/admin/ministries/{ministry.id}/sso", data=form())
    assert response.status_code == 400
