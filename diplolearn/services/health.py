"""Whether the application can reach its database (for ``/healthz``)."""

from __future__ import annotations

import sqlalchemy as sa

from diplolearn.extensions import db


def database_answers() -> bool:
    """Run ``SELECT 1``: True when the database answers, False on any database error. The
    failed read is rolled back when the request ends (unit_of_work.register). A database that
    never answers fails within DATABASE_CONNECT_TIMEOUT (or the request's statement timeout),
    so /healthz answers within seconds either way (config.engine_options)."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        return False
    return True
