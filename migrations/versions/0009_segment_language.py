"""hold segments may be for callers of one language

Revision ID: 0009_segment_language
Revises: 0008_podcast_feeds
Create Date: 2026-12-01 21:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0009_segment_language'
down_revision = '0008_podcast_feeds'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('hold_segment') as batch:
        batch.add_column(sa.Column('language', sa.String(length=12), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('hold_segment') as batch:
        batch.drop_column('language')
