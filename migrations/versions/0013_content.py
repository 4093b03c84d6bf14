"""form versions: every save of an SMS form kept, heads and texted links point at one

Revision ID: 0013_content
Revises: 0011_business_hours
Create Date: 2026-12-02 01:50:00
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = '0013_content'
down_revision = '0011_business_hours'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'form_version',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('key', sa.String(length=40), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('source', sa.Text(), nullable=False),
        sa.Column('saved_at', sa.DateTime(), nullable=False),
        sa.Column('saved_by', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['saved_by'], ['user.id'], name='fk_form_version_saved_by'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key', 'number'),
    )
    op.create_index(op.f('ix_form_version_key'), 'form_version', ['key'], unique=False)
    with op.batch_alter_table('form_definition', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version_id', sa.String(length=32), nullable=True))
        batch_op.create_foreign_key('fk_form_definition_version_id', 'form_version',
                                    ['version_id'], ['id'])
    with op.batch_alter_table('sms_link', schema=None) as batch_op:
        batch_op.add_column(sa.Column('form_version_id', sa.String(length=32), nullable=True))
        batch_op.create_foreign_key('fk_sms_link_form_version_id', 'form_version',
                                    ['form_version_id'], ['id'])
    _version_saved_forms()


def _version_saved_forms() -> None:
    """A form saved before this revision becomes its own first kept version."""
    conn = op.get_bind()
    versions = sa.table('form_version', sa.column('id'), sa.column('key'),
                        sa.column('number'), sa.column('source'), sa.column('saved_at'),
                        sa.column('saved_by'))
    rows = conn.execute(sa.text("SELECT id, key, source, version, updated_at, updated_by "
                                "FROM form_definition")).all()
    for row_id, key, source, number, saved_at, saved_by in rows:
        version_id = secrets.token_hex(16)
        conn.execute(versions.insert().values(id=version_id, key=key, number=number,
                                              source=source, saved_at=saved_at,
                                              saved_by=saved_by))
        conn.execute(sa.text("UPDATE form_definition SET version_id = :v WHERE id = :i"),
                     {"v": version_id, "i": row_id})


def downgrade() -> None:
    with op.batch_alter_table('sms_link', schema=None) as batch_op:
        batch_op.drop_constraint('fk_sms_link_form_version_id', type_='foreignkey')
        batch_op.drop_column('form_version_id')
    with op.batch_alter_table('form_definition', schema=None) as batch_op:
        batch_op.drop_constraint('fk_form_definition_version_id', type_='foreignkey')
        batch_op.drop_column('version_id')
    op.drop_index(op.f('ix_form_version_key'), table_name='form_version')
    op.drop_table('form_version')
