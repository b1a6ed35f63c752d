"""The request's unit of work: one commit when the change succeeds, nothing saved when it is
refused or fails, the refusal said in the user's language; and a GET's one audited write that
takes the write lock first, so exports do not fail beside learners who write."""

from __future__ import annotations

import threading
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask import get_flashed_messages
from flask.testing import FlaskClient

from diplolearn.models import AuditEvent, Ministry, Role
from diplolearn.services.errors import DomainError
from diplolearn.unit_of_work import unit_of_work
from tests.conftest import csrf_from, login
from tests.factories import (
    make_learner,
    make_ministry,
    make_published_course,
    make_with_role,
)


class Refused(DomainError):
    message = "Refused for a reason people can read."


def _ministries(db) -> set[str]:
    return set(db.session.scalars(sa.select(Ministry.code)))


def test_a_change_that_succeeds_is_committed_once(app, db):
    with app.test_request_context():
        with unit_of_work() as work:
            make_ministry("UOW-OK")
        assert work.done and not work.refused
        db.session.rollback()  # nothing is left pending: the row was committed
        assert "UOW-OK" in _ministries(db)


def test_a_refused_change_is_rolled_back_flashed_and_given_its_status(app, db):
    with app.test_request_context():
        with unit_of_work(status=422) as work:
            make_ministry("UOW-REFUSED")
            db.session.flush()
            raise Refused()
        assert work.refused and work.status == 422 and isinstance(work.error, Refused)
        assert get_flashed_messages(with_categories=True) == [
            ("error", "Refused for a reason people can read.")
        ]
        assert "UOW-REFUSED" not in _ministries(db)


def test_a_quiet_refusal_leaves_the_message_to_the_view(app, db):
    with app.test_request_context():
        with unit_of_work(quiet=True) as work:
            raise Refused()
        assert work.refused and work.status == 409
        assert get_flashed_messages() == []


def test_an_unexpected_error_rolls_back_and_propagates(app, db):
    with app.test_request_context():
        with pytest.raises(ZeroDivisionError), unit_of_work():
            make_ministry("UOW-BROKEN")
            db.session.flush()
            1 / 0  # noqa: B018
        assert "UOW-BROKEN" not in _ministries(db)


def test_exports_beside_learners_who_write_never_fail(committed):
    """Three coordinators export the staff CSV (a GET that writes one audit row) while six
    learners change their preferences (POSTs). On SQLite a read-then-write transaction would
    meet "database is locked"; the export's write takes the lock first, so every request
    succeeds and every export is audited."""
    from diplolearn.extensions import db as database

    with committed.app_context():
        ministry = make_ministry("MFA-LOCK")
        course = make_published_course(modules=1, lessons_per_module=1, with_quiz=False)
        learners = [
            make_learner(course.cohort, ministry=ministry, email=f"writer{n}@example.org")[0].email
            for n in range(6)
        ]
        coordinators = [
            make_with_role(Role.COORDINATOR, ministry.id, email=f"exporter{n}@example.org").email
            for n in range(3)
        ]
        database.session.commit()
        ministry_id = ministry.id
        database.session.remove()

    def client_of(email):
        client = FlaskClient(committed, committed.response_class)
        login(client, email)
        return client

    statuses: list[int] = []
    lock = threading.Lock()

    def export(email):
        client = client_of(email)
        for _ in range(8):
            response = client.get(f"/ministry/{ministry_id}/reports/staff.csv", buffered=True)
            with lock:
                statuses.append(response.status_code)

    def write(email):
        client = client_of(email)
        token = csrf_from(client, "/account")
        for n in range(8):
            response = client.post(
                "/account",
                data={
                    "csrf_token": token,
                    "interface_language": ("fr", "en")[n % 2],
                    "reading_language": "en",
                    "timezone": "UTC",
                },
            )
            with lock:
                statuses.append(response.status_code)

    threads = [threading.Thread(target=export, args=(e,)) for e in coordinators]
    threads += [threading.Thread(target=write, args=(e,)) for e in learners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(set(statuses)) == [200, 302], statuses
    assert len(statuses) == 9 * 8
    with committed.app_context():
        exports = database.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "report.export")
        )
        assert exports == 3 * 8


def test_a_job_that_reads_then_writes_never_meets_a_locked_database(committed, monkeypatch):
    """The mail job reads the due messages, then claims one. On SQLite a transaction that reads
    first and writes later fails at once with "database is locked" when someone else wrote in
    between (the busy timeout does not help it). Here a learner's write lands exactly in that
    gap: each job's transactions take the write lock first, so the learner waits a moment and
    the job goes on."""
    from diplolearn import jobs
    from diplolearn.extensions import db as database
    from diplolearn.models import OutboxMessage, OutboxState, User
    from diplolearn.services.outbox import queue_mail

    with committed.app_context():
        course = make_published_course(modules=1, lessons_per_module=1, with_quiz=False)
        person = make_learner(course.cohort, email="gap@example.org")[0]
        queue_mail("password_reset", person, link="https://x.test/r", ttl_hours=2)
        database.session.commit()
        person_id = person.id
        database.session.remove()
        engine = database.engine

    def a_learner_writes():
        with engine.begin() as connection:
            connection.execute(
                sa.update(User).where(User.id == person_id).values(timezone="Asia/Beirut")
            )

    real_claim, learners = jobs.claim, []

    def claim_after_a_write(message_id, now):
        writer = threading.Thread(target=a_learner_writes)
        writer.start()
        writer.join(timeout=0.5)  # done at once without the lock; waits for the job with it
        learners.append(writer)
        return real_claim(message_id, now)

    monkeypatch.setattr(jobs, "claim", claim_after_a_write)
    with committed.app_context():
        outcome = jobs.run_jobs(only=["send_mail"])
        database.session.remove()
    for writer in learners:
        writer.join(timeout=10)
    assert outcome["send_mail"] == {"sent": 1, "recovered": 0, "retry": 0, "failed": 0}
    with committed.app_context():
        assert database.session.scalar(sa.select(OutboxMessage.state)) == OutboxState.SENT
        assert database.session.get(User, person_id).timezone == "Asia/Beirut"


def test_a_unit_of_work_reads_again_when_someone_wrote_since_the_request_read(committed):
    """A request reads without the write lock; its unit of work then takes the write turn. On
    SQLite, if another writer committed in between, the upgrade is refused ("database is
    locked", at once): the unit of work starts the read again under the lock, so it neither
    fails nor writes over the other change with what it read before."""
    from diplolearn.extensions import db as database
    from diplolearn.models import User

    if not committed.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite's snapshots: PostgreSQL writers lock rows, not the database")
    with committed.app_context():
        person = make_learner(
            make_published_course(modules=1, lessons_per_module=1, with_quiz=False).cohort,
            email="stale@example.org",
        )[0]
        database.session.commit()
        person_id = person.id
        database.session.remove()
        engine = database.engine

    with committed.test_request_context(method="POST"):
        person = database.session.get(User, person_id)  # the request's read, no lock taken
        assert person.name_latin != "Changed elsewhere"
        with engine.begin() as other:  # another worker's unit of work commits meanwhile
            other.execute(
                sa.update(User).where(User.id == person_id).values(name_latin="Changed elsewhere")
            )
        with unit_of_work() as work:
            person.name_latin = person.name_latin + " and here"
        assert work.done
    with committed.app_context():
        assert database.session.get(User, person_id).name_latin == "Changed elsewhere and here"
        database.session.remove()


def _sqlite_only(app) -> None:
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite's transactions: PostgreSQL's are its own")


@contextmanager
def _statements(engine):
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        seen.append(" ".join(statement.split()))

    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)


def _person(app, email: str) -> int:
    from diplolearn.extensions import db as database

    with app.app_context():
        person = make_learner(
            make_published_course(modules=1, lessons_per_module=1, with_quiz=False).cohort,
            email=email,
        )[0]
        database.session.commit()
        person_id = person.id
        database.session.remove()
    return person_id


@pytest.mark.parametrize("someone_wrote", [False, True])
def test_a_unit_of_work_reads_again_only_what_someone_changed_since(committed, someone_wrote):
    """On SQLite a request's reads hold no snapshot: its unit of work begins afresh under the
    lock, with no failed upgrade and no rollback; it reads again what it loaded only when
    another connection committed since (then the change is not lost), and otherwise reads
    nothing again."""
    from diplolearn.extensions import db as database
    from diplolearn.models import User

    _sqlite_only(committed)
    person_id = _person(committed, f"current-{someone_wrote}@example.org")
    with committed.app_context():
        engine = database.engine
    with committed.test_request_context(method="POST"):
        person = database.session.get(User, person_id)
        if someone_wrote:
            with engine.begin() as other:
                other.execute(sa.update(User).where(User.id == person_id).values(name_ar="أخرى"))
        with _statements(engine) as seen, unit_of_work() as work:
            person.name_latin = "Changed here"
        assert work.done
    assert seen[0] == "BEGIN IMMEDIATE" and "ROLLBACK" not in seen
    assert any(s.startswith("SELECT") for s in seen) == someone_wrote
    with committed.app_context():
        stored = database.session.get(User, person_id)
        assert stored.name_latin == "Changed here"
        assert (stored.name_ar == "أخرى") == someone_wrote
        database.session.remove()


def test_a_change_whose_writes_check_themselves_reads_nothing_again(committed):
    """``reads_again=False`` (the answer save): another commit since the reads expires nothing,
    and neither does its own commit."""
    from diplolearn.extensions import db as database
    from diplolearn.models import User

    _sqlite_only(committed)
    person_id = _person(committed, "guarded@example.org")
    with committed.app_context():
        engine = database.engine
    with committed.test_request_context(method="POST"):
        person = database.session.get(User, person_id)
        with engine.begin() as other:
            other.execute(sa.update(User).where(User.id == person_id).values(name_ar="أخرى"))
        with _statements(engine) as seen:
            with unit_of_work(reads_again=False):
                assert person.email == "guarded@example.org"  # as read: no statement
            assert person.email == "guarded@example.org"  # nor after the commit
        assert not any(s.startswith("SELECT") for s in seen)
        assert database.session().expire_on_commit  # as it was, for the rest of the request


def test_writes_outside_a_unit_of_work_are_still_one_transaction(committed):
    """Reads outside a transaction must not make writes autocommit: a command's first write
    begins a transaction (with the write lock), and rolling back undoes all of it."""
    from diplolearn.extensions import db as database

    _sqlite_only(committed)
    with committed.app_context():
        assert database.session.scalar(sa.select(sa.func.count(Ministry.id))) == 0
        make_ministry("ONE")
        make_ministry("TWO")
        database.session.flush()
        assert database.session.connection().connection.dbapi_connection.in_transaction
        database.session.rollback()
        assert database.session.scalar(sa.select(sa.func.count(Ministry.id))) == 0
        database.session.remove()


def test_writers_take_turns_across_threads_without_a_locked_database(committed):
    """Eight threads each run twenty short units of work, each reading first: none meets
    "database is locked" and none loses another's increment."""
    from diplolearn.extensions import db as database

    if not committed.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite's one writer: PostgreSQL writers lock rows, not the database")
    with committed.app_context():
        make_ministry("TURNS", name_en="0")
        database.session.commit()
        database.session.remove()
    errors: list[BaseException] = []

    def writer():
        try:
            for _ in range(20):
                with committed.test_request_context(method="POST"):
                    ministry = database.session.scalar(
                        sa.select(Ministry).where(Ministry.code == "TURNS")
                    )
                    with unit_of_work():
                        count = int(ministry.name["en"])
                        ministry.name = {"en": str(count + 1)}
                    database.session.remove()
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=writer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    with committed.app_context():
        ministry = database.session.scalar(sa.select(Ministry).where(Ministry.code == "TURNS"))
        assert ministry.name["en"] == "160"
        database.session.remove()
