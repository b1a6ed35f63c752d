"""deadlines that bend: late rules, extension requests, excused items (issue 14)

Revision ID: 4a1e0c7d9b21
Revises: 8b1f4e2d7c30
Create Date: 2026-12-07 13:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

import diplolearn.models.base


# revision identifiers, used by Alembic.
revision = '4a1e0c7d9b21'
down_revision = '8b1f4e2d7c30'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('late_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('item_kind', sa.String(length=16), nullable=False),
    sa.Column('item_key', sa.String(length=64), nullable=False),
    sa.Column('accept_late', sa.Boolean(), nullable=False),
    sa.Column('cutoff_days', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', diplolearn.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("item_kind IN ('cohort', 'assignment')", name=op.f('ck_late_rule_item_kind_known')),
    sa.CheckConstraint('cutoff_days IS NULL OR cutoff_days >= 0', name=op.f('ck_late_rule_cutoff_positive')),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohort.id'], name=op.f('fk_late_rule_cohort_id_cohort')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_late_rule_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_late_rule')),
    sa.UniqueConstraint('cohort_id', 'item_kind', 'item_key', name=op.f('uq_late_rule_cohort_id_item_kind_item_key'))
    )
    with op.batch_alter_table('late_rule', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_late_rule_cohort_id'), ['cohort_id'], unique=False)

    op.create_table('extension_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.Column('item_kind', sa.String(length=16), nullable=False),
    sa.Column('item_key', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('wanted_due_at', diplolearn.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('created_at', diplolearn.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', diplolearn.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('granted_due_at', diplolearn.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.CheckConstraint("item_kind IN ('assignment', 'quiz', 'module')", name=op.f('ck_extension_request_item_kind_known')),
    sa.CheckConstraint("state IN ('pending', 'granted', 'refused', 'withdrawn')", name=op.f('ck_extension_request_state_known')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_extension_request_decided_by_id_user')),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolment.id'], name=op.f('fk_extension_request_enrolment_id_enrolment')),
    sa.ForeignKeyConstraint(['module_id'], ['module.id'], name=op.f('fk_extension_request_module_id_module')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_extension_request'))
    )
    with op.batch_alter_table('extension_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_extension_request_enrolment_id'), ['enrolment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_extension_request_state'), ['state'], unique=False)
        batch_op.create_index('uq_extension_request_pending', ['enrolment_id', 'item_kind', 'item_key'], unique=True, sqlite_where=sa.text("state = 'pending'"), postgresql_where=sa.text("state = 'pending'"))

    op.create_table('excusal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.Column('item_kind', sa.String(length=16), nullable=False),
    sa.Column('item_key', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('excused_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', diplolearn.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("item_kind IN ('lesson', 'assignment', 'quiz')", name=op.f('ck_excusal_item_kind_known')),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolment.id'], name=op.f('fk_excusal_enrolment_id_enrolment')),
    sa.ForeignKeyConstraint(['excused_by_id'], ['user.id'], name=op.f('fk_excusal_excused_by_id_user')),
    sa.ForeignKeyConstraint(['module_id'], ['module.id'], name=op.f('fk_excusal_module_id_module')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_excusal')),
    sa.UniqueConstraint('enrolment_id', 'item_kind', 'item_key', name=op.f('uq_excusal_enrolment_id_item_kind_item_key'))
    )
    with op.batch_alter_table('excusal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_excusal_enrolment_id'), ['enrolment_id'], unique=False)


def downgrade():
    with op.batch_alter_table('excusal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_excusal_enrolment_id'))
    op.drop_table('excusal')
    with op.batch_alter_table('extension_request', schema=None) as batch_op:
        batch_op.drop_index('uq_extension_request_pending', sqlite_where=sa.text("state = 'pending'"), postgresql_where=sa.text("state = 'pending'"))
        batch_op.drop_index(batch_op.f('ix_extension_request_state'))
        batch_op.drop_index(batch_op.f('ix_extension_request_enrolment_id'))
    op.drop_table('extension_request')
    with op.batch_alter_table('late_rule', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_late_rule_cohort_id'))
    op.drop_table('late_rule')
