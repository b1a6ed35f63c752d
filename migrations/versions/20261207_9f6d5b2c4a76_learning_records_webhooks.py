"""learning records and webhooks (issue 17)

Revision ID: 9f6d5b2c4a76
Revises: 8e5c4a1b3f65
Create Date: 2026-12-07 13:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9f6d5b2c4a76'
down_revision = '8e5c4a1b3f65'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'record_store',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ministry_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('endpoint', sa.String(length=500), nullable=False),
        sa.Column('username', sa.String(length=200), nullable=False),
        sa.Column('password_sealed', sa.Text(), nullable=False),
        sa.Column('share_email', sa.Boolean(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_record_store_created_by_id_user')),
        sa.ForeignKeyConstraint(['ministry_id'], ['ministry.id'], name=op.f('fk_record_store_ministry_id_ministry')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_record_store')),
    )
    with op.batch_alter_table('record_store', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_record_store_ministry_id'), ['ministry_id'], unique=False)

    op.create_table(
        'webhook',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ministry_id', sa.Integer(), nullable=False),
        sa.Column('url', sa.String(length=500), nullable=False),
        sa.Column('events', sa.JSON(), nullable=False),
        sa.Column('secret_sealed', sa.Text(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_webhook_created_by_id_user')),
        sa.ForeignKeyConstraint(['ministry_id'], ['ministry.id'], name=op.f('fk_webhook_ministry_id_ministry')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook')),
    )
    with op.batch_alter_table('webhook', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webhook_ministry_id'), ['ministry_id'], unique=False)

    op.create_table(
        'outbound_delivery',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('destination', sa.String(length=40), nullable=False),
        sa.Column('ministry_id', sa.Integer(), nullable=True),
        sa.Column('record_store_id', sa.Integer(), nullable=True),
        sa.Column('webhook_id', sa.Integer(), nullable=True),
        sa.Column('event', sa.String(length=64), nullable=False),
        sa.Column('payload_id', sa.String(length=64), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('response_status', sa.Integer(), nullable=True),
        sa.Column('response_body', sa.Text(), nullable=True),
        sa.Column('request_id', sa.String(length=128), nullable=True),
        sa.ForeignKeyConstraint(['ministry_id'], ['ministry.id'], name=op.f('fk_outbound_delivery_ministry_id_ministry')),
        sa.ForeignKeyConstraint(['record_store_id'], ['record_store.id'], name=op.f('fk_outbound_delivery_record_store_id_record_store')),
        sa.ForeignKeyConstraint(['webhook_id'], ['webhook.id'], name=op.f('fk_outbound_delivery_webhook_id_webhook')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outbound_delivery')),
        sa.UniqueConstraint('destination', 'payload_id', name='uq_outbound_delivery_once'),
    )
    with op.batch_alter_table('outbound_delivery', schema=None) as batch_op:
        batch_op.create_index('ix_outbound_delivery_due', ['state', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbound_delivery_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbound_delivery_ministry_id'), ['ministry_id'], unique=False)


def downgrade():
    op.drop_table('outbound_delivery')
    op.drop_table('webhook')
    op.drop_table('record_store')
