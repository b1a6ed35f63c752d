"""stored progress summaries (issue 16)

Revision ID: e21e5f607182
Revises: d20d4e5f6071
Create Date: 2026-12-07 16:10:00.000000

"""
from alembic import op
import sqlalchemy as sa

import diplolearn.models.base


# revision identifiers, used by Alembic.
revision = 'e21e5f607182'
down_revision = 'd20d4e5f6071'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
