"""when an agent's console was last seen: a closed page makes the agent away

Revision ID: 0021_live
Revises: 0017_user_lines
Create Date: 2026-12-02 04:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0021_live'
down_revision = '0020_call_controls'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('agent_profile') as batch:
        batch.add_column(sa.Column('last_seen_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('agent_profile') as batch:
        batch.drop_column('last_seen_at')
