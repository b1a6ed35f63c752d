"""to-do lists, grades and calendar feeds (issue 14)

Revision ID: 5b2f1d8e0c32
Revises: 4a1e0c7d9b21
Create Date: 2026-12-07 13:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b2f1d8e0c32'
down_revision = '4a1e0c7d9b21'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
