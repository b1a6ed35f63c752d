"""Single sign-on through a ministry's provider, against a real OpenID provider in a thread
(tests/sso_provider.py): the whole flow, who is matched, and every refusal (a clear page, a
4xx, nothing changed). Where the provider cannot make a bad ID token (another audience, an
unknown key), the test signs one itself and the token endpoint's answer is replaced by it."""

from __future__ import annotations

import base64
import json
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import sqlalchemy as sa
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from diplolearn.models import AuditEvent, Role, SsoUsedCode, StaffMembership, User, utcnow
from diplolearn.services.accounts import people as people_service
from diplolearn.services.sso import TokenInvalid, oidc, people, providers
from tests import sso_provider
from tests.conftest import csrf_from
from tests.factories import make_ministry, make_user, make_with_role

DOMAIN = "mofa.example"


@pytest.fixture(scope="module")
def issuer():
    with sso_provider.provider() as url:
        yield url


@pytest.fixture(autouse=True)
def _fresh_caches():
    oidc.clear_caches()
    yield
    oidc.clear_caches()


def configure(db, issuer, **settings):
    admin = make_with_role(Role.ADMINISTRATOR)
    ministry = make_ministry()
    values = {
        "issuer": issuer,
        "client_id": "diplolearn",
        "client_secret": "s3cret-value",
        "email_domains": [DOMAIN],
        "staff_id_claim": "staff_number",
        "by": admin,
    }
    provider = providers.save_provider(ministry, **{**values, **settings})
    db.session.commit()
    return provider


@pytest.fixture()
def provider(db, issuer):
    return configure(db, issuer)


def start(client, email):
    """Submit the sign-in form without a password; return the provider's sign-in URL."""
    token = csrf_from(client, "/login")
    response = client.post("/login", data={"csrf_token": token, "email": email, "password": ""})
    assert response.status_code == 303, response.get_data(as_text=True)[:1000]
    return response.headers["Location"]


def sign_in_as(client, issuer, sub, **claims):
    """The whole journey: the form (with the address the claims name, by default
    ``<sub>@mofa.example``), the provider, the way back. Returns the callback's answer."""
    claims.setdefault("email", f"{sub}@{DOMAIN}")
    sso_provider.set_person(issuer, sub, **claims)
    back = sso_provider.approve(start(client, claims["email"]), sub)
    return client.get(back), back


def signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def counts(db):
    return (
        db.session.scalar(sa.select(sa.func.count()).select_from(User)),
        db.session.scalar(sa.select(sa.func.count()).select_from(SsoUsedCode)),
        db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)),
    )


# --- the journey ---------------------------------------------------------------------------


def test_authorisation_request_uses_pkce_state_and_nonce(client, provider, issuer):
    url = start(client, f"amal@{DOMAIN}")
    query = parse_qs(urlsplit(url).query)
    assert url.startswith(f"{issuer}/oauth2/authorize?")
    assert query["response_type"] == ["code"] and query["client_id"] == ["diplolearn"]
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert query["redirect_uri"] == ["https://learn.example.org/sso/callback"]
    assert query["login_hint"] == [f"amal@{DOMAIN}"]
    assert "openid" in query["scope"][0].split()
    assert len(query["state"][0]) >= 32 and len(query["nonce"][0]) >= 32
    with client.session_transaction() as session:
        assert session["sso_pending"]["state"] == query["state"][0]


def test_verified_email_signs_an_existing_person_in(client, db, provider, issuer):
    user = make_user(f"amal@{DOMAIN}")
    db.session.commit()
    response, _back = sign_in_as(client, issuer, "amal-sub", email=user.email, email_verified=True)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"] == "/"
    assert signed_in(client)
    db.session.refresh(user)
    assert user.last_login_at is not None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SsoUsedCode)) == 1


def test_staff_id_claim_matches_even_without_a_verified_email(client, db, provider, issuer):
    user = make_user("omar.private@example.org")
    people_service.join_ministry(user, provider.ministry, staff_id="E-100")
    db.session.commit()
    response, _ = sign_in_as(
        client, issuer, "omar-sub", email=f"omar@{DOMAIN}", staff_number="E-100"
    )
    assert response.status_code == 302
    assert signed_in(client)


def test_an_invited_person_without_a_password_can_sign_in(client, db, provider, issuer):
    make_user(f"invited@{DOMAIN}", password=None)
    db.session.commit()
    response, _ = sign_in_as(client, issuer, "invited", email_verified=True)
    assert response.status_code == 302 and signed_in(client)


def test_next_page_and_second_factor_are_handed_on(client, db, provider, issuer, monkeypatch):
    from diplolearn.auth import sso_views

    seen = {}
    real = sso_views.finish_sign_in

    def spy(user, **kwargs):
        seen.update(kwargs, user=user)
        return real(user, **kwargs)

    monkeypatch.setattr(sso_views, "finish_sign_in", spy)
    make_user(f"mfa@{DOMAIN}")
    db.session.commit()
    sso_provider.set_person(issuer, "mfa", email=f"mfa@{DOMAIN}", email_verified=True, amr=["mfa"])
    token = csrf_from(client, "/login?next=/account")
    response = client.post(
        "/login",
        data={"csrf_token": token, "email": f"mfa@{DOMAIN}", "password": "", "next": "/account"},
    )
    back = sso_provider.approve(response.headers["Location"], "mfa")
    response = client.get(back)
    assert seen["method"] == "sso" and seen["second_factor"] is True
    assert seen["next_url"] == "/account"
    assert response.status_code == 302


def test_amr_without_a_second_factor_does_not_count():
    assert people.reports_second_factor({"amr": ["pwd"]}) is False
    assert people.reports_second_factor({}) is False
    assert people.reports_second_factor({"amr": ["pwd", "otp"]}) is True
    assert people.reports_second_factor({"amr": "hwk"}) is True


def test_just_in_time_account_when_the_ministry_allows_it(client, db, issuer):
    provider = configure(db, issuer, allow_jit=True)
    response, _ = sign_in_as(
        client, issuer, "new", email_verified=True, name="Nadia Haddad", staff_number="N-7"
    )
    assert response.status_code == 302 and signed_in(client)
    user = db.session.scalar(sa.select(User).where(User.email == f"new@{DOMAIN}"))
    assert user.name_latin == "Nadia Haddad" and not user.grants
    membership = db.session.scalar(
        sa.select(StaffMembership).where(StaffMembership.user_id == user.id)
    )
    assert membership.ministry_id == provider.ministry_id and membership.staff_id == "N-7"
    assert (
        db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "sso.account_created")
        ).subject_user_id
        == user.id
    )


def test_signing_out_ends_the_session_and_visits_the_providers_sign_out(
    client, db, provider, issuer
):
    make_user(f"out@{DOMAIN}")
    db.session.commit()
    sign_in_as(client, issuer, "out", email_verified=True)
    page = client.get("/account")
    csp = page.headers["Content-Security-Policy"]
    assert f"form-action 'self' {issuer}" in csp  # the sign-out form may lead there
    response = client.post("/logout", data={"csrf_token": csrf_from(client, "/account")})
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == (
        f"{issuer}/oauth2/end_session"
    )
    query = parse_qs(location.query)
    assert query["client_id"] == ["diplolearn"]
    assert query["post_logout_redirect_uri"] == ["https://learn.example.org/"]
    assert not signed_in(client)
    assert "form-action 'self';" in client.get("/account").headers["Content-Security-Policy"]


def test_sign_in_page_lets_its_form_lead_to_the_providers(client, provider, issuer):
    response = client.get("/login")
    assert f"form-action 'self' {issuer}" in response.headers["Content-Security-Policy"]
    html = response.get_data(as_text=True)
    assert f'data-sso-domains="{DOMAIN}"' in html and "sso-login.js" in html


def test_password_sign_in_is_unchanged_for_everyone_else(client, db, provider):
    from tests.conftest import login

    make_user("plain@example.org")
    make_user(f"both@{DOMAIN}")  # SSO ministry, not mandatory: the password still works
    db.session.commit()
    login(client, "plain@example.org")
    client.post("/logout", data={"csrf_token": csrf_from(client, "/account")})
    login(client, f"both@{DOMAIN}")


# --- refusals: a clear page, a 4xx, nothing changed ------------------------------------------


def refused(response, status, words, db, before):
    html = response.get_data(as_text=True)
    assert response.status_code == status, html[:1500]
    assert words in html
    assert counts(db) == before


def test_unverified_email_is_refused(client, db, provider, issuer):
    make_user(f"unverified@{DOMAIN}")
    db.session.commit()
    before = counts(db)
    response, _ = sign_in_as(client, issuer, "unverified", email_verified=False)
    refused(response, 403, "has not verified your email address", db, before)
    assert not signed_in(client)


def test_a_domain_the_ministry_does_not_cover_is_refused(client, db, provider, issuer):
    make_user("someone@elsewhere.example")
    db.session.commit()
    before = counts(db)
    sso_provider.set_person(issuer, "else", email="someone@elsewhere.example", email_verified=True)
    back = sso_provider.approve(start(client, f"else@{DOMAIN}"), "else")
    refused(client.get(back), 403, "not one of the addresses", db, before)


def test_an_unknown_person_is_not_created_without_just_in_time(client, db, provider, issuer):
    before = counts(db)
    response, _ = sign_in_as(client, issuer, "stranger", email_verified=True)
    refused(response, 403, "No DiploLearn account matches", db, before)


def test_forged_state_is_refused(client, db, provider, issuer):
    before = counts(db)
    sso_provider.set_person(issuer, "forged", email=f"forged@{DOMAIN}", email_verified=True)
    back = sso_provider.approve(start(client, f"forged@{DOMAIN}"), "forged")
    forged = back.replace("state=", "state=x")
    refused(client.get(forged), 400, "not the one DiploLearn was waiting for", db, before)
    # Without a sign-in under way at all (another browser), the same.
    refused(client.get(back), 400, "not the one DiploLearn was waiting for", db, before)


def test_replayed_answer_and_code_used_twice_are_refused(client, db, provider, issuer):
    make_user(f"twice@{DOMAIN}")
    db.session.commit()
    response, back = sign_in_as(client, issuer, "twice", email_verified=True)
    assert response.status_code == 302
    client.post("/logout", data={"csrf_token": csrf_from(client, "/account")})
    before = counts(db)
    # The same answer again: its state was used up with it.
    refused(client.get(back), 400, "not the one DiploLearn was waiting for", db, before)
    # The old code with the state of a new sign-in under way: the code is spent.
    fresh = parse_qs(urlsplit(start(client, f"twice@{DOMAIN}")).query)["state"][0]
    code = parse_qs(urlsplit(back).query)["code"][0]
    response = client.get("/sso/callback", query_string={"code": code, "state": fresh})
    refused(response, 400, "already been used", db, before)
    assert not signed_in(client)


def test_a_code_the_provider_no_longer_accepts_is_refused(client, db, provider, issuer):
    """The provider spends a code once; DiploLearn never saw this one used (a lost answer)."""
    make_user(f"lost@{DOMAIN}")
    db.session.commit()
    sso_provider.set_person(issuer, "lost", email=f"lost@{DOMAIN}", email_verified=True)
    back = sso_provider.approve(start(client, f"lost@{DOMAIN}"), "lost")
    code = parse_qs(urlsplit(back).query)["code"][0]
    oidc.exchange_code(provider, code, "https://learn.example.org/sso/callback", "x" * 64)
    before = counts(db)
    refused(client.get(back), 400, "already been used", db, before)


def test_wrong_nonce_is_refused(client, db, provider, issuer):
    make_user(f"nonce@{DOMAIN}")
    db.session.commit()
    before = counts(db)
    sso_provider.set_person(issuer, "nonce", email=f"nonce@{DOMAIN}", email_verified=True)
    back = sso_provider.approve(start(client, f"nonce@{DOMAIN}"), "nonce")
    with client.session_transaction() as session:
        pending = session["sso_pending"]
        session["sso_pending"] = {**pending, "nonce": "another-attempt"}
    refused(client.get(back), 400, "made for another sign-in attempt", db, before)


def test_expired_token_is_refused(client, db):
    with sso_provider.provider(token_max_age=timedelta(minutes=-5)) as stale_issuer:
        configure(db, stale_issuer)
        make_user(f"late@{DOMAIN}")
        db.session.commit()
        before = counts(db)
        response, _ = sign_in_as(client, stale_issuer, "late", email_verified=True)
        refused(response, 400, "has expired", db, before)


def test_provider_that_cannot_be_reached_gives_a_clear_page(client, db):
    configure(db, "http://localhost:9")  # nothing listens on the discard port
    before = counts(db)
    token = csrf_from(client, "/login")
    response = client.post(
        "/login", data={"csrf_token": token, "email": f"x@{DOMAIN}", "password": ""}
    )
    refused(response, 502, "cannot be reached", db, before)


def test_provider_saying_no_is_a_clear_page(client, db, provider, issuer):
    url = start(client, f"no@{DOMAIN}")
    state = parse_qs(urlsplit(url).query)["state"][0]
    before = counts(db)
    response = client.get("/sso/callback", query_string={"error": "access_denied", "state": state})
    refused(response, 403, "did not sign you in", db, before)


def test_suspended_person_cannot_sign_in_through_the_provider(client, db, provider, issuer):
    user = make_user(f"suspended@{DOMAIN}")
    user.suspended_at = utcnow()
    db.session.commit()
    response, _ = sign_in_as(client, issuer, "suspended", email_verified=True)
    assert response.status_code == 403
    assert "suspended" in response.get_data(as_text=True)
    assert not signed_in(client)
    db.session.refresh(user)
    assert user.last_login_at is None


# --- ID tokens the provider cannot make: signed here, handed to the callback ------------------


@pytest.fixture()
def forge(client, db, provider, issuer, monkeypatch):
    """Sign in through the provider, but the token endpoint answers with ``claims`` signed by
    this test's own key (published, or not, beside the provider's keys)."""
    own = RSAKey.generate_key(2048, parameters={"kid": "test-key"}, private=True)

    def run(claims: dict, *, publish: bool):
        make_user(f"forged@{DOMAIN}")
        db.session.commit()
        sso_provider.set_person(issuer, "forged", email=f"forged@{DOMAIN}", email_verified=True)
        back = sso_provider.approve(start(client, f"forged@{DOMAIN}"), "forged")
        with client.session_transaction() as session:
            nonce = session["sso_pending"]["nonce"]
        now = int(time.time())
        payload = {
            "iss": issuer,
            "sub": "forged",
            "aud": "diplolearn",
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "email": f"forged@{DOMAIN}",
            "email_verified": True,
            **claims,
        }
        token = jwt.encode({"alg": "RS256", "kid": "test-key"}, payload, own)
        monkeypatch.setattr(oidc, "exchange_code", lambda *a, **k: {"id_token": token})
        if publish:
            real = oidc.key_set

            def with_own_key(uri, *, refresh=False):
                keys = real(uri, refresh=refresh)
                return KeySet([*keys.keys, RSAKey.import_key(own.as_dict(private=False))])

            monkeypatch.setattr(oidc, "key_set", with_own_key)
        before = counts(db)
        return client.get(back), before

    return run


def test_forged_token_passes_when_everything_holds(forge, client):
    """The control: the forging works, so the refusals below are for the reason they name."""
    response, _ = forge({}, publish=True)
    assert response.status_code == 302 and signed_in(client)


def test_wrong_audience_is_refused(forge, db):
    response, before = forge({"aud": "another-application"}, publish=True)
    refused(response, 400, "made for another application", db, before)


def test_unknown_key_is_refused_after_fetching_the_keys_again(forge, db, monkeypatch):
    fetched = []
    real = oidc.key_set
    monkeypatch.setattr(
        oidc,
        "key_set",
        lambda uri, *, refresh=False: fetched.append(refresh) or real(uri, refresh=refresh),
    )
    response, before = forge({}, publish=False)
    refused(response, 400, "does not publish", db, before)
    assert fetched == [False, True]


def test_wrong_issuer_is_refused(forge, db):
    response, before = forge({"iss": "https://evil.example"}, publish=True)
    refused(response, 400, "does not check out", db, before)


def test_keys_are_cached_and_fetched_again_when_a_new_key_appears(client, db, provider, issuer):
    make_user(f"rotated@{DOMAIN}")
    db.session.commit()
    jwks_uri = oidc.metadata(provider)["jwks_uri"]
    stale = KeySet([RSAKey.generate_key(2048, parameters={"kid": "old"})])
    with oidc._lock:
        oidc._keys[jwks_uri] = (time.monotonic(), stale)
    response, _ = sign_in_as(client, issuer, "rotated", email_verified=True)
    assert response.status_code == 302
    assert oidc._keys[jwks_uri][1] is not stale


def test_failed_answers_are_rate_limited_per_address(app, client, db, provider, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ADDRESS", "3 per 15 minutes")
    statuses = [client.get("/sso/callback?state=x&code=y").status_code for _ in range(4)]
    assert statuses == [400, 400, 400, 429]


def test_a_wrong_signature_on_a_known_key_is_refused(forge, db, issuer, monkeypatch):
    """Signed by another key under the provider's own key id: the signature check fails."""
    real_kid = requests.get(f"{issuer}/jwks", timeout=10).json()["keys"][0]["kid"]
    real_encode = jwt.encode
    monkeypatch.setattr(
        jwt,
        "encode",
        lambda header, payload, key: real_encode({**header, "kid": real_kid}, payload, key),
    )
    response, before = forge({}, publish=False)
    refused(response, 400, "does not check out", db, before)


@pytest.mark.parametrize("alg", ["none", "HS256"])
def test_unsigned_or_shared_secret_tokens_are_refused(app, db, provider, alg):
    def part(data):
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    claims = {"iss": provider.issuer, "aud": "diplolearn", "sub": "x", "exp": time.time() + 60}
    token = f"{part({'alg': alg})}.{part(claims)}.{part('sig') if alg != 'none' else ''}"
    with pytest.raises(TokenInvalid):
        oidc.verify_id_token(provider, token, "nonce")
