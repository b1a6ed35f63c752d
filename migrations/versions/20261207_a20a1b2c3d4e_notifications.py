"""notifications: the in-app centre and per-kind preferences (issue 20)

Revision ID: a20a1b2c3d4e
Revises: 9f6d5b2c4a76
Create Date: 2026-12-07 14:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a20a1b2c3d4e'
down_revision = '9f6d5b2c4a76'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
