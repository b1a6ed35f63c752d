"""course pages, weeks and prompts

Revision ID: 25ce386da16f
Revises: a9a98f8f3af5
Create Date: 2026-11-29 13:42:43.795717

"""
from alembic import op
import sqlalchemy as sa

import diplolearn.models.base


# revision identifiers, used by Alembic.
revision = '25ce386da16f'
down_revision = 'a9a98f8f3af5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('course', schema=None) as batch_op:
        batch_op.add_column(sa.Column('optional_languages', sa.JSON(), nullable=False, server_default='[]'))

    with op.batch_alter_table('course_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bibliography', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('glossary', sa.JSON(), nullable=False, server_default='[]'))

    with op.batch_alter_table('module_revision', schema=None) as batch_op:
        batch_op.add_column(sa.Column('week', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('assignment', sa.JSON(), nullable=False, server_default='{}'))
        batch_op.add_column(sa.Column('discussion', sa.JSON(), nullable=False, server_default='{}'))



def downgrade():
    with op.batch_alter_table('module_revision', schema=None) as batch_op:
        batch_op.drop_column('discussion')
        batch_op.drop_column('assignment')
        batch_op.drop_column('week')

    with op.batch_alter_table('course_version', schema=None) as batch_op:
        batch_op.drop_column('glossary')
        batch_op.drop_column('bibliography')

    with op.batch_alter_table('course', schema=None) as batch_op:
        batch_op.drop_column('optional_languages')

