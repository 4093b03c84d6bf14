"""in-call controls: the legs in an agent's room, hold, mute, warm and cold transfers

Revision ID: 0020_call_controls
Revises: 0017_user_lines
Create Date: 2026-12-02 05:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0020_call_controls'
down_revision = '0018_form_lines'
branch_labels = None
depends_on = None

LEGS = ('agent_leg', 'caller_leg', 'room_id', 'colleague_leg')


def upgrade() -> None:
    with op.batch_alter_table('assignment') as batch:
        for name in LEGS:
            batch.add_column(sa.Column(name, sa.String(length=64), nullable=True))
        for name in ('on_hold', 'muted'):
            batch.add_column(sa.Column(name, sa.Boolean(), nullable=False,
                                       server_default=sa.false()))
        batch.add_column(sa.Column('consult', sa.String(length=10), nullable=True))
        batch.add_column(sa.Column('colleague', sa.String(length=80), nullable=True))
        batch.add_column(sa.Column('transfer_to', sa.String(length=80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('assignment') as batch:
        for name in (*LEGS, 'on_hold', 'muted', 'consult', 'colleague', 'transfer_to'):
            batch.drop_column(name)
