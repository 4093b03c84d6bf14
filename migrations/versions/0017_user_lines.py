"""the lines an account may see and change (empty: every line)

Revision ID: 0017_user_lines
Revises: 0016_softphone
Create Date: 2026-12-02 03:15:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0017_user_lines'
down_revision = '0016_softphone'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('user') as batch:
        batch.add_column(sa.Column('lines', sa.JSON(), nullable=False, server_default='[]'))


def downgrade() -> None:
    with op.batch_alter_table('user') as batch:
        batch.drop_column('lines')
