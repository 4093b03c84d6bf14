"""The call log: every engine step, webhook oddity and hold event as a CallEvent row.

Events are kept on the session and written at commit in one batched INSERT, not as ORM
objects flushed one by one: the unit of work was most of a webhook's cost. Their calls'
rows go first (call_rows: one INSERT or UPDATE each for the webhook path's calls, the
session's flush for the others). A query of CallEvent in the same transaction writes
them first (as autoflush would); a rollback or a closed session discards them with the
rest of the transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import Table, event, insert
from sqlalchemy.orm import ORMExecuteState, Session

from . import call_rows
from .flow.actions import Trace
from .models import Call, CallEvent, db, utcnow

PENDING = "holdline.pending_events"
EVENTS = insert(cast(Table, CallEvent.__table__))


def record(call: Call, trace: Iterable[Trace]) -> None:
    for item in trace:
        _add(call, item.kind, item.node, item.detail)


def record_event(call: Call, kind: str, node: str | None = None, **detail) -> None:
    _add(call, kind, node, detail)


def _add(call: Call, kind: str, node: str | None, detail: dict) -> None:
    """Kinds are stored as their plain value; details without the empty entries."""
    db.session.info.setdefault(PENDING, []).append(
        (call, {"kind": str(kind), "node": node, "at": utcnow(),
                "detail": {k: v for k, v in detail.items() if v is not None}}))


def write_pending(session: Session) -> None:
    """The session's recorded events in one statement, after their calls' rows."""
    pending: list[tuple[Call, dict[str, Any]]] = session.info.pop(PENDING, [])
    calls = {id(call): call for call in call_rows.kept(session)}
    calls.update((id(call), call) for call, _row in pending)
    if not calls:
        return
    for call in calls.values():
        if call_rows.ours(call, session):
            call_rows.write(session, call)
        elif call not in session:  # a call first made in this transaction
            session.add(call)
    session.flush()
    if pending:
        session.connection().execute(
            EVENTS, [{**row, "call_id": call.id} for call, row in pending])


@event.listens_for(Session, "before_commit")
def _write_at_commit(session: Session) -> None:
    write_pending(session)


@event.listens_for(Session, "do_orm_execute")
def _write_before_reading(state: ORMExecuteState) -> None:
    if state.is_select and state.session.info.get(PENDING) and any(
            mapper.class_ is CallEvent for mapper in state.all_mappers):
        write_pending(state.session)


@event.listens_for(Session, "after_transaction_end")
def _discard(session: Session, transaction) -> None:
    """Committed events were written; any others were rolled back with their transaction."""
    if transaction.parent is None:
        session.info.pop(PENDING, None)
        call_rows.forget(session)
