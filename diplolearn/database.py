"""The database connection's setup: what every SQLite connection needs to behave like a server,
and PostgreSQL's statement timeout.

On SQLite, foreign keys are switched on, the journal is WAL with a busy timeout, and a
transaction that may write takes the write lock as it begins (``BEGIN IMMEDIATE``): POST
requests always, and jobs and a GET's audited write when they ask for it
(``unit_of_work.write_lock``).

On PostgreSQL, a connection used for a web request has ``DATABASE_STATEMENT_TIMEOUT`` (15 s by
default), so a stuck query ends in a 503 (errors.py); one used by a command or a job (backups,
imports, the job worker) has ``DATABASE_JOB_STATEMENT_TIMEOUT``, none by default. The setting
follows the connection, so it is sent only when a pooled connection changes between the two.
(The connect and pool timeouts are engine options: config.engine_options.)
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, has_request_context, request

from diplolearn.extensions import db
from diplolearn.unit_of_work import write_lock_wanted


def configure(app: Flask) -> None:
    """Set up the engine's connections for SQLite or PostgreSQL (see the module docstring)."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite"):
        configure_sqlite(app)
    elif url.startswith("postgresql"):
        configure_postgresql(app)


def configure_postgresql(app: Flask) -> None:
    """The statement timeout of requests, or of commands and jobs, on every checkout."""
    with app.app_context():
        engine = db.engine
    limits = {
        True: statement_timeout_ms(app.config.get("DATABASE_STATEMENT_TIMEOUT", 0)),
        False: statement_timeout_ms(app.config.get("DATABASE_JOB_STATEMENT_TIMEOUT", 0)),
    }

    @sa.event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection, record, _proxy):
        wanted = limits[has_request_context()]
        if record.info.get("statement_timeout") == wanted:
            return
        # Outside any transaction (SQLAlchemy's recipe for session settings), so that no
        # later rollback undoes it.
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        try:
            with dbapi_connection.cursor() as cursor:
                cursor.execute(f"SET statement_timeout = {wanted:d}")
        finally:
            dbapi_connection.autocommit = autocommit
        record.info["statement_timeout"] = wanted


def statement_timeout_ms(seconds) -> int:
    """PostgreSQL's statement_timeout (milliseconds; 0 is no limit) from seconds."""
    return max(0, round(float(seconds or 0) * 1000))


def configure_sqlite(app: Flask) -> None:
    """Foreign keys on, WAL and a busy timeout for every SQLite connection; writers take the
    write lock as their transaction begins."""
    with app.app_context():
        engine = db.engine

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
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection):
        # A request that may write (POST) takes the write lock as its transaction begins. A
        # transaction that reads first and writes later fails at once with "database is
        # locked" if another one wrote in between (the busy timeout only helps transactions
        # that have not read yet), so a double-clicked submit would be a 500, not a clean
        # "already submitted". Reads (GET) stay concurrent. A job, or a GET's one audited
        # write, asks for the lock explicitly (unit_of_work.write_lock).
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _writing_request() else "BEGIN")


def _writing_request() -> bool:
    return write_lock_wanted() or (
        has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS")
    )
