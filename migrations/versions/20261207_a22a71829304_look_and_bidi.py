"""look and bidi (issue 15)

Revision ID: a22a71829304
Revises: f21f60718293
Create Date: 2026-12-07 16:10:00.000000

"""
from alembic import op
import sqlalchemy as sa

import diplolearn.models.base


# revision identifiers, used by Alembic.
revision = 'a22a71829304'
down_revision = 'f21f60718293'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
