"""page versions (issue 16)

Revision ID: b23b4c5d6e7f
Revises: a22a71829304
Create Date: 2026-12-07 19:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import diplolearn.models.base


# revision identifiers, used by Alembic.
revision = 'b23b4c5d6e7f'
down_revision = 'a22a71829304'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "page_version",
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("key", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "scope IN ('site', 'user', 'cohort')", name=op.f("ck_page_version_scope_known")
        ),
        sa.PrimaryKeyConstraint("scope", "key", name=op.f("pk_page_version")),
    )


def downgrade():
    op.drop_table("page_version")
