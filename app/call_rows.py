"""A call's row on the webhook path, read and written with SQLAlchemy Core.

The ORM's statement building, identity map and unit of work cost more than the rest of
an IVR webhook (issue 14), so the call-path webhooks read their call with one prepared
SELECT into a detached Call, and at commit write it with one INSERT (a new call) or one
UPDATE of the columns that changed, just before its events (event_log). A Call that
ends up in the session anyway (an SMS link's relationship, a reload after a rollback)
is the session's to flush, as any other object; a Call made with the plain constructor
is added to the session as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from .models import Call, db, utcnow

CALL = cast(Table, Call.__table__)
COLUMNS = tuple(column.key for column in CALL.columns if column.key != "id")
BY_SID = select(CALL).where(CALL.c.call_sid == bindparam("sid"))
INSERT = insert(CALL)
# With no values of its own, an UPDATE sets the columns whose values it is given.
UPDATE = update(CALL).where(CALL.c.id == bindparam("row_id"))
KEPT = "holdline.kept_calls"
# On the instance: its column values as last read or written; None while not inserted.
WRITTEN = "_holdline_written"


def load(call_sid: str) -> Call | None:
    """The call with this provider id, detached, or None."""
    row = db.session.connection().execute(BY_SID, {"sid": call_sid}).first()
    return None if row is None else detached(row._mapping)


def detached(values: Mapping[Any, Any]) -> Call:
    """The call of a row just read (every column), written back at commit if it changed."""
    call = as_loaded(Call, values)
    _written(call)
    keep(call)
    return call


Loaded = TypeVar("Loaded")


def as_loaded(model: type[Loaded], values: Mapping[Any, Any]) -> Loaded:
    """An object of a row just read (every column), detached, made as the ORM makes a
    loaded one (no constructor, no attribute events)."""
    instance = model.__mapper__.class_manager.new_instance()  # type: ignore[attr-defined]
    instance.__dict__.update(values)
    make_transient_to_detached(instance)  # as if loaded: attaching it later means no INSERT
    return instance


def new(**values: Any) -> Call:
    """A call seen for the first time; its row goes in at commit."""
    values = {"state": {}, "status": "in-progress", "started_at": utcnow(), **values}
    call = Call(**values)
    setattr(call, WRITTEN, None)
    keep(call)
    return call


def keep(call: Call) -> None:
    """Write this call at the next commit (its events register it too)."""
    db.session.info.setdefault(KEPT, {})[id(call)] = call


def kept(session: Session) -> list[Call]:
    """This transaction's calls; written at each commit (and before a query of events)."""
    return list(session.info.get(KEPT, {}).values())


def forget(session: Session) -> None:
    """At the end of a transaction: committed, or rolled back with the rest of it."""
    session.info.pop(KEPT, None)


def insert_now(call: Call) -> None:
    """A new call's row, now: something about to be written refers to it."""
    session = db.session()
    if ours(call, session):
        write(session, call)
    else:
        db.session.add(call)
        db.session.flush()


def write(session: Session, call: Call) -> None:
    """One INSERT or one UPDATE of what changed since the row was read or written."""
    written = getattr(call, WRITTEN)
    now = _values(call)
    if written is None:
        key = session.connection().execute(INSERT, now).inserted_primary_key
        assert key is not None  # an INSERT of one row always has it
        call.id = key[0]
        for column in now.keys() - call.__dict__.keys():  # written as NULL: say so, or
            set_committed_value(call, column, None)  # detaching would expire (unreadable)
        make_transient_to_detached(call)
    elif changed := {key: value for key, value in now.items() if written[key] != value}:
        session.connection().execute(UPDATE, {"row_id": call.id, **changed})
    setattr(call, WRITTEN, now)


def ours(call: Call, session: Session) -> bool:
    """A call this module writes: read or made here, and not in the session."""
    return hasattr(call, WRITTEN) and call not in session


def _values(call: Call) -> dict[str, Any]:
    values = call.__dict__
    return {key: values.get(key) for key in COLUMNS}


def _written(call: Call) -> None:
    setattr(call, WRITTEN, _values(call))
