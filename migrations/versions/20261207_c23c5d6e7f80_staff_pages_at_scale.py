"""staff pages at scale (issue 16)

Revision ID: c23c5d6e7f80
Revises: b23b4c5d6e7f
Create Date: 2026-12-07 19:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import diplolearn.models.base


# revision identifiers, used by Alembic.
revision = 'c23c5d6e7f80'
down_revision = 'b23b4c5d6e7f'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
