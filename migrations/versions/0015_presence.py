"""agent presence, its history, queue routing settings and offers

Revision ID: 0015_presence
Revises: 0014_lines
Create Date: 2026-12-02 02:15:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0015_presence'
down_revision = '0014_lines'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('agent_profile') as batch:
        batch.add_column(sa.Column('status_reason', sa.String(length=60), nullable=False,
                                   server_default=''))
        batch.add_column(sa.Column('status_since', sa.DateTime(), nullable=False,
                                   server_default=sa.func.current_timestamp()))
        batch.add_column(sa.Column('wrap_up_until', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('languages', sa.JSON(), nullable=False,
                                   server_default='[]'))
    # "busy" was the one state between available and away: an agent on a call.
    op.execute("UPDATE agent_profile SET status = 'on-call' WHERE status = 'busy'")
    op.create_table(
        'presence_change',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('agent_id', sa.Integer(), nullable=False),
        sa.Column('from_state', sa.String(length=12), nullable=False),
        sa.Column('to_state', sa.String(length=12), nullable=False),
        sa.Column('reason', sa.String(length=60), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['agent_id'], ['agent_profile.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_presence_change_agent_id', 'presence_change', ['agent_id'])
    op.create_index('ix_presence_change_at', 'presence_change', ['at'])
    op.create_table(
        'queue_routing',
        sa.Column('queue', sa.String(length=80), nullable=False),
        sa.Column('priority', sa.Integer(), nullable=False),
        sa.Column('wrap_up_s', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('queue'),
    )
    op.create_table(
        'offer',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('agent_id', sa.Integer(), nullable=False),
        sa.Column('call_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('hold_session_id', sa.Integer(), nullable=True),
        sa.Column('callback_id', sa.Integer(), nullable=True),
        sa.Column('queue', sa.String(length=80), nullable=False),
        sa.Column('offered_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('closed_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['agent_id'], ['agent_profile.id']),
        sa.ForeignKeyConstraint(['call_id'], ['call.id']),
        sa.ForeignKeyConstraint(['hold_session_id'], ['hold_session.id']),
        sa.ForeignKeyConstraint(['callback_id'], ['callback_request.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_offer_agent_id', 'offer', ['agent_id'])
    op.create_index('ix_offer_expires_at', 'offer', ['expires_at'])
    op.create_index('ix_offer_status', 'offer', ['status'])


def downgrade() -> None:
    op.drop_table('offer')
    op.drop_table('queue_routing')
    op.drop_table('presence_change')
    op.execute("UPDATE agent_profile SET status = 'busy' WHERE status IN "
               "('on-call', 'offered', 'wrap-up')")
    with op.batch_alter_table('agent_profile') as batch:
        batch.drop_column('languages')
        batch.drop_column('wrap_up_until')
        batch.drop_column('status_since')
        batch.drop_column('status_reason')
