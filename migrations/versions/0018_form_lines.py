"""SMS forms belong to a line: a `line` on every form head and version

Revision ID: 0018_form_lines
Revises: 0017_user_lines
Create Date: 2026-12-02 05:00:00
"""

import json

import sqlalchemy as sa
from alembic import op

revision = '0018_form_lines'
down_revision = '0017_user_lines'
branch_labels = None
depends_on = None

TABLES = ('form_definition', 'form_version')


def upgrade() -> None:
    default = _existing_line()
    for table in TABLES:
        # filled by the server default, then the default dropped (the app names the line
        # of every row it adds)
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('line', sa.String(length=60), nullable=False,
                                       server_default=default))
        with op.batch_alter_table(table) as batch:
            batch.alter_column('line', server_default=None)
    with op.batch_alter_table('form_definition') as batch:
        batch.create_index('ix_form_definition_line', ['line'], unique=False)
    _move_forms_to_their_lines(default)


def _existing_line() -> str:
    """The menu answering the default route, else the demo's first line."""
    name = op.get_bind().execute(sa.text(
        "SELECT m.name FROM phone_route r JOIN menu m ON m.id = r.menu_id "
        "WHERE r.number = 'default'")).scalar()
    return name or 'northwind-main'


def _move_forms_to_their_lines(default: str) -> None:
    """A saved form goes to the one line whose menus text it (Brightsmile Dental's
    appointment forms to the clinic); a form no menu, or several lines, text stays on
    the default line. Its versions go with it."""
    conn = op.get_bind()
    texting = _lines_texting(conn)
    for key in conn.execute(sa.text("SELECT key FROM form_definition")).scalars().all():
        lines = texting.get(key, set())
        line = next(iter(lines)) if len(lines) == 1 else default
        if line != default:
            for table in TABLES:
                conn.execute(sa.text(f"UPDATE {table} SET line = :line WHERE key = :key"),
                             {"line": line, "key": key})


def _lines_texting(conn) -> dict[str, set[str]]:
    """Form id: the lines with a published menu whose sms_link nodes name it."""
    texting: dict[str, set[str]] = {}
    rows = conn.execute(sa.text(
        "SELECT m.name, v.definition FROM menu_version v JOIN menu m ON m.id = v.menu_id "
        "WHERE v.status = 'published'")).all()
    for line, definition in rows:
        menu = json.loads(definition) if isinstance(definition, str) else definition or {}
        for node in (menu.get('nodes') or {}).values():
            if isinstance(node, dict) and node.get('type') == 'sms_link':
                texting.setdefault(str(node.get('form')), set()).add(line)
    return texting


def downgrade() -> None:
    with op.batch_alter_table('form_definition') as batch:
        batch.drop_index('ix_form_definition_line')
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column('line')
