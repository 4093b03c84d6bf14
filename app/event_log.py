"""The call log: every engine step, webhook oddity and hold event as a CallEvent row."""

from __future__ import annotations

from collections.abc import Iterable

from .flow.actions import Trace
from .models import Call, CallEvent, db


def record(call: Call, trace: Iterable[Trace]) -> None:
    for item in trace:
        record_event(call, item.kind, item.node, **item.detail)


def record_event(call: Call, kind: str, node: str | None = None, **detail) -> None:
    db.session.add(CallEvent(call=call, kind=str(kind), node=node, detail=_jsonable(detail)))


def _jsonable(detail: dict) -> dict:
    return {k: v for k, v in detail.items() if v is not None}
