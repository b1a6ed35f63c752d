"""learning records and webhooks (issue 17)

Revision ID: 9f6d5b2c4a76
Revises: 8e5c4a1b3f65
Create Date: 2026-12-07 13:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9f6d5b2c4a76'
down_revision = '8e5c4a1b3f65'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
