"""grading comfort: a comment per rubric criterion (issue 20)

Revision ID: c20c3d4e5f60
Revises: b20b2c3d4e5f
Create Date: 2026-12-07 14:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c20c3d4e5f60'
down_revision = 'b20b2c3d4e5f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('submission_score', schema=None) as batch_op:
        batch_op.add_column(sa.Column('comment', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('submission_score', schema=None) as batch_op:
        batch_op.drop_column('comment')
