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


# Staff pages at the scale of a ministry (issue 16): the reports' time on task read from an
# index alone, a ministry's enrolments in one cohort, and each report row's staff id (the
# person's latest membership of the ministry). The grid and reports read module_progress by
# its primary key (enrolment_id, module_id), which needs nothing more.
INDEXES = (
    ("lesson_progress", "ix_lesson_progress_enrolment_time", ["enrolment_id", "time_spent_seconds"]),
    ("enrolment", "ix_enrolment_sponsor_cohort", ["sponsor_ministry_id", "cohort_id"]),
    ("staff_membership", "ix_staff_membership_user_ministry", ["user_id", "ministry_id", "started_at"]),
)


def upgrade():
    for table, name, columns in INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(name, columns, unique=False)


def downgrade():
    for table, name, _columns in reversed(INDEXES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(name)
