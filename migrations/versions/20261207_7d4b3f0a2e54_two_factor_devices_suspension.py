"""two-factor sign-in, signed-in devices, suspension (issue 21)

Revision ID: 7d4b3f0a2e54
Revises: 6c3a2e9f1d43
Create Date: 2026-12-07 13:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7d4b3f0a2e54'
down_revision = '6c3a2e9f1d43'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
