"""The database connection's setup: what every SQLite connection needs to behave like a server.

PostgreSQL needs nothing here. On SQLite, foreign keys are switched on, the journal is WAL with
a busy timeout, and a transaction that may write takes the write lock as it begins (``BEGIN
IMMEDIATE``): POST requests always, and jobs and a GET's audited write when they ask for it
(``unit_of_work.write_lock``).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, has_request_context, request

from diplolearn.extensions import db
from diplolearn.unit_of_work import write_lock_wanted


def configure(app: Flask) -> None:
    """Foreign keys on, WAL and a busy timeout for every SQLite connection; writers take the
    write lock as their transaction begins."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return

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
