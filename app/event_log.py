"""The call log: every engine step, webhook oddity and hold event as a CallEvent row."""

from __future__ import annotations

from collections.abc import Iterable

from .flow.actions import Trace
from .models import Call, CallEvent, db


def record(call: Call, trace: Iterable[Trace]) -> None:
    for item in trace:
        _add(call, item.kind, item.node, item.detail)


def record_event(call: Call, kind: str, node: str | None = None, **detail) -> None:
    _add(call, kind, node, detail)


def _add(call: Call, kind: str, node: str | None, detail: dict) -> None:
    """Kinds are stored as their plain value; details without the empty entries."""
    db.session.add(CallEvent(call=call, kind=str(kind), node=node,
                             detail={k: v for k, v in detail.items() if v is not None}))
