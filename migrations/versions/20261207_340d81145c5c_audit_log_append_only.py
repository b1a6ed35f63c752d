"""audit log append-only: triggers refuse UPDATE and DELETE on audit_event

The statements are the ones create_all runs (diplolearn.models.audit), so a migrated database
and a freshly created one refuse the same changes.

Revision ID: 340d81145c5c
Revises: 2ca4e6dc9a7a
Create Date: 2026-12-07 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import diplolearn.models.base
from diplolearn.models.audit import APPEND_ONLY_TRIGGERS, DROP_APPEND_ONLY_TRIGGERS


# revision identifiers, used by Alembic.
revision = '340d81145c5c'
down_revision = '2ca4e6dc9a7a'
branch_labels = None
depends_on = None


def _run(statements_by_dialect):
    for statement in statements_by_dialect.get(op.get_bind().dialect.name, ()):
        op.execute(statement)


def upgrade():
    _run(APPEND_ONLY_TRIGGERS)


def downgrade():
    _run(DROP_APPEND_ONLY_TRIGGERS)
