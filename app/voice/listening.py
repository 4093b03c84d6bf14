"""Built-in speech turns, kept on the call: what to say and hear, and what was heard.

A turn's plan is written by the webhook that renders <Connect><Stream> and read by the
socket, which may run in another worker; the result goes back the same way to the
<Connect action> webhook. Both are call events, so the record of the call shows them.
"""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import select

from ..calls import session as calls
from ..flow.actions import Action, Listen, Play, Say
from ..models import Call, CallEvent, db
from ..speech import service as speech

PLAN, HEARD = "listening", "heard"


def route_listens(call: Call, actions: list[Action], turn: int) -> list[Action]:
    """Keep built-in speech where it can run now; otherwise provider speech, noted why."""
    routed: list[Action] = []
    prompts: list[Say | Play] = []
    for action in actions:
        if isinstance(action, Listen) and action.recognizer == "vosk":
            reason = speech.why_not(action)
            if reason:
                calls.record_event(call, "speech_fallback", action.node, reason=reason)
                action = speech.as_provider(action)
            else:
                save_plan(call, turn, prompts, action)
        prompts = prompts + [action] if isinstance(action, Say | Play) else []
        routed.append(action)
    return routed


def save_plan(call: Call, turn: int, prompts: list[Say | Play], listen: Listen) -> None:
    calls.record_event(call, PLAN, listen.node, turn=turn, listen=asdict(listen),
                       prompts=[{"say": asdict(p)} if isinstance(p, Say) else
                                {"play": p.url} for p in prompts])


def _event(call: Call, kind: str, turn: int) -> CallEvent | None:
    recent = db.session.scalars(select(CallEvent).where(
        CallEvent.call_id == call.id, CallEvent.kind == kind)
        .order_by(CallEvent.id.desc()).limit(5))
    return next((e for e in recent if e.detail.get("turn") == turn), None)


def load_plan(call: Call, turn: int) -> tuple[list[Action], Listen] | None:
    """The prompts and the listen of a built-in speech turn, as the engine made them."""
    event = _event(call, PLAN, turn)
    if event is None:
        return None
    prompts: list[Action] = [Say(**p["say"]) if "say" in p else Play(p["play"])
               for p in event.detail["prompts"]]
    listen = dict(event.detail["listen"], hints=tuple(event.detail["listen"]["hints"]))
    return prompts, Listen(**listen)


def save_heard(call: Call, turn: int, node: str, **detail) -> None:
    """detail["result"]: speech, dtmf, no_input, too_long, gone or fallback."""
    calls.record_event(call, HEARD, node, turn=turn, **detail)


def heard(call: Call, turn: int) -> dict | None:
    event = _event(call, HEARD, turn)
    return event.detail if event else None
