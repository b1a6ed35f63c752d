"""REST API tokens and idempotency keys (issue 17)

Revision ID: 8e5c4a1b3f65
Revises: 7d4b3f0a2e54
Create Date: 2026-12-07 13:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8e5c4a1b3f65'
down_revision = '7d4b3f0a2e54'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
