"""certificates: one per enrolment, with revocation and reissue history

Revision ID: c3a7e1f09d42
Revises: 25ce386da16f
Create Date: 2026-11-29 14:27:51.090047

"""
from alembic import op
import sqlalchemy as sa

import diplolearn.models.base


# revision identifiers, used by Alembic.
revision = 'c3a7e1f09d42'
down_revision = '25ce386da16f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('certificate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('course_version_id', sa.Integer(), nullable=True),
    sa.Column('holder_name_latin', sa.String(length=200), nullable=False),
    sa.Column('holder_name_ar', sa.String(length=200), nullable=False),
    sa.Column('course_title', diplolearn.models.base.Translated(), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=False),
    sa.Column('workload_hours', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('issued_at', diplolearn.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', diplolearn.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('revocation_reason', sa.Text(), nullable=True),
    sa.Column('superseded_at', diplolearn.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('supersedes_id', sa.Integer(), nullable=True),
    sa.Column('reissue_reason', sa.Text(), nullable=True),
    sa.CheckConstraint("status IN ('issued', 'revoked', 'superseded')", name=op.f('ck_certificate_status_known')),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_certificate_course_id_course')),
    sa.ForeignKeyConstraint(['course_version_id'], ['course_version.id'], name=op.f('fk_certificate_course_version_id_course_version')),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolment.id'], name=op.f('fk_certificate_enrolment_id_enrolment')),
    sa.ForeignKeyConstraint(['issued_by_id'], ['user.id'], name=op.f('fk_certificate_issued_by_id_user')),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['user.id'], name=op.f('fk_certificate_revoked_by_id_user')),
    sa.ForeignKeyConstraint(['supersedes_id'], ['certificate.id'], name=op.f('fk_certificate_supersedes_id_certificate')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_certificate_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate')),
    sa.UniqueConstraint('code', name=op.f('uq_certificate_code')),
    sa.UniqueConstraint('supersedes_id', name=op.f('uq_certificate_supersedes_id'))
    )
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_enrolment_id'), ['enrolment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_user_id'), ['user_id'], unique=False)
        batch_op.create_index('uq_certificate_current_per_enrolment', ['enrolment_id'], unique=True, sqlite_where=sa.text("status IN ('issued', 'revoked')"), postgresql_where=sa.text("status IN ('issued', 'revoked')"))



def downgrade():
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_index('uq_certificate_current_per_enrolment', sqlite_where=sa.text("status IN ('issued', 'revoked')"), postgresql_where=sa.text("status IN ('issued', 'revoked')"))
        batch_op.drop_index(batch_op.f('ix_certificate_user_id'))
        batch_op.drop_index(batch_op.f('ix_certificate_enrolment_id'))
        batch_op.drop_index(batch_op.f('ix_certificate_course_id'))

    op.drop_table('certificate')
