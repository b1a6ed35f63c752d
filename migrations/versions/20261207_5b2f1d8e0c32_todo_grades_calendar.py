"""to-do lists, grades and calendar feeds (issue 14)

Revision ID: 5b2f1d8e0c32
Revises: 4a1e0c7d9b21
Create Date: 2026-12-07 13:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

import diplolearn.models.base


# revision identifiers, used by Alembic.
revision = '5b2f1d8e0c32'
down_revision = '4a1e0c7d9b21'
branch_labels = None
depends_on = None


def upgrade():
    # Each account's calendar feed: the salt of its secret URL, and when it was turned off.
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('calendar_salt', sa.String(length=32), server_default='', nullable=False)
        )
        batch_op.add_column(sa.Column('calendar_revoked_at', diplolearn.models.base.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): a batch copy of the table would lose
    # the expression index uq_user_email_lower, which Alembic cannot reflect.
    with op.batch_alter_table('user', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('calendar_revoked_at')
        batch_op.drop_column('calendar_salt')
