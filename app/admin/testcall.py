"""The test-call panel: a typed script run through the same turn runner as real calls.

Lookups are resolved with the real data sources; texts are recorded, not sent, and the
panel says so; no Call or CallEvent rows are written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from ..calls.effects import Effects, RecordedLinks, run_turn
from ..calls.profile import caller_profile, customer_at
from ..events import EventKind
from ..flow.actions import (
    Action,
    CheckHours,
    Enqueue,
    Event,
    Hangup,
    Input,
    Lookup,
    NoInput,
    SendLink,
    Start,
    Transfer,
)
from ..flow.engine import Step
from ..flow.schema import Menu as MenuDef
from ..flow.state import CallState
from .lang import html_lang

SHOWN_TRACE = {EventKind.MATCH, EventKind.NO_MATCH, EventKind.NO_INPUT, EventKind.CONFIRM,
               EventKind.CONFIRMED, EventKind.REJECTED, EventKind.GLOBAL, EventKind.ESCALATE,
               EventKind.HANDOFF, EventKind.LOOKUP, EventKind.LOOKUP_FAILED,
               EventKind.COLLECTED, EventKind.ERROR, EventKind.HOURS_CHECKED}
NOT_TEXTED = "nothing was texted: a test call never sends a text"


class Line(NamedTuple):
    who: str  # CALLER, IVR or SYSTEM
    text: str
    lang: str = ""  # HTML lang when not the page's: the caller answers in the prompt's


@dataclass
class TestCall:
    lines: list[Line] = field(default_factory=list)
    path: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    ended: str = "the script ran out while the IVR was waiting"

    def enter(self, node: str) -> None:
        if not self.path or self.path[-1] != node:
            self.path.append(node)


def run_test_call(menu: MenuDef, script: list[Input | NoInput],
                  caller_number: str = "") -> TestCall:
    result, texts = TestCall(), RecordedLinks(menu.name)
    effects = Effects(texts)
    state = _turn(menu, CallState(), Start(caller_profile(customer_at(caller_number))),
                  effects, result)
    for event in script:
        if state.done:
            result.notes.append("the rest of the script was not used: the call had left the IVR")
            break
        result.lines.append(Line("CALLER", _describe(event), _spoken_lang(result)))
        state = _turn(menu, state, event, effects, result)
    if texts.would_text:
        result.notes.append(f"{NOT_TEXTED} (a real call would have texted the "
                            f"{', '.join(texts.would_text)} link)")
    return result


def _spoken_lang(result: TestCall) -> str:
    return next((line.lang for line in reversed(result.lines) if line.who == "IVR"), "")


def _describe(event: Input | NoInput) -> str:
    if isinstance(event, NoInput):
        return "[silence]"
    return f"[presses {event.digits}]" if event.digits else event.speech or ""


def _turn(menu: MenuDef, state: CallState, event: Event, effects: Effects,
          result: TestCall) -> CallState:
    def seen(outcome: Step) -> None:
        _note(outcome.trace, result)
        for action in outcome.actions:
            _show(action, result)

    return run_turn(menu, state, event, effects, seen)[1]


def _show(action: Action, result: TestCall) -> None:
    if isinstance(action, SendLink):
        result.lines.append(Line("SYSTEM", f"text a link to form {action.form}: {NOT_TEXTED}"))
    elif isinstance(action, Lookup):
        result.lines.append(Line("SYSTEM", f"look up {action.source or 'http'}"))
    elif isinstance(action, CheckHours):
        result.lines.append(Line("SYSTEM", f"check the hours of {action.queue}"))
    elif hasattr(action, "text"):
        result.lines.append(Line("IVR", action.text, html_lang(getattr(action, "language", ""))))
    elif isinstance(action, Enqueue):
        result.ended = f"queued for {action.queue} ({action.reason})"
    elif isinstance(action, Transfer):
        result.ended = f"transferred to {action.number}"
    elif isinstance(action, Hangup):
        result.ended = "the IVR hung up"


def _note(trace, result: TestCall) -> None:
    for item in trace:
        if item.kind == EventKind.ENTERED:
            result.enter(item.node)
        elif item.kind in SHOWN_TRACE:
            detail = ", ".join(f"{k}={v}" for k, v in item.detail.items() if v is not None)
            result.notes.append(f"{item.node}: {item.kind}" + (f" ({detail})" if detail else ""))
