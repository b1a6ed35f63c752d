"""The database connection's setup: what every SQLite connection needs to behave like a server,
and PostgreSQL's statement timeout.

On SQLite, foreign keys are switched on, the journal is WAL with a busy timeout, and a
transaction that may write takes the write lock as it begins (``BEGIN IMMEDIATE``): a unit of
work, a job and a GET's audited write (``unit_of_work.write_lock``). Writers of one process or
of several take turns on a file lock (``WriterTurn``) for as long as they write, and only then.

On PostgreSQL, a connection used for a web request has ``DATABASE_STATEMENT_TIMEOUT`` (15 s by
default), so a stuck query ends in a 503 (errors.py); one used by a command or a job (backups,
imports, the job worker) has ``DATABASE_JOB_STATEMENT_TIMEOUT``, none by default. The setting
follows the connection, so it is sent only when a pooled connection changes between the two.
(The connect and pool timeouts are engine options: config.engine_options.) A GET reads with
the connection in autocommit: each statement sees the latest commits, as in a transaction at
PostgreSQL's READ COMMITTED, without the BEGIN and ROLLBACK round trips around them (a page
kept rendered is one query); a GET's unit of work (an audited export) switches it back first
(``unit_of_work.writers_turn``).
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from flask import Flask, has_request_context, request

from diplolearn.extensions import db
from diplolearn.unit_of_work import WRITER_TURN, note_data_version, write_lock_wanted


def configure(app: Flask) -> None:
    """Set up the engine's connections for SQLite or PostgreSQL (see the module docstring)."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite"):
        configure_sqlite(app)
    elif url.startswith("postgresql"):
        configure_postgresql(app)


def configure_postgresql(app: Flask) -> None:
    """On every checkout: a ping if the connection sat idle in the pool (a server restarted
    meanwhile leaves it dead: another one is taken), and the statement timeout of requests,
    or of commands and jobs.

    Not SQLAlchemy's ``pool_pre_ping``, which pings on every checkout: a round trip on every
    request, a tenth of a page kept rendered (issue 16). A connection back in use within
    ``DATABASE_PING_AFTER_IDLE`` seconds is not pinged; if the server went away in that
    moment, that request fails (503) and SQLAlchemy drops every pooled connection."""
    with app.app_context():
        engine = db.engine
    limits = {
        True: statement_timeout_ms(app.config.get("DATABASE_STATEMENT_TIMEOUT", 0)),
        False: statement_timeout_ms(app.config.get("DATABASE_JOB_STATEMENT_TIMEOUT", 0)),
    }
    ping_after = float(app.config.get("DATABASE_PING_AFTER_IDLE", 10))

    @sa.event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()
        if dbapi_connection is not None and not dbapi_connection.closed:
            dbapi_connection.autocommit = False  # SQLAlchemy rolled back whatever was open

    @sa.event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection, record, _proxy):
        idle_since = record.info.get("idle_since")
        if idle_since is not None and time.monotonic() - idle_since >= ping_after:
            _ping(dbapi_connection)
        wanted = limits[has_request_context()]
        if record.info.get("statement_timeout") != wanted:
            # Outside any transaction (SQLAlchemy's recipe for session settings), so that no
            # later rollback undoes it.
            dbapi_connection.autocommit = True
            try:
                with dbapi_connection.cursor() as cursor:
                    cursor.execute(f"SET statement_timeout = {wanted:d}")
            finally:
                dbapi_connection.autocommit = False
            record.info["statement_timeout"] = wanted
        if has_request_context() and request.method in READING_METHODS:
            dbapi_connection.autocommit = True

    @sa.event.listens_for(engine, "before_execute")
    def _stream_in_a_transaction(connection, _statement, _multi, _params, options):
        # A streamed result reads through a server-side cursor, which lives in a transaction.
        if options.get("stream_results") or options.get("yield_per"):
            dbapi_connection = connection.connection.dbapi_connection
            if dbapi_connection.autocommit:
                dbapi_connection.autocommit = False


READING_METHODS = ("GET", "HEAD", "OPTIONS")


def _ping(dbapi_connection) -> None:
    """SQLAlchemy's recipe: a dead connection raises DisconnectionError, and the pool takes
    another one (up to three times) instead of handing it out."""
    autocommit = dbapi_connection.autocommit
    try:
        dbapi_connection.autocommit = True
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        dbapi_connection.autocommit = autocommit
    except Exception as error:  # any failure of a connection that sat idle: take another
        raise sa.exc.DisconnectionError() from error


def statement_timeout_ms(seconds) -> int:
    """PostgreSQL's statement_timeout (milliseconds; 0 is no limit) from seconds."""
    return max(0, round(float(seconds or 0) * 1000))


def configure_sqlite(app: Flask) -> None:
    """Foreign keys on, WAL and a busy timeout for every SQLite connection; writers take the
    write lock as their transaction begins."""
    with app.app_context():
        engine = db.engine

    path = sqlite_file(app.config["SQLALCHEMY_DATABASE_URI"])
    if path is not None:
        app.extensions[WRITER_TURN] = WriterTurn(path + "-writers.lock")

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the sqlite3 module, open transactions, so that SAVEPOINT and
        # transactional DDL behave as documented (SQLAlchemy's pysqlite recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 5000")
        if ":memory:" not in app.config["SQLALCHEMY_DATABASE_URI"]:
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")  # WAL: durable at checkpoints, never corrupt
        # Reads straight from the file's pages in memory, and a larger page cache per
        # connection: a web server reads far more than it writes.
        cursor.execute("PRAGMA mmap_size = 268435456")
        cursor.execute("PRAGMA cache_size = -16000")
        cursor.execute("PRAGMA temp_store = MEMORY")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection):
        # A unit of work (or a job) takes the write lock as its transaction begins. Anything
        # else reads in SQLite's autocommit: each statement sees the latest commit (as at
        # PostgreSQL's READ COMMITTED) and no snapshot is held, so the unit of work later in
        # the request begins afresh under the lock (unit_of_work.writers_turn) instead of
        # failing to upgrade a read that another writer made stale ("database is locked"),
        # and reads again what it read only if someone committed since. Its first write, if
        # it writes outside a unit of work, begins the transaction then.
        if write_lock_wanted():
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:  # what writers_turn compares with, to know whether the reads are still current
            note_data_version(connection)

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _begin_before_first_write(connection, cursor, statement, _params, context, _many):
        if not connection.connection.dbapi_connection.in_transaction:
            begin = _begin_for(statement, context)
            if begin:
                cursor.execute(begin)


# What runs outside a transaction on SQLite: reads, settings, and the statements that open and
# close transactions themselves.
_NO_TRANSACTION = frozenset({"SELECT", "PRAGMA", "EXPLAIN", "BEGIN", "COMMIT", "END", "ROLLBACK"})


def _begin_for(statement: str, context) -> str | None:
    """How to begin a transaction before ``statement`` when none is open; None if it needs
    none. A write takes the write lock as it begins. A SAVEPOINT is put inside a transaction
    (outside one, SQLite would make it the transaction, committed when it is released)."""
    words = statement.lstrip(" \n\t(").split(None, 1)
    first = words[0].upper() if words else ""
    if first in _NO_TRANSACTION or first == "RELEASE":
        return None
    if first == "SAVEPOINT":
        return "BEGIN"
    if first == "WITH":  # a common table expression before a SELECT, or before a write
        compiled = getattr(context, "compiled", None)
        is_select = isinstance(getattr(compiled, "statement", None), sa.Select)
        if is_select and not (context.isinsert or context.isupdate or context.isdelete):
            return None
    return "BEGIN IMMEDIATE"


class WriterTurn:
    """Writers to one SQLite file take turns on a file lock beside it (``<file>-writers.lock``):
    an exclusive ``flock`` between processes (gunicorn's workers), a lock between threads
    of one process, re-entrant for nested units of work. A waiting writer wakes as soon as
    the previous one is done, instead of sleeping in SQLite's busy handler."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._threads = threading.RLock()
        self._local = threading.local()
        self._fd: int | None = None
        self._pid: int | None = None

    @property
    def depth(self) -> int:
        return getattr(self._local, "depth", 0)

    def _file(self) -> int | None:
        """The lock file, opened once per process (again after a fork); None when it cannot
        be (the database's folder is missing): the database itself then fails, with its own
        error page, and there is nothing to take turns on."""
        if self._fd is None or self._pid != os.getpid():
            try:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError:
                return None
            self._pid = os.getpid()
        return self._fd

    @contextmanager
    def hold(self) -> Iterator[None]:
        with self._threads:
            self._local.depth = self.depth + 1
            fd = self._file() if self.depth == 1 else None
            try:
                if fd is not None:
                    fcntl.flock(fd, fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    if fd is not None:
                        fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                self._local.depth -= 1


def sqlite_file(url: str) -> str | None:
    """The database file of a SQLite URL; None for an in-memory database."""
    database = sa.engine.make_url(url).database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return None
    return database
