"""quiz safety net: flagged questions (issue 20)

Revision ID: b20b2c3d4e5f
Revises: a20a1b2c3d4e
Create Date: 2026-12-07 14:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b20b2c3d4e5f'
down_revision = 'a20a1b2c3d4e'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
