"""The audit log is append-only in the database itself: a raw UPDATE or DELETE sent past the
ORM fails on SQLite and on PostgreSQL, in a schema built by create_all (as here) and in one
built by the migrations (tests/test_migrations.py runs them up and down)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from diplolearn.extensions import db as _db
from diplolearn.models import AuditEvent
from diplolearn.services import audit
from tests.conftest import fresh_database_url, make_app
from tests.factories import make_user

# The revision before the one that adds the triggers.
AUDIT_LOG_APPEND_ONLY_PARENT = "2ca4e6dc9a7a"
CHANGES = [
    "UPDATE audit_event SET action = 'forged'",
    "UPDATE audit_event SET details = '{}' WHERE id = -1",  # even one that matches nothing
    "DELETE FROM audit_event",
]


def _an_event(db) -> AuditEvent:
    event = audit.record(make_user(), "person.invite")
    db.session.flush()
    return event


def _refusal():
    return pytest.raises(sa.exc.IntegrityError, match="append-only")


@pytest.mark.parametrize("statement", CHANGES)
def test_the_database_refuses_to_change_the_audit_log(db, backend, statement):
    event = _an_event(db)
    if backend == "sqlite" and "id = -1" in statement:
        pytest.skip("SQLite triggers fire per row: a change of no row changes nothing anyway")
    with _refusal(), db.session.begin_nested():  # the failure rolls back to here, not further
        db.session.execute(sa.text(statement))
    db.session.expire_all()
    assert db.session.get(AuditEvent, event.id).action == "person.invite"
    # Adding to the log still works.
    audit.record(None, "person.erase")
    db.session.flush()


def test_truncate_is_refused_on_postgresql(db, backend):
    if backend != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    _an_event(db)
    with _refusal(), db.session.begin_nested():
        db.session.execute(sa.text("TRUNCATE audit_event CASCADE"))


def test_the_migrated_schema_refuses_too_and_downgrading_lifts_it(backend, tmp_path_factory):
    with fresh_database_url(backend, tmp_path_factory, "auditlog") as url:
        app = make_app(url)
        with app.app_context():
            upgrade()
            with _db.engine.begin() as conn:
                conn.execute(
                    sa.text(
                        "INSERT INTO audit_event (occurred_at, action, details)"
                        " VALUES (CURRENT_TIMESTAMP, 'person.invite', '{}')"
                    )
                )
            for statement in CHANGES[::2]:
                with _refusal(), _db.engine.begin() as conn:
                    conn.execute(sa.text(statement))
            downgrade(revision=AUDIT_LOG_APPEND_ONLY_PARENT)
            with _db.engine.begin() as conn:
                assert conn.execute(sa.text(CHANGES[0])).rowcount == 1
            downgrade(revision="base")
            _db.engine.dispose()
