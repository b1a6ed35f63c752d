"""indexes for staff pages at scale (issue 16)

Revision ID: f21f60718293
Revises: e21e5f607182
Create Date: 2026-12-07 16:10:00.000000

"""
from alembic import op
import sqlalchemy as sa

import diplolearn.models.base


# revision identifiers, used by Alembic.
revision = 'f21f60718293'
down_revision = 'e21e5f607182'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
