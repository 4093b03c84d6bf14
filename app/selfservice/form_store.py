"""SMS forms saved in the operator app, in the database: every save a new, never-changed
version; a head row per form points at the one in effect. All reads and writes of the two
tables are here, so a filter (a line, say) is one edit."""

from __future__ import annotations

import secrets

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ..models import db, rows_updated, utcnow
from .models import FormDefinition, FormVersion


class Stale(Exception):
    """Someone saved after the version an operator started from (rolls the save back)."""


def heads() -> dict[str, tuple[str, str]]:
    """Each saved form's (version in effect, line), by form id: three short columns, read
    on every request that needs forms."""
    rows = db.session.execute(select(FormDefinition.key, FormDefinition.version_id,
                                     FormDefinition.line)
                              .where(FormDefinition.version_id.is_not(None)))
    return {key: (version_id, line) for key, version_id, line in rows
            if version_id is not None}


def head(key: str) -> FormDefinition | None:
    return db.session.scalar(select(FormDefinition).where(FormDefinition.key == key))


def all_heads() -> dict[str, FormDefinition]:
    return {row.key: row for row in db.session.scalars(select(FormDefinition))}


def version(version_id: str) -> FormVersion | None:
    return db.session.get(FormVersion, version_id)


def version_numbered(key: str, number: int) -> FormVersion | None:
    return db.session.scalar(select(FormVersion).where(FormVersion.key == key,
                                                       FormVersion.number == number))


def versions_of(key: str) -> list[FormVersion]:
    return list(db.session.scalars(select(FormVersion).where(FormVersion.key == key)
                                   .order_by(FormVersion.number.desc())))


def save(key: str, source: str, base: int, user_id: int | None,
         line: str) -> FormVersion | None:
    """Save `source` as version base + 1 of the form, only if nobody saved since version
    `base` (None: a conflict, nothing written). The version row and the head move together;
    `line` is the form's (a form keeps the line it was made for)."""
    kept = FormVersion(id=secrets.token_hex(16), key=key, number=base + 1, source=source,
                       saved_at=utcnow(), saved_by=user_id, line=line)
    values = {"source": source, "version": base + 1, "updated_at": kept.saved_at,
              "updated_by": user_id, "version_id": kept.id}
    try:
        with db.session.begin_nested():
            db.session.add(kept)
            db.session.flush()  # (key, number) is unique: a racing save of base + 1 fails
            if base == 0 and head(key) is None:
                db.session.add(FormDefinition(key=key, line=line, **values))
                db.session.flush()
            elif rows_updated(update(FormDefinition).where(
                    FormDefinition.key == key, FormDefinition.version == base)
                    .values(**values)) != 1:
                raise Stale(base)
    except (IntegrityError, Stale):
        return None
    return kept
