"""A call's session: its row opened on first sight, each event run through the engine and
its effects, every step recorded, and how the call came out."""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app
from sqlalchemy import select

from .. import call_rows
from ..event_log import record, record_event
from ..events import EventKind, HandoffReason, Outcome
from ..flow.actions import Action, Enqueue, Event, Hangup, Record, Say, Transfer
from ..flow.phrases import phrases
from ..flow.state import CallState
from ..lines import display_name
from ..menus import call_language, language_of, menu_by_id
from ..models import Call, db, utcnow
from ..phone import mask
from .effects import Effects, SmsLinks, run_turn
from .profile import arrival, caller_profile, customer_at, profile_of

# The voice edge reads these through this module along with its own functions.
__all__ = ["advance", "call_language", "caller_profile", "end_call", "find_call",
           "language_of", "load_call", "open_call", "opening_profile", "record_event",
           "reloaded", "voicemail_for"]
log = logging.getLogger(__name__)
ARRIVED = "_holdline_arrival"  # on a new call: what open_call read of its caller


def find_call(call_sid: str) -> Call | None:
    """The call in the session (the ORM's to flush): for pages and callbacks."""
    return db.session.scalar(select(Call).where(Call.call_sid == call_sid))


def load_call(call_sid: str) -> Call | None:
    """The call for a call-path webhook: one SELECT; written back at commit with one
    UPDATE of what changed (call_rows)."""
    return call_rows.load(call_sid)


def open_call(call_sid: str, from_number: str, to_number: str) -> Call:
    """The call's row, found; or made on first sight and inserted only at commit, with its
    first answer: one INSERT, no flush before (a concurrent first request: see
    voice.views.committed)."""
    arrived = arrival(call_sid, from_number, to_number)  # one statement, with the call's row
    if arrived.call is not None:
        return arrived.call
    # DEBUG, not INFO: the call's row and events record it; a line per call cost 7% of a
    # loaded worker's CPU (lock and write to stderr; README, Benchmarks)
    log.debug("call %s from %s opened", call_sid, mask(from_number))
    call = call_rows.new(call_sid=call_sid, from_number=from_number, to_number=to_number,
                         customer=arrived.customer,
                         customer_id=arrived.customer.id if arrived.customer else None,
                         menu_version_id=arrived.version_id)
    setattr(call, ARRIVED, arrived)
    return call


def opening_profile(call: Call) -> dict[str, Any]:
    """What the engine may know of the caller at the call's first answer."""
    line = menu_by_id(call.menu_version_id).name if call.menu_version_id else None
    arrived = getattr(call, ARRIVED, None) if call.id is None else None
    if arrived is not None:  # read with the call's opening
        return profile_of(arrived.customer, call.from_number, arrived.link, line)
    customer = call.customer if call.id is None else customer_at(call.from_number)
    return caller_profile(customer, call.from_number, line)


def reloaded(call: Call) -> Call:
    """After a rollback: the call as its row is, in the session (this request's changes
    to it dropped, as a rollback drops them); a call not yet written, as it is."""
    stored = db.session.get(Call, call.id) if call.id is not None else None
    return stored or db.session.merge(call)


def advance(call: Call, event: Event) -> list[Action]:
    """Run the engine for one event, resolving lookups and texts, and record it all."""
    # voice/views.py turns a call with no menu away before it gets here
    assert call.menu_version_id is not None
    menu = menu_by_id(call.menu_version_id)
    actions, state = run_turn(menu, CallState.from_dict(call.state), event,
                              Effects(SmsLinks(call, display_name(menu), menu.name)),
                              lambda result: record(call, result.trace))
    call.state = state.to_dict()
    note_outcome(call, actions, state)
    return actions


def note_outcome(call: Call, actions: list[Action], state: CallState) -> None:
    for action in actions:
        if isinstance(action, Enqueue):
            call.queue, call.handoff_reason, call.outcome = (
                action.queue, action.reason, Outcome.ESCALATED)
        elif isinstance(action, Transfer):
            call.handoff_reason, call.outcome = state.handoff_reason, Outcome.TRANSFERRED
        elif isinstance(action, Hangup) and call.outcome is None:
            call.outcome = Outcome.SELF_SERVICE
        elif isinstance(action, Record):  # a person calls back: an escalation, taken later
            call.queue, call.handoff_reason, call.outcome = (
                action.queue, state.handoff_reason or HandoffReason.LEFT_VOICEMAIL,
                Outcome.VOICEMAIL)


def voicemail_for(call: Call) -> list[Action]:
    """A message for the call's team, in the language of the node it was handed over at."""
    language, voice = call_language(call)
    queue = call.queue or current_app.config["DEFAULT_QUEUE"]
    call.outcome, call.queue = Outcome.VOICEMAIL, queue
    record_event(call, EventKind.VOICEMAIL_OFFERED, reason=HandoffReason.NOBODY_ANSWERED)
    prompt = phrases(language).t("Please leave your message after the tone, then press pound.")
    return [Say(prompt, language, voice), Record(queue, 120, language, voice)]


def end_call(call: Call, status: str, duration_s: int | None) -> None:
    """How the call ended, from the provider's status callback."""
    call.status = status
    call.ended_at = call.ended_at or utcnow()
    call.duration_s = duration_s if duration_s is not None else call.duration_s
    if call.outcome is None:
        call.outcome = Outcome.ABANDONED_IN_IVR if status == "completed" else status
    record_event(call, EventKind.ENDED, status=status, duration_s=duration_s)
