"""podcast feeds and their episodes

Revision ID: 0008_podcast_feeds
Revises: 0007_login_limits
Create Date: 2026-12-01 21:20:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0008_podcast_feeds'
down_revision = '0007_login_limits'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('podcast_feed',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.Column('checked_at', sa.DateTime(), nullable=True),
    sa.Column('ok_at', sa.DateTime(), nullable=True),
    sa.Column('error', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['channel_id'], ['hold_channel.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('url')
    )
    with op.batch_alter_table('podcast_feed', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_podcast_feed_channel_id'), ['channel_id'],
                              unique=False)
    op.create_table('podcast_episode',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('feed_id', sa.Integer(), nullable=False),
    sa.Column('guid', sa.String(length=500), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('track', sa.String(length=120), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('error', sa.String(length=300), nullable=True),
    sa.Column('duration_s', sa.Double(), nullable=False),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['feed_id'], ['podcast_feed.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('feed_id', 'guid')
    )
    with op.batch_alter_table('podcast_episode', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_podcast_episode_feed_id'), ['feed_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('podcast_episode', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_podcast_episode_feed_id'))
    op.drop_table('podcast_episode')
    with op.batch_alter_table('podcast_feed', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_podcast_feed_channel_id'))
    op.drop_table('podcast_feed')
