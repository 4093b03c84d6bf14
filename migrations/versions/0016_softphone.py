"""where an agent's calls ring: their phone or the browser softphone, and when it was rung

Revision ID: 0016_softphone
Revises: 0015_presence
Create Date: 2026-12-02 02:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0016_softphone'
down_revision = '0015_presence'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('agent_profile') as batch:
        batch.add_column(sa.Column('delivery', sa.String(length=8), nullable=False,
                                   server_default='phone'))
    with op.batch_alter_table('assignment') as batch:
        batch.add_column(sa.Column('rung_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('assignment') as batch:
        batch.drop_column('rung_at')
    with op.batch_alter_table('agent_profile') as batch:
        batch.drop_column('delivery')
