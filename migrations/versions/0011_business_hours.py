"""business hours per queue, kept in the operator app

Revision ID: 0011_business_hours
Revises: 0010_hold_audio
Create Date: 2026-12-02 02:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0011_business_hours'
down_revision = '0010_hold_audio'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'queue_hours',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('queue', sa.String(length=80), nullable=False),
        sa.Column('weekly', sa.JSON(), nullable=False),
        sa.Column('special', sa.JSON(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('updated_by', sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('queue'),
    )


def downgrade() -> None:
    op.drop_table('queue_hours')
