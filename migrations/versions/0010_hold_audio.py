"""hold segments' telephony audio kept in the database, shared by every app server

Revision ID: 0010_hold_audio
Revises: 0009_segment_language
Create Date: 2026-12-01 23:00:00
"""

import hashlib
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = '0010_hold_audio'
down_revision = '0009_segment_language'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'hold_audio',
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('wav', sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint('sha256'),
    )
    _store_library_files()


def _store_library_files() -> None:
    """A library imported before this revision lived only on this machine's disk: copy
    each segment's file in, so the other machines can play it too."""
    conn = op.get_bind()
    library = _audio_dir() / "library"
    audio = sa.table('hold_audio', sa.column('sha256'), sa.column('wav', sa.LargeBinary))
    rows = conn.execute(sa.text(
        "SELECT DISTINCT s.sha256, c.key, s.file_name FROM hold_segment s "
        "JOIN hold_channel c ON c.id = s.channel_id")).all()
    stored = set()
    for sha256, channel, file_name in rows:
        path = library / channel / file_name
        if sha256 in stored or not path.is_file():
            continue
        wav = path.read_bytes()
        if hashlib.sha256(wav).hexdigest() == sha256:
            conn.execute(audio.insert().values(sha256=sha256, wav=wav))
            stored.add(sha256)


def _audio_dir() -> Path:
    from flask import current_app, has_app_context

    from app.config import Config

    return Path(current_app.config["AUDIO_DIR"] if has_app_context() else Config.AUDIO_DIR)


def downgrade() -> None:
    op.drop_table('hold_audio')
