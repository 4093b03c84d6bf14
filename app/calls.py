"""Provider-neutral call handling: open a call, run the engine, record every step.

The voice edge turns webhooks into events and actions into TwiML; this module is what
both real calls and the simulator (through those webhooks) go through.
"""

from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

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
    Transfer,
)
from .flow.engine import step
from .flow.state import CallState
from .lookups import SOURCES
from .menus import menu_of, version_for_number
from .models import Call, CallEvent, Customer, db, utcnow

log = logging.getLogger(__name__)
MAX_EFFECTS_PER_TURN = 5  # lookups and texts the engine may ask for in one webhook


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
    return profile


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
    """Run the engine for one event, resolving lookups, and record what happened."""
    menu = menu_of(call.menu_version)
    state = CallState.from_dict(call.state)
    actions: list[Action] = []
    for _ in range(MAX_EFFECTS_PER_TURN):
        result = step(menu, state, event)
        record(call, result.trace)
        state = result.state
        actions += [a for a in result.actions if not isinstance(a, Lookup | SendLink)]
        effect = next((a for a in result.actions if isinstance(a, Lookup | SendLink)), None)
        if effect is None:
            break
        event = run_lookup(effect) if isinstance(effect, Lookup) else send_link(call, effect)
    call.state = state.to_dict()
    note_outcome(call, actions, state)
    return actions


def run_lookup(lookup: Lookup) -> LookupDone:
    """Built-in sources and the HTTP connector; any failure takes the node's error branch."""
    from .selfservice.http_lookup import LookupFailed, http_lookup

    try:
        if lookup.http:
            http = lookup.http
            data = http_lookup(http["url"], http["method"], lookup.params,
                               timeout_s=http["timeout_s"], mapping=http["mapping"] or None)
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


AFTER_THE_TONE = {"en": "Please leave your message after the tone, then press pound.",
                  "ko": "삐 소리가 나면 메시지를 남기시고 우물 정자를 눌러 주세요."}


def voicemail_for(call: Call) -> list[Action]:
    """A message for the call's team, in the language of the node it was handed over at."""
    menu = menu_of(call.menu_version)
    node = menu.nodes.get((call.state or {}).get("node") or "")
    language = (node and node.language) or menu.settings.language
    queue = call.queue or current_app.config["DEFAULT_QUEUE"]
    call.outcome, call.queue = "voicemail", queue
    record_event(call, "voicemail_offered", reason="nobody could answer")
    prompt = AFTER_THE_TONE.get(language.split("-")[0], AFTER_THE_TONE["en"])
    return [Say(prompt, language), Record(queue, 120, language)]


def end_call(call: Call, status: str, duration_s: int | None) -> None:
    """How the call ended, from the provider's status callback."""
    call.status = status
    call.ended_at = call.ended_at or utcnow()
    call.duration_s = duration_s if duration_s is not None else call.duration_s
    if call.outcome is None:
        call.outcome = "abandoned_in_ivr" if status == "completed" else status
    record_event(call, "ended", status=status, duration_s=duration_s)
