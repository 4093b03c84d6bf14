"""The effect runner: engine steps and the lookups and texts they ask for, one webhook's
worth within the turn's budget. Real calls and the admin test-call panel share it; only
the sender of texts differs (a real SMS, or a record of what would have been texted)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from flask import current_app

from .. import call_rows
from ..apology import apology_for
from ..events import EventKind, HandoffReason
from ..flow import budget
from ..flow.actions import (
    Action,
    CheckHours,
    Effect,
    Enqueue,
    Event,
    HoursChecked,
    LinkSent,
    Lookup,
    LookupDone,
    Say,
    SendLink,
    Trace,
)
from ..flow.budget import MAX_EFFECTS_PER_TURN  # lookups and texts per webhook
from ..flow.engine import Step, step
from ..flow.schema import Menu
from ..flow.state import CallState
from ..hours import service as hours
from ..lines import qualified
from ..lookups import SOURCES
from ..menus import node_language
from ..models import Call
from ..selfservice import service as selfservice
from ..selfservice.http_lookup import LookupFailed, http_lookup
from ..urls import external_url

log = logging.getLogger(__name__)
MIN_LOOKUP_S = 0.3  # less left than this: do not start another lookup
OUT_OF_TIME = HandoffReason.OUT_OF_TIME


class LinkSender(Protocol):
    def __call__(self, form_id: str) -> LinkSent: ...


@dataclass
class SmsLinks:
    """Texts the caller of a real call a link to the form."""

    call: Call
    brand: str  # the line's display name, which the text starts with
    line: str  # its menu's name: it texts only its own forms

    def __call__(self, form_id: str) -> LinkSent:
        if self.call.id is None:  # a call's first turn: its row goes in before the link's
            call_rows.insert_now(self.call)
        return selfservice.send_link(
            self.call, form_id, lambda token: external_url("selfservice.form_page", token=token),
            external_url("sms.sms_status"), self.brand, self.line)


@dataclass
class RecordedLinks:
    """Texts nothing: notes which form would have been texted (the test-call panel). An
    unknown form, or another line's, fails as it would in a real call."""

    line: str
    would_text: list[str] = field(default_factory=list)

    def __call__(self, form_id: str) -> LinkSent:
        refused = selfservice.texted_form(selfservice.forms().get(form_id), form_id,
                                          self.line)
        if refused:
            return LinkSent(ok=False, error=refused)
        self.would_text.append(form_id)
        return LinkSent(ok=True)


@dataclass
class Effects:
    """Runs a turn's lookups with the real data sources and its texts with `texts`."""

    texts: LinkSender

    def __call__(self, action: Effect, time_left: float) -> Event:
        if isinstance(action, SendLink):
            return self.texts(action.form)
        if isinstance(action, CheckHours):
            return hours.check(action.queue, action.timezone)
        return run_lookup(action, time_left)


def run_turn(menu: Menu, state: CallState, event: Event, effects: Effects,
             seen: Callable[[Step], None]) -> tuple[list[Action], CallState]:
    """One webhook's worth: engine steps and the lookups and texts they ask for, within
    the turn's budget."""
    actions: list[Action] = []
    turn_budget, spent = Budget(), False
    while True:
        result = step(menu, state, event)
        result.actions = qualified(menu, result.actions)  # queues by the line's keys
        seen(result)
        state = result.state
        actions += [a for a in result.actions if not isinstance(a, Effect)]
        wanted = next((a for a in result.actions if isinstance(a, Effect)), None)
        if wanted is None:
            return actions, state
        if spent:  # the error branch asked for more: a person, not a bare prompt
            handoff = out_of_time(state, node_language(menu, state.node))
            seen(handoff)
            return actions + handoff.actions, handoff.state
        spent = not turn_budget.allows(wanted)
        event = budget_spent(wanted) if spent else effects(wanted, turn_budget.left())


class Budget:
    """The lookups and texts one webhook may still run, and the seconds left for them."""

    def __init__(self) -> None:
        self.effects, self.deadline = 0, time.monotonic() + budget.TURN_BUDGET_S

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def allows(self, effect: Effect) -> bool:
        needs = budget.TEXT_S if isinstance(effect, SendLink) else MIN_LOOKUP_S
        self.effects += 1
        return self.effects <= MAX_EFFECTS_PER_TURN and self.left() >= needs


def budget_spent(effect: Effect) -> LookupDone | LinkSent | HoursChecked:
    """The effect fails as if its source did: the node's error branch (or a person;
    hours not known count as open, the way to a person)."""
    log.warning("turn budget spent before %s", type(effect).__name__)
    if isinstance(effect, CheckHours):
        return HoursChecked(open=True)
    if isinstance(effect, SendLink):
        return LinkSent(ok=False, error=OUT_OF_TIME)
    return LookupDone(ok=False, error=OUT_OF_TIME)


def out_of_time(state: CallState, language: str) -> Step:
    """A person, when even the error branch wants another lookup in this turn."""
    state.done, state.handoff_reason = True, OUT_OF_TIME
    return Step([Say(apology_for(language), language),
                 Enqueue(current_app.config["DEFAULT_QUEUE"], OUT_OF_TIME)], state,
                [Trace(EventKind.HANDOFF, state.node, {"reason": OUT_OF_TIME})])


def run_lookup(lookup: Lookup, time_left: float = budget.TURN_BUDGET_S) -> LookupDone:
    """Built-in sources and the HTTP connector; any failure takes the node's error branch."""
    try:
        if lookup.http:
            http = lookup.http
            data = http_lookup(http["url"], http["method"], lookup.params,
                               timeout_s=min(http["timeout_s"], time_left),
                               mapping=http["mapping"] or None)
            return LookupDone(ok=True, data=data if any(
                v is not None for v in data.values()) else None)
        source = SOURCES.get(lookup.source or "")
        if source is None:
            return LookupDone(ok=False, error=f"unknown source {lookup.source}")
        return LookupDone(ok=True, data=source(lookup.params))
    except LookupFailed as exc:
        log.warning("http lookup failed: %s", exc.reason)
        return LookupDone(ok=False, error=exc.reason)
    except Exception as exc:  # a failing data source must not take the call down
        log.warning("lookup %s failed: %s", lookup.source, exc)
        return LookupDone(ok=False, error=type(exc).__name__)
