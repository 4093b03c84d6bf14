"""login limit counters and session revocation

Revision ID: 0007_login_limits
Revises: 0006
Create Date: 2026-12-01 20:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0007_login_limits'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rate_counter',
    sa.Column('key', sa.String(length=250), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    with op.batch_alter_table('rate_counter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rate_counter_expires_at'), ['expires_at'],
                              unique=False)
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), nullable=False,
                                      server_default='0'))
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_attempt_address'))
        batch_op.drop_index(batch_op.f('ix_login_attempt_at'))
        batch_op.drop_index(batch_op.f('ix_login_attempt_username'))
    op.drop_table('login_attempt')


def downgrade() -> None:
    op.create_table('login_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_attempt_address'), ['address'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_attempt_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_attempt_username'), ['username'],
                              unique=False)
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('session_generation')
    with op.batch_alter_table('rate_counter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rate_counter_expires_at'))
    op.drop_table('rate_counter')
