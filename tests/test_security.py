"""Security on every response and every form: headers, CSRF, rate limits, sizes, scoping."""

from __future__ import annotations

import pytest

from diplolearn.models import Role
from diplolearn.security.scoping import people_query
from diplolearn.services.accounts import accounts
from tests.conftest import csrf_from, login, post_form
from tests.factories import PASSWORD, make_cohort, make_learner, make_ministry, make_user


@pytest.mark.parametrize("path", ["/", "/login", "/healthz", "/no-such-page"])
def test_security_headers_on_every_response(client, path):
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_script_or_style(client):
    page = client.get("/login").get_data(as_text=True)
    assert "<script>" not in page and "style=" not in page and "onclick" not in page


def test_session_cookie_is_httponly_and_lax(client, db):
    make_user("cookie@example.org")
    response = post_form(client, "/login", {"email": "cookie@example.org", "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_cookies_are_secure(monkeypatch, tmp_path):
    from diplolearn.config import load_config

    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    config = load_config(str(tmp_path), {"ENV": "production"})
    assert config["SESSION_COOKIE_SECURE"] and config["REMEMBER_COOKIE_SECURE"]


@pytest.mark.parametrize(
    "path,data",
    [
        ("/login", {"email": "a@example.org", "password": "x"}),
        ("/language", {"lang": "ar"}),
        ("/password/forgot", {"email": "a@example.org"}),
        ("/logout", {}),
    ],
)
def test_every_state_changing_form_needs_a_csrf_token(client, path, data):
    response = client.post(path, data=data)
    assert response.status_code == 400
    assert "Nothing was changed" in response.get_data(as_text=True)


def test_failed_logins_are_limited_per_account(app, client, db):
    make_user("target@example.org")
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "3 per 15 minutes"
    try:
        for _ in range(3):
            response = post_form(
                client, "/login", {"email": "target@example.org", "password": "guess"}
            )
            assert response.status_code == 422
        blocked = post_form(client, "/login", {"email": "TARGET@example.org", "password": "guess"})
        assert blocked.status_code == 429
        assert "too many failed attempts" in blocked.get_data(as_text=True).lower()
        # Another account from the same address is not affected.
        make_user("other@example.org")
        assert (
            post_form(
                client, "/login", {"email": "other@example.org", "password": PASSWORD}
            ).status_code
            == 302
        )
    finally:
        app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "10 per 15 minutes"


def test_failed_logins_are_limited_per_address(app, client, db):
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "4 per 15 minutes"
    try:
        for n in range(4):
            post_form(client, "/login", {"email": f"nobody{n}@example.org", "password": "x"})
        assert (
            post_form(client, "/login", {"email": "fresh@example.org", "password": "x"}).status_code
            == 429
        )
    finally:
        app.config["LOGIN_LIMIT_PER_ADDRESS"] = "50 per 15 minutes"


def test_successful_logins_and_page_views_are_never_limited(app, db):
    make_user("busy@example.org")
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "2 per 15 minutes"
    try:
        for _ in range(5):
            client = app.test_client()
            login(client, "busy@example.org")
            for _ in range(5):
                assert client.get("/").status_code == 200
    finally:
        app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "10 per 15 minutes"


def test_oversized_requests_get_413_and_change_nothing(app, client, db):
    body = {"email": "x@example.org", "password": "p" * (app.config["MAX_CONTENT_LENGTH"] + 10)}
    response = client.post("/login", data=body)
    assert response.status_code == 413
    assert "larger than DiploLearn accepts" in response.get_data(as_text=True)


def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok", "database": "ok"}


@pytest.mark.parametrize("accept", ["*/*", "text/html", "application/json", "", "image/png"])
def test_home_answers_any_anonymous_client(client, accept):
    response = client.get("/", headers={"Accept": accept} if accept else {})
    assert response.status_code in (200, 302)


def test_json_clients_get_json_errors(client):
    response = client.get("/admin/people", headers={"Accept": "application/json"})
    assert response.status_code == 401 and response.get_json()["error"]
    missing = client.get("/nowhere", headers={"Accept": "application/json"})
    assert missing.status_code == 404 and missing.is_json


def test_coordinators_see_only_their_own_ministrys_people(db):
    ministry_a, ministry_b = make_ministry(), make_ministry()
    cohort = make_cohort()
    coordinator = make_user()
    accounts.grant_role(coordinator, Role.COORDINATOR, ministry_a.id)
    ours, _ = make_learner(cohort, ministry=ministry_a)
    theirs, _ = make_learner(cohort, ministry=ministry_b)
    visible = set(db.session.scalars(people_query(coordinator)).all())
    assert ours in visible and coordinator in visible and theirs not in visible


def test_a_person_who_moves_stays_visible_to_the_sponsor_of_their_enrolment(db):
    from diplolearn.services.accounts.people import join_ministry

    ministry_a, ministry_b = make_ministry(), make_ministry()
    coordinator_a = make_user()
    accounts.grant_role(coordinator_a, Role.COORDINATOR, ministry_a.id)
    mover, _ = make_learner(make_cohort(), ministry=ministry_a)
    join_ministry(mover, ministry_b)
    assert mover in db.session.scalars(people_query(coordinator_a)).all()


def test_out_of_scope_people_are_404_like_missing_ones(client, db):
    admin = make_user("admin@example.org")
    accounts.grant_role(admin, Role.ADMINISTRATOR)
    login(client, "admin@example.org")
    assert client.get("/admin/people/999999").status_code == 404


def test_sanitizer_removes_scripts_and_keeps_arabic_markup():
    from diplolearn.security.sanitize import render_markdown, sanitize_html, would_change

    html = render_markdown(
        '**نص** <script>alert(1)</script> <bdi lang="en">@EU_Commission</bdi>'
        ' [x](javascript:alert(1)) <a href="https://example.org" onclick="x">y</a>'
    )
    assert "<script" not in html and "javascript:" not in html and "onclick" not in html
    assert "<strong>نص</strong>" in html and '<bdi lang="en">@EU_Commission</bdi>' in html
    assert sanitize_html("<p>ok</p>") == "<p>ok</p>"
    assert would_change("<p onclick='x'>hi</p>") and not would_change("<p>hi</p>")


def test_nobody_s_text_can_set_an_id_or_a_name():
    """A post of <div id="main"> or <p id="csrf_token"> would duplicate the page's own ids."""
    from diplolearn.security.sanitize import render_markdown, sanitize_html, would_change

    for html in (
        sanitize_html('<div id="main">x</div><p id="csrf_token" name="csrf_token">y</p>'),
        render_markdown('<a id="skip" name="top" href="https://example.org">z</a>'),
    ):
        assert " id=" not in html and " name=" not in html, html
    assert would_change('<span id="main">x</span>')


def test_csrf_token_page_helper_finds_a_token(client):
    assert csrf_from(client, "/login")


def test_failed_login_limits_are_shared_between_workers_through_redis(tmp_path):
    """Two app instances (two gunicorn workers) on one Redis count failures together."""
    import os
    import uuid

    import redis

    from diplolearn.extensions import db as _db
    from diplolearn.extensions import limiter
    from tests.conftest import make_app

    url = os.environ.get("DIPLOLEARN_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"Redis is not reachable at {url}")
    database = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    email = f"shared-{uuid.uuid4().hex[:8]}@example.org"
    workers = [
        make_app(database, RATELIMIT_STORAGE_URI=url, LOGIN_LIMIT_PER_ACCOUNT="3 per 15 minutes")
        for _ in range(2)
    ]
    with workers[0].app_context():
        _db.create_all()
        make_user(email)
        _db.session.commit()
    try:
        statuses = []
        for attempt in range(4):
            client = workers[attempt % 2].test_client()
            statuses.append(
                post_form(client, "/login", {"email": email, "password": "guess"}).status_code
            )
        assert statuses == [422, 422, 422, 429]
    finally:
        with workers[0].app_context():
            limiter.reset()
        # The limiter object is process-wide: hand it back its in-memory storage for the
        # tests that follow (creating an app re-binds it).
        make_app(database)


def test_every_rate_limit_is_a_routes_own(app):
    """create_app removes Flask-Limiter's check before every request (it cost a fifth of a small
    page's time and found nothing): that holds only while no limit applies to a whole blueprint,
    to every route by default or to the application. Add one, and restore the check."""
    from diplolearn.extensions import limiter

    manager = limiter.limit_manager
    assert not manager._blueprint_limits
    assert not manager.default_limits and not manager.application_limits
    assert limiter._check_request_limit not in app.before_request_funcs[None]
    decorated = set(manager._decorated_limits)
    assert "diplolearn.auth.views.sign_in.sign_in" in decorated, decorated
