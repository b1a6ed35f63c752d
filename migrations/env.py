"""Alembic environment for Flask-Migrate: the metadata is the application's models."""

import logging
import warnings
from logging.config import fileConfig

import sqlalchemy as sa
from alembic import context
from flask import current_app

config = context.config
if config.config_file_name:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

db = current_app.extensions["migrate"].db
# SQLite batch migrations reflect neighbouring tables; SQLAlchemy cannot reflect the
# lower(email) expression index and says so. Harmless: batch mode never recreates that table
# unless a migration alters it, and such a migration must recreate the index explicitly.
warnings.filterwarnings(
    "ignore",
    message="Skipped unsupported reflection of expression-based",
    category=sa.exc.SAWarning,
)
import diplolearn.models  # noqa: E402,F401  (registers every table on the metadata)
from diplolearn.models.base import include_object  # noqa: E402


def run_migrations_offline():
    context.configure(
        url=str(db.engine.url),
        target_metadata=db.metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    conf_args.setdefault("include_object", include_object(db.engine.dialect.name))
    with db.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=db.metadata, **conf_args)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
