"""completion rules on revisions

Revision ID: a9a98f8f3af5
Revises: 5a37deebc600
Create Date: 2026-11-29 13:35:31.870041

"""
from alembic import op
import sqlalchemy as sa

import diplolearn.models.base


# revision identifiers, used by Alembic.
revision = 'a9a98f8f3af5'
down_revision = '5a37deebc600'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lesson_revision', schema=None) as batch_op:
        batch_op.add_column(sa.Column('required', sa.Boolean(), nullable=False, server_default=sa.true()))

    with op.batch_alter_table('module_revision', schema=None) as batch_op:
        batch_op.add_column(sa.Column('required', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column('prerequisites', sa.JSON(), nullable=False, server_default='[]'))

    with op.batch_alter_table('quiz_revision', schema=None) as batch_op:
        batch_op.add_column(sa.Column('required', sa.Boolean(), nullable=False, server_default=sa.true()))



def downgrade():
    with op.batch_alter_table('quiz_revision', schema=None) as batch_op:
        batch_op.drop_column('required')

    with op.batch_alter_table('module_revision', schema=None) as batch_op:
        batch_op.drop_column('prerequisites')
        batch_op.drop_column('required')

    with op.batch_alter_table('lesson_revision', schema=None) as batch_op:
        batch_op.drop_column('required')

