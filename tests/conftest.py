"""Fixtures: one app per database backend, a database rolled back after each test, clients
signed in as each role, and a committed-data database for tests that need two connections.

The database tests run on SQLite always, and on PostgreSQL too when
DIPLOLEARN_TEST_DATABASE_URL is set (CI sets it; a server missing there is a failure, not a
skip). Each run creates its own PostgreSQL schema and drops it afterwards, so leftovers of an
earlier run never matter.
"""

from __future__ import annotations

import base64
import os
import re
import uuid
from contextlib import contextmanager
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from diplolearn import create_app, page_cache
from diplolearn.extensions import db as _db
from diplolearn.extensions import limiter
from tests import factories

PG_URL = os.environ.get("DIPLOLEARN_TEST_DATABASE_URL", "")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])

TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key",
    "MAIL_BACKEND": "memory",
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    "RATELIMIT_STORAGE_URI": "memory://",
    "PUBLIC_URL": "https://learn.example.org",
    # A signing key for this test run, so tests never write one into the instance folder.
    "CERTIFICATE_SIGNING_KEY": base64.b64encode(os.urandom(32)).decode(),
}


def _psycopg(url: str) -> str:
    return re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql+psycopg://", url)


@contextmanager
def postgres_schema(prefix: str = "test"):
    """Create a fresh schema, yield a URL whose search_path is that schema, drop it after."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(_psycopg(PG_URL))
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in PG_URL else "?"
    try:
        yield _psycopg(PG_URL) + separator + "options=" + quote(f"-csearch_path={schema}")
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def fresh_database_url(backend: str, tmp_path_factory, name: str = "db"):
    if backend == "postgresql":
        with postgres_schema(name) as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp(name) / 'test.sqlite3'}"


class IsolatedClient(FlaskClient):
    """A test client whose every request gets its own app context, as in production.

    Tests hold an app context open to call services; without this, requests would share its
    ``g`` (the signed-in user, the CSRF token) and its database session.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def make_app(url: str, **overrides):
    application = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url, **overrides})
    application.test_client_class = IsolatedClient
    return application


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def app(backend, tmp_path_factory):
    with fresh_database_url(backend, tmp_path_factory) as url:
        application = make_app(url)
        with application.app_context():
            _db.create_all()
        yield application
        with application.app_context():
            _db.engine.dispose()


@pytest.fixture()
def db(app):
    """A session inside a transaction that is rolled back after the test.

    Commits made by views and services become savepoint releases, so each test starts from an
    empty database however much it committed.
    """
    with app.app_context():
        engines = _db.engines  # Flask-SQLAlchemy's sessions pick their bind from this mapping
        engine = engines[None]
        connection = engine.connect()
        outer = connection.begin()
        original = _db.session
        engines[None] = connection
        _db.session = _db._make_scoped_session({"join_transaction_mode": "create_savepoint"})
        limiter.reset()
        page_cache.clear()  # pages kept by an earlier test may show data rolled back since
        app.extensions["mail_sent"] = []
        try:
            yield _db
        finally:
            _db.session.remove()
            _db.session = original
            engines[None] = engine
            outer.rollback()
            connection.close()


@pytest.fixture()
def client(app, db):
    return app.test_client()


@pytest.fixture()
def runner(app, db):
    return app.test_cli_runner()


CSRF_RE = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')


def csrf_from(client, path: str) -> str:
    response = client.get(path)
    match = CSRF_RE.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {path} (status {response.status_code})"
    return match.group(1)


def post_form(client, path: str, data: dict, *, form_page: str | None = None, **kwargs):
    """POST a form the way a browser does: with the CSRF token of the page that shows it."""
    token = csrf_from(client, form_page or path)
    return client.post(path, data={"csrf_token": token, **data}, **kwargs)


def login(client, email: str, password: str = factories.PASSWORD):
    response = post_form(client, "/login", {"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response


@pytest.fixture()
def sent_mail(app):
    return app.extensions.setdefault("mail_sent", [])


@pytest.fixture()
def committed(backend, tmp_path_factory):
    """An app on a database whose writes really commit (for races and after-commit effects).

    Emptied afterwards, so it does not matter what a test left there.
    """
    with fresh_database_url(backend, tmp_path_factory, "committed") as url:
        application = make_app(url)
        with application.app_context():
            _db.create_all()
            application.extensions["mail_sent"] = []
        yield application
        with application.app_context():
            _db.session.remove()
            _db.drop_all()  # not DELETE: the audit log refuses it
            _db.engine.dispose()


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture()
def count_queries(app, db):
    @contextmanager
    def counting():
        counter = QueryCounter()
        engine = _db.engine
        sa.event.listen(engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            sa.event.remove(engine, "before_cursor_execute", counter)

    return counting
