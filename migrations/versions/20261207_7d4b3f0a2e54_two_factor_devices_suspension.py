"""two-factor sign-in, signed-in devices, suspension (issue 21)

Revision ID: 7d4b3f0a2e54
Revises: 6c3a2e9f1d43
Create Date: 2026-12-07 13:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

import diplolearn.models.base


# revision identifiers, used by Alembic.
revision = '7d4b3f0a2e54'
down_revision = '6c3a2e9f1d43'
branch_labels = None
depends_on = None


def _restore_email_index():
    """On SQLite the batch copy of "user" (needed for its new foreign key) loses the expression
    index uq_user_email_lower, which Alembic cannot reflect: make it again."""
    if op.get_bind().dialect.name == "sqlite":
        op.create_index('uq_user_email_lower', 'user', [sa.text('lower(email)')], unique=True)


def upgrade():
    op.create_table('two_factor_credential',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('secret_encrypted', sa.Text(), nullable=False),
    sa.Column('enabled_at', diplolearn.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_used_step', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_two_factor_credential_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_two_factor_credential')),
    sa.UniqueConstraint('user_id', name=op.f('uq_two_factor_credential_user_id'))
    )
    op.create_table('recovery_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_digest', sa.String(length=64), nullable=False),
    sa.Column('created_at', diplolearn.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', diplolearn.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_recovery_code_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_code')),
    sa.UniqueConstraint('user_id', 'code_digest', name=op.f('uq_recovery_code_user_id_code_digest'))
    )
    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_code_user_id'), ['user_id'], unique=False)

    op.create_table('device_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('second_factor', sa.Boolean(), nullable=False),
    sa.Column('device', sa.String(length=120), nullable=False),
    sa.Column('network', sa.String(length=64), nullable=False),
    sa.Column('created_at', diplolearn.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', diplolearn.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', diplolearn.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_device_session_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_device_session'))
    )
    with op.batch_alter_table('device_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_device_session_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('suspended_at', diplolearn.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('suspended_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('suspension_reason', sa.String(length=500), server_default='', nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_user_suspended_by_id_user'), 'user', ['suspended_by_id'], ['id'])
    _restore_email_index()


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_user_suspended_by_id_user'), type_='foreignkey')
        batch_op.drop_column('suspension_reason')
        batch_op.drop_column('suspended_by_id')
        batch_op.drop_column('suspended_at')
    _restore_email_index()

    with op.batch_alter_table('device_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_device_session_user_id'))
    op.drop_table('device_session')
    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_code_user_id'))
    op.drop_table('recovery_code')
    op.drop_table('two_factor_credential')
