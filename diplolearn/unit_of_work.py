"""The request's unit of work: the one place where a request's change is committed or undone.

A view runs its change inside ``unit_of_work()``; services flush and never commit::

    with unit_of_work(status=409) as work:
        cohort = service.create_cohort(course, ...)
    if work.refused:
        return render_template("teach/new_cohort.html", form=form), work.status
    flash(_("The cohort is created."), "success")
    return redirect(url_for("teach.show_cohort", cohort_id=cohort.id))

On a ``DomainError`` the change is rolled back, the error's message (and any ``problems`` it
lists) is flashed in the user's language, and ``work.refused`` tells the view to answer with
``work.status``. Any other exception rolls back and propagates to the error handlers. Otherwise
the change is committed once, before the view renders anything. A teardown rolls back whatever
a request left open (``register``), so nothing half-done survives a view that returned early.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask, current_app, flash, has_app_context
from sqlalchemy.exc import OperationalError

from diplolearn.extensions import db
from diplolearn.services.errors import DomainError


@dataclass
class Work:
    """What became of a unit of work: ``error`` is the refusal, if any."""

    error: DomainError | None = None
    status: int = 200

    @property
    def refused(self) -> bool:
        return self.error is not None

    @property
    def done(self) -> bool:
        return self.error is None


def say_refused(error: DomainError) -> None:
    """Show a refusal to the user: its message, then each problem it lists."""
    flash(error.message, "error")
    for problem in getattr(error, "problems", None) or []:
        flash(problem, "error")


@contextmanager
def unit_of_work(
    *, status: int = 409, quiet: bool = False, reads_again: bool = True
) -> Iterator[Work]:
    """Run the block as one transaction: commit once if it succeeds, roll back otherwise.

    ``status`` is the answer for a refused change (409 by default, 422 where the input itself
    is refused); ``quiet`` leaves the message to the view (it reads ``work.error``);
    ``reads_again=False``: for a change whose writes check what they rely on themselves, the
    objects loaded are read again neither when its turn begins (``writers_turn``) nor after
    it commits (which would cost the answer save a tenth of its time for nothing).
    """
    work = Work()
    with writers_turn(reads_again=reads_again):
        try:
            yield work
        except DomainError as error:
            db.session.rollback()
            work.error = error
            work.status = status
            if not quiet:
                say_refused(error)
            return
        except BaseException:
            db.session.rollback()
            raise
        _commit(expire=reads_again)


def _commit(*, expire: bool) -> None:
    session = db.session()
    if expire or not session.expire_on_commit:
        session.commit()
        return
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


_write_lock: ContextVar[bool] = ContextVar("write_lock", default=False)
WRITER_TURN = "diplolearn.writer_turn"  # app.extensions key: database.WriterTurn on SQLite


def write_lock_wanted() -> bool:
    """Whether the transaction about to begin should take SQLite's write lock at once."""
    return _write_lock.get()


@contextmanager
def write_lock() -> Iterator[None]:
    """Transactions begun inside take the write lock first (``BEGIN IMMEDIATE`` on SQLite; the
    database setup reads ``write_lock_wanted``). POST requests always do; the job runner and a
    GET's audited write ask for it here. A transaction that reads first and writes later
    would otherwise fail at once with "database is locked" when another one wrote between."""
    token = _write_lock.set(True)
    try:
        yield
    finally:
        _write_lock.reset(token)


# A transaction SQLite already has open when a unit of work begins (a test's, one a SAVEPOINT
# began) becomes a writer only if no one committed since it began; otherwise SQLite refuses at
# once ("database is locked") and it is started again, under the lock. Any write statement
# asks for that upgrade.
_UPGRADE_PROBE = sa.text('UPDATE "user" SET id = id WHERE 0')
_DATA_VERSION = "diplolearn.data_version"  # Connection.info: SQLite's when the reads began


def _data_version(connection) -> int:
    """SQLite's count of commits by other connections, as this one last saw it."""
    return connection.connection.dbapi_connection.execute("PRAGMA data_version").fetchone()[0]


def note_data_version(connection) -> None:
    """Note, as a request's reads begin (database.py), how current they are."""
    connection.info[_DATA_VERSION] = _data_version(connection)


@contextmanager
def writers_turn(*, reads_again: bool = True) -> Iterator[None]:
    """Hold the database's write turn for a unit of work.

    On a SQLite file (database.configure_sqlite sets up ``WriterTurn``), writers take turns: a
    writer waits on a file lock, woken the moment the previous one commits (SQLite's own busy
    timeout waits by sleeping and polling, which was most of a busy page's latency), and only
    while it writes. The request's reads before its unit of work ran concurrently with
    everyone else's, each in SQLite's autocommit (database.py); the unit of work's transaction
    begins now, under the lock (``BEGIN IMMEDIATE``), and if someone committed since those
    reads, what they loaded is read again when next used (the session's objects expire), so
    what the unit of work checks and changes is current. ``reads_again=False`` spares that for
    a change whose writes check what they rely on themselves (the answer save's claim of an
    attempt still in progress). Elsewhere (PostgreSQL) this only marks the transaction as a
    writer."""
    turn = current_app.extensions.get(WRITER_TURN) if has_app_context() else None
    if turn is None:
        _in_a_transaction()
        with write_lock():
            yield
        return
    with turn.hold(), write_lock():
        if turn.depth == 1 and db.session().in_transaction():
            _begin_writing(reads_again)
        yield


def _begin_writing(reads_again: bool) -> None:
    """Begin the SQLite transaction the session has open under the lock, or upgrade the one it
    began; either way, the session reads again what someone else changed since."""
    connection = db.session.connection()
    if not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        seen = connection.info.get(_DATA_VERSION)
        if reads_again and (seen is None or _data_version(connection) != seen):
            db.session.expire_all()
        return
    try:
        connection.execute(_UPGRADE_PROBE)
    except OperationalError:
        db.session.rollback()  # stale (or locked by another program): read again


def _in_a_transaction() -> None:
    """A GET's connection to PostgreSQL reads in autocommit (database.py): a unit of work
    must run in one transaction, so the connection leaves autocommit before it."""
    if not has_app_context() or db.session.get_bind().dialect.name != "postgresql":
        return
    dbapi_connection = db.session.connection().connection.dbapi_connection
    if dbapi_connection.autocommit:
        dbapi_connection.autocommit = False


@contextmanager
def audited_read() -> Iterator[Work]:
    """The one write a GET may make (an audit row for an export): the read so far ends, and
    the write runs in one short transaction that takes the write lock first, committed before
    the response starts."""
    db.session.rollback()
    with write_lock(), unit_of_work() as work:
        yield work


def register(app: Flask) -> None:
    """Roll back whatever a request (or a command) left open when its app context ends: a GET
    writes nothing, and a view that returned without finishing its unit of work saves nothing.

    Closing the session rolls its transaction back as it hands the connection back, without
    first expiring every object loaded, as a rollback would, for a session about to be thrown
    away (Flask-SQLAlchemy's own teardown then removes it)."""

    @app.teardown_appcontext
    def _roll_back_what_is_left(_error=None):
        if db.session().in_transaction():
            db.session.close()
