"""single sign-on with each ministry's OpenID provider (issue 21)

Revision ID: 6c3a2e9f1d43
Revises: 5b2f1d8e0c32
Create Date: 2026-12-07 13:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

import diplolearn.models.base


# revision identifiers, used by Alembic.
revision = '6c3a2e9f1d43'
down_revision = '5b2f1d8e0c32'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sso_provider',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ministry_id', sa.Integer(), nullable=False),
    sa.Column('issuer', sa.String(length=500), nullable=False),
    sa.Column('client_id', sa.String(length=255), nullable=False),
    sa.Column('client_secret_env', sa.String(length=100), nullable=False),
    sa.Column('client_secret_encrypted', sa.Text(), nullable=True),
    sa.Column('email_domains', sa.JSON(), nullable=False),
    sa.Column('staff_id_claim', sa.String(length=100), nullable=False),
    sa.Column('allow_jit', sa.Boolean(), nullable=False),
    sa.Column('mandatory', sa.Boolean(), nullable=False),
    sa.Column('is_enabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', diplolearn.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', diplolearn.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ministry_id'], ['ministry.id'], name=op.f('fk_sso_provider_ministry_id_ministry')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sso_provider')),
    sa.UniqueConstraint('ministry_id', name=op.f('uq_sso_provider_ministry_id'))
    )
    op.create_table('sso_used_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('code_digest', sa.String(length=64), nullable=False),
    sa.Column('used_at', diplolearn.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['sso_provider.id'], name=op.f('fk_sso_used_code_provider_id_sso_provider')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sso_used_code')),
    sa.UniqueConstraint('code_digest', name=op.f('uq_sso_used_code_code_digest'))
    )
    with op.batch_alter_table('sso_used_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sso_used_code_provider_id'), ['provider_id'], unique=False)


def downgrade():
    with op.batch_alter_table('sso_used_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sso_used_code_provider_id'))

    op.drop_table('sso_used_code')
    op.drop_table('sso_provider')
