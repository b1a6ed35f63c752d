"""module_progress: a covering index for the staff pages on PostgreSQL (issue 16)

Revision ID: c31c70829305
Revises: b23b4c5d6e7f
Create Date: 2026-12-08 00:55:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c31c70829305'
down_revision = 'b23b4c5d6e7f'
branch_labels = None
depends_on = None


# What the staff pages read of the rows, beside the learner and module: PostgreSQL answers
# them from the index alone. SQLite has no INCLUDE; it reads the rows by their primary key.
INCLUDED = [
    "course_version_id",
    "computed_at",
    "required",
    "items_required",
    "items_done",
    "graded_items",
    "graded_sum",
    "content_done",
    "started",
    "opens_at",
    "due_at",
    "score",
]


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.create_index(
        "ix_module_progress_enrolment_sums",
        "module_progress",
        ["enrolment_id", "module_id"],
        unique=False,
        postgresql_include=INCLUDED,
    )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_module_progress_enrolment_sums", table_name="module_progress")
