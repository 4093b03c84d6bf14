"""The test-call panel: a typed script run through the same engine as real calls.

Lookups are resolved with the real data sources; texts are not sent and no Call or
CallEvent rows are written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from ..calls import caller_profile, run_lookup, run_turn
from ..flow.actions import (
    Enqueue,
    Event,
    Hangup,
    Input,
    LinkSent,
    Lookup,
    NoInput,
    SendLink,
    Start,
    Transfer,
)
from ..flow.schema import Menu as MenuDef
from ..flow.state import CallState
from ..models import Customer, db

SHOWN_TRACE = {"match", "no_match", "no_input", "confirm", "confirmed", "rejected", "global",
               "escalate", "handoff", "lookup", "lookup_failed", "collected", "error"}


class ScriptError(ValueError):
    pass


def parse_script(text: str) -> list[Input | NoInput]:
    """'say: ...', 'press: 1' or 'silence', one per line; blank lines are skipped."""
    events: list[Input | NoInput] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        verb, _, value = line.partition(":")
        verb, value = verb.strip().lower(), value.strip()
        if verb == "silence" and not value:
            events.append(NoInput())
        elif verb == "say" and value:
            events.append(Input(speech=value))
        elif verb == "press" and value and all(c in "0123456789*#" for c in value):
            events.append(Input(digits=value))
        else:
            raise ScriptError(f"line {number}: {line!r} — write 'say: words', 'press: 1' "
                              "or 'silence'")
    return events


@dataclass
class TestCall:
    lines: list[tuple[str, str]] = field(default_factory=list)  # (who, text)
    path: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    ended: str = "the script ran out while the IVR was waiting"

    def enter(self, node: str) -> None:
        if not self.path or self.path[-1] != node:
            self.path.append(node)


def run_test_call(menu: MenuDef, script: list[Input | NoInput],
                  caller_number: str = "") -> TestCall:
    result = TestCall()
    state = _turn(menu, CallState(), Start(_caller(caller_number)), result)
    for event in script:
        if state.done:
            result.notes.append("the rest of the script was not used: the call had left the IVR")
            break
        result.lines.append(("CALLER", _describe(event)))
        state = _turn(menu, state, event, result)
    return result


def _caller(number: str) -> dict:
    customer = db.session.scalar(select(Customer).where(Customer.phone == number)) \
        if number else None
    return caller_profile(customer)


def _describe(event: Input | NoInput) -> str:
    if isinstance(event, NoInput):
        return "[silence]"
    return f"[presses {event.digits}]" if event.digits else event.speech or ""


def _turn(menu: MenuDef, state: CallState, event: Event, result: TestCall) -> CallState:
    """One webhook's worth, through the same turn runner (and budget) as a real call;
    texts are not sent."""
    def effect(action: Lookup | SendLink, time_left: float) -> Event:
        return run_lookup(action, time_left) if isinstance(action, Lookup) else LinkSent(
            ok=True)

    def seen(outcome) -> None:
        _note(outcome.trace, result)
        for action in outcome.actions:
            _show(action, result)

    return run_turn(menu, state, event, effect, seen)[1]


def _show(action, result: TestCall) -> Lookup | SendLink | None:
    if isinstance(action, Lookup | SendLink):
        what = f"text a link to form {action.form} (not sent in a test call)" \
            if isinstance(action, SendLink) else f"look up {action.source or 'http'}"
        result.lines.append(("SYSTEM", what))
        return action
    if hasattr(action, "text"):
        result.lines.append(("IVR", action.text))
    elif isinstance(action, Enqueue):
        result.ended = f"queued for {action.queue} ({action.reason})"
    elif isinstance(action, Transfer):
        result.ended = f"transferred to {action.number}"
    elif isinstance(action, Hangup):
        result.ended = "the IVR hung up"
    return None


def _note(trace, result: TestCall) -> None:
    for item in trace:
        if item.kind == "entered":
            result.enter(item.node)
        elif item.kind in SHOWN_TRACE:
            detail = ", ".join(f"{k}={v}" for k, v in item.detail.items() if v is not None)
            result.notes.append(f"{item.node}: {item.kind}" + (f" ({detail})" if detail else ""))
