"""Everything the IVR learned about a caller, as the agent sees it (screen pop) and hears
it (whisper)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from ..events import EventKind
from ..flow.phrases import N_, phrases
from ..hold.models import CallbackRequest, HoldSession
from ..lines import display_name
from ..lookups import money
from ..menus import call_language, menu_of, menu_of_call
from ..models import Call, CallEvent, Customer, db, utcnow
from ..phone import mask
from ..selfservice.forms import forms
from .models import Assignment

# What the caller already did, as the agent hears it (forms by title, not by id).
DONE_KINDS = {EventKind.LOOKUP: N_("looked up {source}"),
              EventKind.LINK_SENT: N_("was texted the {form} link"),
              EventKind.LINK_OPENED: N_("opened the {form} link"),
              EventKind.LINK_SUBMITTED: N_("submitted {form}"),
              EventKind.COLLECTED: N_("gave their {variable}"),
              EventKind.HOLD_QUIZ_ANSWERED: N_("played the quiz")}


def context(call: Call) -> dict:
    """Who is calling, why, what they already did, and how long they waited."""
    events = db.session.scalars(select(CallEvent).where(CallEvent.call_id == call.id)
                                .order_by(CallEvent.id)).all()
    variables = (call.state or {}).get("variables", {})
    caller = variables.get("caller", {})
    said = [e.detail["speech"] for e in events
            if e.kind == EventKind.INPUT and e.detail.get("speech")]
    p = agent_phrases(call)
    done = [p.t(DONE_KINDS[EventKind(e.kind)], **done_words(e.detail)).replace("  ", " ")
            for e in events if e.kind in DONE_KINDS]
    session = db.session.scalar(select(HoldSession).where(HoldSession.call_id == call.id))
    return {
        "line": display_name(menu_of_call(call)),  # agents may serve several lines
        "name": caller.get("name") or "Unknown caller",
        "account": caller.get("account") or variables.get("account_number"),
        "matched": bool(caller.get("known")),
        "verified": any(e.kind == EventKind.LOOKUP and e.detail.get("found") for e in events),
        "intent": variables.get("last_intent"), "reason": call.handoff_reason,
        "last_node": (call.state or {}).get("node"),
        "said": said[-5:], "done": list(dict.fromkeys(done)),
        "hold_s": session and int(((session.ended_at or utcnow()) - session.joined_at)
                                  .total_seconds()),
        "channel": next((e.detail.get("channel") for e in reversed(events)
                         if e.kind == EventKind.HOLD_PLAYED), None),
        "voicemail": next((e.detail for e in reversed(events)
                           if e.kind == EventKind.VOICEMAIL), None),
    }


RECENT = timedelta(days=30)  # the caller's earlier calls an agent is shown
RECENT_SHOWN = 5


def screen_pop(call: Call, callback: CallbackRequest | None = None) -> dict:
    """The console row's context plus what only the screen pop needs (a few more reads,
    made once per taken call, not on every poll)."""
    info = context(call)
    customer = db.session.scalar(select(Customer).where(Customer.phone == call.from_number))
    info.update(number=mask(call.from_number), language=call_language(call)[0],
                balance=money(customer.balance_cents) if customer else None,
                recent=recent_calls(call), callback=callback_facts(callback))
    return info


def recent_calls(call: Call) -> list[dict]:
    """The same number's calls in the last 30 days, newest first, with how each ended and
    what the agent noted."""
    earlier = db.session.scalars(select(Call).where(
        Call.from_number == call.from_number, Call.id != call.id,
        Call.started_at >= utcnow() - RECENT).order_by(Call.started_at.desc())
        .limit(RECENT_SHOWN)).all()
    notes = {a.call_id: a for a in db.session.scalars(select(Assignment).where(
        Assignment.call_id.in_([c.id for c in earlier])).order_by(Assignment.id))}
    return [{"at": c.started_at, "outcome": c.outcome or "in progress",
             "reason": c.handoff_reason, "disposition": notes[c.id].disposition
             if c.id in notes else None, "note": notes[c.id].note if c.id in notes else None}
            for c in earlier]


def callback_facts(callback: CallbackRequest | None) -> dict | None:
    """For a callback: when it was asked for and how long the caller had waited then."""
    if callback is None:
        return None
    return {"requested_at": callback.requested_at,
            "waited_s": max(0, int((callback.requested_at - callback.joined_at)
                                   .total_seconds()))}


def agent_phrases(call: Call):
    """Agents hear the business's own language: the menu's, not the caller's branch."""
    return phrases(menu_of(call.menu_version).settings.language if call.menu_version
                   else None)


def done_words(detail: dict) -> dict:
    """An event's details in words: a form's title, a variable's name without underscores."""
    form = forms().get(detail.get("form") or "")
    return {"source": str(detail.get("source") or ""),
            "form": form.title if form else str(detail.get("form") or ""),
            "variable": str(detail.get("variable") or "").replace("_", " ")}


def whisper(call: Call) -> str:
    """A few seconds for the agent before the caller is on the line."""
    info, p = context(call), agent_phrases(call)
    parts = [p.t("{line} call", line=info["line"])]
    parts += [p.t("{name}, known customer", name=info["name"]) if info["matched"]
             else p.t("{name}, number not on file", name=info["name"])]
    if info["intent"] or info["reason"]:
        parts.append(", ".join(part for part in (info["intent"], info["reason"]) if part))
    if info["done"]:
        parts.append(p.t("Already {done}", done="; ".join(info["done"][-3:])))
    if info["hold_s"]:
        parts.append(p.tn("waited {n} minute", "waited {n} minutes",
                          max(1, round(info["hold_s"] / 60))))
    if (info["voicemail"] or {}).get("transcript"):
        parts.append(p.t("They left a message: {text}",
                         text=info["voicemail"]["transcript"][:200]))
    return ". ".join(parts) + "."
