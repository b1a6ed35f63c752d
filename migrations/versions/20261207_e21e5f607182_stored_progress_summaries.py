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
    # Empty at first: `flask progress rebuild` fills it (learner pages compute progress
    # from the records, as before, for an enrolment without rows).
    op.create_table('module_progress',
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('course_version_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('module_key', sa.String(length=64), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('is_open', sa.Boolean(), nullable=False),
    sa.Column('complete', sa.Boolean(), nullable=False),
    sa.Column('content_done', sa.Boolean(), nullable=False),
    sa.Column('started', sa.Boolean(), nullable=False),
    sa.Column('items_required', sa.Integer(), nullable=False),
    sa.Column('items_done', sa.Integer(), nullable=False),
    sa.Column('percent', sa.Integer(), nullable=False),
    sa.Column('opens_at', diplolearn.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('due_at', diplolearn.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('due_extended', sa.Boolean(), nullable=False),
    sa.Column('score', sa.Numeric(precision=7, scale=3), nullable=True),
    sa.Column('graded_items', sa.Integer(), nullable=False),
    sa.Column('graded_sum', sa.Numeric(precision=12, scale=4), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('computed_at', diplolearn.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('locked', 'open', 'in_progress', 'complete')", name=op.f('ck_module_progress_status_known')),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohort.id'], name=op.f('fk_module_progress_cohort_id_cohort'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['course_version_id'], ['course_version.id'], name=op.f('fk_module_progress_course_version_id_course_version')),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolment.id'], name=op.f('fk_module_progress_enrolment_id_enrolment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['module_id'], ['module.id'], name=op.f('fk_module_progress_module_id_module'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('enrolment_id', 'module_id', name=op.f('pk_module_progress'))
    )
    with op.batch_alter_table('module_progress', schema=None) as batch_op:
        batch_op.create_index('ix_module_progress_cohort_module', ['cohort_id', 'module_id'], unique=False)


def downgrade():
    with op.batch_alter_table('module_progress', schema=None) as batch_op:
        batch_op.drop_index('ix_module_progress_cohort_module')

    op.drop_table('module_progress')
