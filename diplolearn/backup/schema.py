"""The schema side of a backup: which revision the code and the database are at, and an empty
database made ready for a restore.

- ``code_revision``: the Alembic head(s) of ``migrations/``, read with Alembic's
  ScriptDirectory (several heads are joined with "+", and then never match a single one).
- ``database_revision``: what the database's ``alembic_version`` says, or None without one.
- ``ensure_database``: a PostgreSQL database that does not exist yet is created (a SQLite file
  is created by connecting); ``table_names``: the tables a database has already.
- ``create_schema``: ``create_all`` and ``alembic_version`` stamped with the head, in the
  caller's transaction, so no ``flask db upgrade`` is needed (or wanted) first.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app


def script_directory() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", current_app.extensions["migrate"].directory)
    return ScriptDirectory.from_config(config)


def code_revision() -> str:
    return "+".join(sorted(script_directory().get_heads()))


def database_revision(connection: sa.Connection) -> str | None:
    heads = MigrationContext.configure(connection).get_current_heads()
    return "+".join(sorted(heads)) or None


def ensure_database(engine: sa.Engine) -> None:
    """Create the database named by the engine's URL when it does not exist yet."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        return
    if url.get_backend_name() != "postgresql":
        return
    try:
        with engine.connect():
            return
    except sa.exc.OperationalError as error:
        if f'database "{url.database}" does not exist' not in str(error):
            raise
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            name = connection.dialect.identifier_preparer.quote(url.database)
            connection.exec_driver_sql(f"CREATE DATABASE {name}")
    finally:
        admin.dispose()


def table_names(connection: sa.Connection) -> list[str]:
    return sa.inspect(connection).get_table_names()


def create_schema(connection: sa.Connection, metadata: sa.MetaData) -> str:
    """Create every table and stamp the head; return the head."""
    metadata.create_all(connection)
    directory = script_directory()
    MigrationContext.configure(connection).stamp(directory, "heads")
    return "+".join(sorted(directory.get_heads()))
