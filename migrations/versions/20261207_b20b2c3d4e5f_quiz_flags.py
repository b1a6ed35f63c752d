"""quiz safety net: flagged questions (issue 20)

Revision ID: b20b2c3d4e5f
Revises: a20a1b2c3d4e
Create Date: 2026-12-07 14:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b20b2c3d4e5f"
down_revision = "a20a1b2c3d4e"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("attempt_question") as batch_op:
        batch_op.add_column(
            sa.Column("flagged", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table("attempt_question") as batch_op:
        batch_op.drop_column("flagged")
