"""hold channels and quiz questions belong to a line; agents' skills name line queues

Revision ID: 0014_lines
Revises: 0013_content
Create Date: 2026-12-02 02:00:00
"""

import json

import sqlalchemy as sa
from alembic import op

revision = '0014_lines'
down_revision = '0013_content'
branch_labels = None
depends_on = None

TABLES = ('hold_channel', 'quiz_question')
DEFAULT_QUEUE = 'general'  # shared by every line (app/lines.py: queue_key)


def upgrade() -> None:
    line = _existing_line()
    for table in TABLES:
        # existing content is the existing line's: filled by the server default, then
        # the default dropped (the app names the line of every row it adds)
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('line', sa.String(length=60), nullable=False,
                                       server_default=line))
        with op.batch_alter_table(table) as batch:
            batch.alter_column('line', server_default=None)
            batch.create_index(f'ix_{table}_line', ['line'], unique=False)
    _name_queues_by_line(line)


def _existing_line() -> str:
    """The menu answering the default route, else the demo's."""
    name = op.get_bind().execute(sa.text(
        "SELECT m.name FROM phone_route r JOIN menu m ON m.id = r.menu_id "
        "WHERE r.number = 'default'")).scalar()
    return name or 'northwind-main'


def _name_queues_by_line(line: str) -> None:
    """A queue's name outside its menu is now `line.queue` (unless shared): agents keep
    serving the queues they served, and waiting callbacks stay in their line."""
    conn = op.get_bind()
    for agent_id, skills in conn.execute(sa.text("SELECT id, skills FROM agent_profile")).all():
        names = json.loads(skills) if isinstance(skills, str) else (skills or [])
        keyed = [_key(line, name) for name in names]
        if keyed != names:
            conn.execute(sa.text("UPDATE agent_profile SET skills = :skills WHERE id = :id"),
                         {"skills": json.dumps(keyed), "id": agent_id})
    for table, unfinished in (('callback_request', "status IN ('pending', 'failed')"),
                              ('hold_session', 'outcome IS NULL')):
        conn.execute(sa.text(
            f"UPDATE {table} SET queue = :prefix || queue WHERE {unfinished} "
            "AND queue <> :shared AND queue NOT LIKE '%.%' AND length(queue) <= :room"),
            {"prefix": f"{line}.", "shared": DEFAULT_QUEUE, "room": 40 - len(line) - 1})


def _key(line: str, name: str) -> str:
    return name if name == DEFAULT_QUEUE or '.' in name else f'{line}.{name}'


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_index(f'ix_{table}_line')
            batch.drop_column('line')
