"""Provider-neutral call handling: open a call, run the engine, record every step.

The voice edge turns webhooks into events and actions into TwiML; this module is what
both real calls and the simulator (through those webhooks) go through.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .apology import apology_for
from .flow import budget
from .flow.actions import (
    Action,
    Enqueue,
    Event,
    Hangup,
    LinkSent,
    Lookup,
    LookupDone,
    Record,
    Say,
    SendLink,
    Trace,
    Transfer,
)
from .flow.budget import MAX_EFFECTS_PER_TURN  # lookups and texts per webhook
from .flow.engine import Step, step
from .flow.phrases import phrases
from .flow.schema import Menu
from .flow.state import CallState
from .lookups import SOURCES
from .menus import menu_of, version_for_number
from .models import Call, CallEvent, Customer, db, utcnow

log = logging.getLogger(__name__)
MIN_LOOKUP_S = 0.3  # less left than this: do not start another lookup
OUT_OF_TIME = "turn time budget spent"


def mask(number: str | None) -> str:
    """Phone numbers in logs keep only their last four digits."""
    if not number:
        return "unknown"
    return number[:2] + "*" * max(len(number) - 6, 0) + number[-4:]


def caller_profile(customer: Customer | None, number: str = "") -> dict:
    """What the engine may know before the caller speaks (and may read out)."""
    from .selfservice.service import forms, open_link_for

    profile = {"known": False}
    if customer is not None:
        profile = {"known": True, "name": customer.name, "first_name": customer.first_name,
                   "account": customer.account_number}
    link = open_link_for(number) if number else None
    form = forms().get(link.form) if link is not None else None
    if form is not None:
        profile["open_link"] = form.title.lower()
        profile["open_link_unheard"] = not notice_given(number, link.created_at)
    return profile


def notice_given(number: str, since) -> bool:
    """Was this number already told about its open link (texted at `since`)? The notice
    always names the newest open link, so any notice since then was about this one."""
    return db.session.scalar(select(CallEvent.id).join(Call).where(
        Call.from_number == number, CallEvent.kind == "returning_caller",
        CallEvent.at >= since).limit(1)) is not None


def find_call(call_sid: str) -> Call | None:
    return db.session.scalar(select(Call).where(Call.call_sid == call_sid))


def open_call(call_sid: str, from_number: str, to_number: str) -> Call:
    """The call's row, created on first sight; a retried webhook finds the same row."""
    call = find_call(call_sid)
    if call is not None:
        return call
    customer = db.session.scalar(select(Customer).where(Customer.phone == from_number))
    version = version_for_number(to_number)
    call = Call(call_sid=call_sid, from_number=from_number, to_number=to_number,
                customer=customer, menu_version=version)
    db.session.add(call)
    try:
        db.session.flush()
    except IntegrityError:  # a concurrent first request inserted it first: use its row
        log.info("call %s was opened by a concurrent request", call_sid)
        db.session.rollback()  # nothing else is pending: this runs first in a webhook
        return find_call(call_sid)
    log.info("call %s from %s opened", call_sid, mask(from_number))
    return call


def advance(call: Call, event: Event) -> list[Action]:
    """Run the engine for one event, resolving lookups and texts, and record it all."""
    menu = menu_of(call.menu_version)

    def effect(action: Lookup | SendLink, time_left: float) -> Event:
        return run_lookup(action, time_left) if isinstance(action, Lookup) else send_link(
            call, action)

    actions, state = run_turn(menu, CallState.from_dict(call.state), event, effect,
                              lambda result: record(call, result.trace))
    call.state = state.to_dict()
    note_outcome(call, actions, state)
    return actions


def run_turn(menu: Menu, state: CallState, event: Event,
             effect: Callable[[Lookup | SendLink, float], Event],
             seen: Callable[[Step], None]) -> tuple[list[Action], CallState]:
    """One webhook's worth: engine steps and the lookups and texts they ask for, within
    the turn's budget. Real calls and the test-call panel both run turns here."""
    actions: list[Action] = []
    budget, spent = Budget(), False
    while True:
        result = step(menu, state, event)
        seen(result)
        state = result.state
        actions += [a for a in result.actions if not isinstance(a, Lookup | SendLink)]
        wanted = next((a for a in result.actions if isinstance(a, Lookup | SendLink)), None)
        if wanted is None:
            return actions, state
        if spent:  # the error branch asked for more: a person, not a bare prompt
            handoff = out_of_time(state, node_language(menu, state.node))
            seen(handoff)
            return actions + handoff.actions, handoff.state
        spent = not budget.allows(wanted)
        event = budget_spent(wanted) if spent else effect(wanted, budget.left())


class Budget:
    """The lookups and texts one webhook may still run, and the seconds left for them."""

    def __init__(self) -> None:
        self.effects, self.deadline = 0, time.monotonic() + budget.TURN_BUDGET_S

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def allows(self, effect: Lookup | SendLink) -> bool:
        needs = budget.TEXT_S if isinstance(effect, SendLink) else MIN_LOOKUP_S
        self.effects += 1
        return self.effects <= MAX_EFFECTS_PER_TURN and self.left() >= needs


def budget_spent(effect: Lookup | SendLink) -> LookupDone | LinkSent:
    """The effect fails as if its source did: the node's error branch (or a person)."""
    log.warning("turn budget spent before %s", type(effect).__name__)
    if isinstance(effect, SendLink):
        return LinkSent(ok=False, error=OUT_OF_TIME)
    return LookupDone(ok=False, error=OUT_OF_TIME)


def out_of_time(state: CallState, language: str) -> Step:
    """A person, when even the error branch wants another lookup in this turn."""
    state.done, state.handoff_reason = True, OUT_OF_TIME
    return Step([Say(apology_for(language), language),
                 Enqueue(current_app.config["DEFAULT_QUEUE"], OUT_OF_TIME)], state,
                [Trace("handoff", state.node, {"reason": OUT_OF_TIME})])


def run_lookup(lookup: Lookup, time_left: float = budget.TURN_BUDGET_S) -> LookupDone:
    """Built-in sources and the HTTP connector; any failure takes the node's error branch."""
    from .selfservice.http_lookup import LookupFailed, http_lookup

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


def send_link(call: Call, action: SendLink) -> LinkSent:
    from .selfservice.service import send_link as text_link
    from .voice.security import external_url

    return text_link(call, action.form,
                     lambda token: external_url("selfservice.form_page", token=token),
                     external_url("sms.sms_status"))


def record(call: Call, trace) -> None:
    for item in trace:
        db.session.add(CallEvent(call=call, kind=item.kind, node=item.node,
                                 detail=_jsonable(item.detail)))


def record_event(call: Call, kind: str, node: str | None = None, **detail) -> None:
    db.session.add(CallEvent(call=call, kind=kind, node=node, detail=_jsonable(detail)))


def _jsonable(detail: dict) -> dict:
    return {k: v for k, v in detail.items() if v is not None}


def note_outcome(call: Call, actions: list[Action], state: CallState) -> None:
    for action in actions:
        if isinstance(action, Enqueue):
            call.queue, call.handoff_reason, call.outcome = (
                action.queue, action.reason, "escalated")
        elif isinstance(action, Transfer):
            call.handoff_reason, call.outcome = state.handoff_reason, "transferred"
        elif isinstance(action, Hangup) and call.outcome is None:
            call.outcome = "self_service"
        elif isinstance(action, Record):  # a person calls back: an escalation, taken later
            call.queue, call.handoff_reason, call.outcome = (
                action.queue, state.handoff_reason or "left a voicemail", "voicemail")


def call_language(call: Call) -> tuple[str, str | None]:
    """The caller's language and its voice: those of the node the call is at (for a
    queued caller, the queue node they entered), else the menu's."""
    if call.menu_version is None:
        return "en-US", None
    menu = menu_of(call.menu_version)
    language = node_language(menu, (call.state or {}).get("node"))
    voice = menu.settings.voice_for(language)
    return language, voice


def language_of(call: Call) -> str:
    """The language of the node the call is at (else its menu's); en-US with no menu."""
    return call_language(call)[0]


def node_language(menu: Menu, node_id: str | None) -> str:
    node = menu.nodes.get(node_id or "")
    return (node and node.language) or menu.settings.language


def voicemail_for(call: Call) -> list[Action]:
    """A message for the call's team, in the language of the node it was handed over at."""
    language, voice = call_language(call)
    queue = call.queue or current_app.config["DEFAULT_QUEUE"]
    call.outcome, call.queue = "voicemail", queue
    record_event(call, "voicemail_offered", reason="nobody could answer")
    prompt = phrases(language).t("Please leave your message after the tone, then press pound.")
    return [Say(prompt, language, voice), Record(queue, 120, language, voice)]


def end_call(call: Call, status: str, duration_s: int | None) -> None:
    """How the call ended, from the provider's status callback."""
    call.status = status
    call.ended_at = call.ended_at or utcnow()
    call.duration_s = duration_s if duration_s is not None else call.duration_s
    if call.outcome is None:
        call.outcome = "abandoned_in_ivr" if status == "completed" else status
    record_event(call, "ended", status=status, duration_s=duration_s)
