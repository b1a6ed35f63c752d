"""single sign-on with each ministry's OpenID provider (issue 21)

Revision ID: 6c3a2e9f1d43
Revises: 5b2f1d8e0c32
Create Date: 2026-12-07 13:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6c3a2e9f1d43'
down_revision = '5b2f1d8e0c32'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
