"""When the database is down or hung: answers come within a few seconds, and they are a styled,
translated 503 "temporarily unavailable" page with Retry-After, never a bare 500.

The "hung" database is a socket on 127.0.0.1 that accepts connections and never says a word
(it gives up by itself after a while, so a missing timeout fails the test instead of hanging
it); the "down" ones are a PostgreSQL port nobody listens on and a SQLite file that cannot be
opened.
"""

from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask import request

from diplolearn.extensions import db as _db
from tests.conftest import CSRF_RE, PG_URL, make_app, postgres_schema

ARABIC_TITLE = "الخدمة غير متاحة مؤقتًا"
CODE = "A" * 32  # a well-formed certificate code: it is looked up
SILENCE_SECONDS = 20  # how long the silent server holds connections before closing them


@contextmanager
def silent_server():
    """A TCP server on 127.0.0.1 that accepts every connection and never answers; yields its
    port. It closes everything after SILENCE_SECONDS (or when the block ends)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.1)
    stop = threading.Event()
    held: list[socket.socket] = []

    def hold():
        deadline = time.monotonic() + SILENCE_SECONDS
        while not stop.is_set() and time.monotonic() < deadline:
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            held.append(connection)
        for connection in held:
            connection.close()
        listener.close()

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=5)


@pytest.fixture()
def silent_port():
    with silent_server() as port:
        yield port


def unreachable_app(url: str, **overrides):
    return make_app(url, DATABASE_CONNECT_TIMEOUT=2, **overrides)


@pytest.fixture(params=["postgresql-closed-port", "sqlite-unopenable-file"])
def down_app(request, tmp_path):
    if request.param == "postgresql-closed-port":
        url = "postgresql://nobody@127.0.0.1:1/nothing"
    else:
        url = f"sqlite:///{tmp_path / 'no-such-folder' / 'db.sqlite3'}"
    return unreachable_app(url)


def signed_in(client):
    """A client whose session says someone is signed in (loading them needs the database)."""
    with client.session_transaction() as session:
        session["_user_id"] = "1.0.1"  # <user>.<epoch>.<device session>
        session["_fresh"] = True
    return client


def assert_unavailable_page(response, *, arabic: bool = False):
    assert response.status_code == 503, response.get_data(as_text=True)[:2000]
    assert int(response.headers["Retry-After"]) > 0
    html = response.get_data(as_text=True)
    assert 'rel="stylesheet"' in html and "style.css" in html  # the site's own page
    if arabic:
        assert ARABIC_TITLE in html and 'dir="rtl"' in html
    else:
        assert "Temporarily unavailable" in html
    assert "Internal Server Error" not in html


# --- a hung database answers within seconds (5f) -------------------------------------------------


def test_healthz_answers_503_within_seconds_when_the_database_never_answers(silent_port):
    app = unreachable_app(f"postgresql://nobody@127.0.0.1:{silent_port}/nothing")
    client = app.test_client()
    started = time.monotonic()
    response = client.get("/healthz")
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"
    assert elapsed < 15, f"/healthz took {elapsed:.1f} s"


def test_sign_in_answers_503_within_seconds_when_the_database_never_answers(silent_port):
    app = unreachable_app(
        f"postgresql://nobody@127.0.0.1:{silent_port}/nothing", WTF_CSRF_ENABLED=False
    )
    client = app.test_client()
    started = time.monotonic()
    response = client.post("/login", data={"email": "a@example.org", "password": "x" * 12})
    elapsed = time.monotonic() - started
    assert_unavailable_page(response)
    assert elapsed < 15, f"/login took {elapsed:.1f} s"


def test_engine_options_carry_the_timeouts():
    app = make_app(
        "postgresql://u@127.0.0.1/db?options=-csearch_path%3Dschema_1",
        DATABASE_CONNECT_TIMEOUT=3,
        DATABASE_POOL_TIMEOUT=4,
    )
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["connect_args"]["connect_timeout"] == 3
    assert "options" not in options["connect_args"]  # the URL's search_path stays in force
    assert options["pool_timeout"] == 4
    # Not on every checkout: a connection that sat idle is pinged (database.py).
    assert "pool_pre_ping" not in options


@pytest.mark.skipif(not PG_URL, reason="needs DIPLOLEARN_TEST_DATABASE_URL")
def test_requests_have_a_statement_timeout_and_commands_none():
    with postgres_schema("timeouts") as url:
        app = make_app(url, DATABASE_STATEMENT_TIMEOUT=0.5)
        try:
            with app.app_context():
                # A command or job (no request): no limit, so backups and imports can run long.
                assert _db.session.execute(sa.text("SHOW statement_timeout")).scalar() == "0"
                _db.session.execute(sa.text("SELECT pg_sleep(0.7)"))
                _db.session.remove()
            with app.test_request_context("/"):
                assert request.path == "/"
                assert _db.session.execute(sa.text("SHOW statement_timeout")).scalar() == "500ms"
                # The search_path from the URL is still in force.
                assert (
                    _db.session.execute(sa.text("SHOW search_path"))
                    .scalar()
                    .startswith("timeouts_")
                )
                started = time.monotonic()
                with pytest.raises(sa.exc.OperationalError):
                    _db.session.execute(sa.text("SELECT pg_sleep(5)"))
                assert time.monotonic() - started < 3
                _db.session.rollback()
                _db.session.remove()
        finally:
            with app.app_context():
                _db.engine.dispose()


@pytest.mark.skipif(not PG_URL, reason="needs DIPLOLEARN_TEST_DATABASE_URL")
def test_a_pooled_connection_the_server_closed_while_idle_is_replaced_unseen():
    """A server restart (here: the server ending the connection) while a connection waits in
    the pool: the ping on its next checkout finds it dead, and another one serves the query."""
    with postgres_schema("ping") as url:
        app = make_app(url, DATABASE_PING_AFTER_IDLE=0)
        try:
            with app.app_context(), _db.engine.connect() as other:
                first = _db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar()
                _db.session.remove()  # back in the pool
                other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
                other.commit()
                time.sleep(0.2)
                second = _db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar()
                assert second != first
                _db.session.remove()
        finally:
            with app.app_context():
                _db.engine.dispose()


# --- a database that is down gives a styled, translated 503 (5g) ---------------------------------


def test_pages_answer_a_styled_503_with_retry_after_when_the_database_is_down(down_app):
    client = down_app.test_client()
    token = CSRF_RE.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post(
        "/login", data={"csrf_token": token, "email": "a@example.org", "password": "x" * 12}
    )
    assert_unavailable_page(response)
    assert_unavailable_page(client.get(f"/verify/{CODE}"))
    assert_unavailable_page(signed_in(client).get("/"))


def test_the_unavailable_page_is_translated(down_app):
    client = down_app.test_client()
    arabic = {"Accept-Language": "ar"}
    assert_unavailable_page(client.get(f"/verify/{CODE}", headers=arabic), arabic=True)
    assert_unavailable_page(signed_in(client).get("/", headers=arabic), arabic=True)
    french = client.get(f"/verify/{CODE}", headers={"Accept-Language": "fr"})
    assert french.status_code == 503
    assert "Temporairement indisponible" in french.get_data(as_text=True)


def test_json_clients_get_a_json_503(down_app):
    client = signed_in(down_app.test_client())
    response = client.get("/", headers={"Accept": "application/json"})
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert response.get_json()["error"] == "Temporarily unavailable"
