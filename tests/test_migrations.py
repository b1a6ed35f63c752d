"""`flask db upgrade` builds the whole schema on an empty database, and the migrations agree
with the models (a model change without a migration fails here)."""

from __future__ import annotations

import warnings

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from diplolearn.extensions import db
from diplolearn.models.base import include_object
from tests.conftest import fresh_database_url, make_app


def test_upgrade_builds_the_schema_and_matches_the_models(backend, tmp_path_factory):
    with fresh_database_url(backend, tmp_path_factory, "migrations") as url:
        app = make_app(url)
        with app.app_context():
            upgrade()
            with db.engine.connect() as connection:
                context = MigrationContext.configure(
                    connection,
                    opts={
                        "compare_type": True,
                        "include_object": include_object(connection.dialect.name),
                    },
                )
                with warnings.catch_warnings():
                    # Alembic cannot reflect expression indexes (lower(email)); the test below
                    # checks that one directly.
                    warnings.simplefilter("ignore", UserWarning)
                    warnings.simplefilter("ignore", sa.exc.SAWarning)
                    diff = compare_metadata(context, db.metadata)
            assert diff == [], diff
            downgrade(revision="base")
            assert set(db.inspect(db.engine).get_table_names()) <= {"alembic_version"}
            db.engine.dispose()


def test_case_insensitive_email_index_exists_after_upgrade(backend, tmp_path_factory):
    with fresh_database_url(backend, tmp_path_factory, "emailidx") as url:
        app = make_app(url)
        with app.app_context():
            upgrade()
            with db.engine.begin() as conn:
                insert = sa.text(
                    'INSERT INTO "user" (email, name_ar, name_latin, sort_key, timezone, '
                    "is_active, session_epoch, created_at, updated_at) VALUES (:e, '', 'x', '', "
                    "'UTC', true, 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
                conn.execute(insert, {"e": "a@example.org"})
            try:
                with db.engine.begin() as conn:
                    conn.execute(insert, {"e": "A@EXAMPLE.ORG"})
            except sa.exc.IntegrityError:
                pass
            else:
                raise AssertionError("the migrated schema accepted a duplicate email")
            db.engine.dispose()
