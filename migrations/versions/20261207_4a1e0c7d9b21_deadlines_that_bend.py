"""deadlines that bend: late rules, extension requests, excused items (issue 14)

Revision ID: 4a1e0c7d9b21
Revises: 8b1f4e2d7c30
Create Date: 2026-12-07 13:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4a1e0c7d9b21'
down_revision = '8b1f4e2d7c30'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
