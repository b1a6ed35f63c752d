"""private messages between a learner and their tutor (issue 20)

Revision ID: d20d4e5f6071
Revises: c20c3d4e5f60
Create Date: 2026-12-07 14:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

import diplolearn.models.base


# revision identifiers, used by Alembic.
revision = 'd20d4e5f6071'
down_revision = 'c20c3d4e5f60'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('message_thread',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('tutor_id', sa.Integer(), nullable=False),
    sa.Column('tutor_group_id', sa.Integer(), nullable=True),
    sa.Column('created_at', diplolearn.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_message_at', diplolearn.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('learner_read_at', diplolearn.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('tutor_read_at', diplolearn.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohort.id'], name=op.f('fk_message_thread_cohort_id_cohort')),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolment.id'], name=op.f('fk_message_thread_enrolment_id_enrolment')),
    sa.ForeignKeyConstraint(['learner_id'], ['user.id'], name=op.f('fk_message_thread_learner_id_user')),
    sa.ForeignKeyConstraint(['tutor_id'], ['user.id'], name=op.f('fk_message_thread_tutor_id_user')),
    sa.ForeignKeyConstraint(['tutor_group_id'], ['tutor_group.id'], name=op.f('fk_message_thread_tutor_group_id_tutor_group')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_thread')),
    sa.UniqueConstraint('enrolment_id', 'tutor_id', name=op.f('uq_message_thread_enrolment_id_tutor_id'))
    )
    with op.batch_alter_table('message_thread', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_thread_cohort_id'), ['cohort_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_thread_enrolment_id'), ['enrolment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_thread_learner_id'), ['learner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_thread_tutor_id'), ['tutor_id'], unique=False)

    op.create_table('message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', diplolearn.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_message_author_id_user')),
    sa.ForeignKeyConstraint(['thread_id'], ['message_thread.id'], name=op.f('fk_message_thread_id_message_thread')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message'))
    )
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_thread_id'), ['thread_id'], unique=False)


def downgrade():
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_thread_id'))
        batch_op.drop_index(batch_op.f('ix_message_created_at'))
        batch_op.drop_index(batch_op.f('ix_message_author_id'))

    op.drop_table('message')
    with op.batch_alter_table('message_thread', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_thread_tutor_id'))
        batch_op.drop_index(batch_op.f('ix_message_thread_learner_id'))
        batch_op.drop_index(batch_op.f('ix_message_thread_enrolment_id'))
        batch_op.drop_index(batch_op.f('ix_message_thread_cohort_id'))

    op.drop_table('message_thread')
