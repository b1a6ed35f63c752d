"""private messages between a learner and their tutor (issue 20)

Revision ID: d20d4e5f6071
Revises: c20c3d4e5f60
Create Date: 2026-12-07 14:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd20d4e5f6071'
down_revision = 'c20c3d4e5f60'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
