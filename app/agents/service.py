"""Who is waiting, who takes whom, and everything the IVR learned about the caller."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update

from ..hold.models import CallbackRequest, HoldSession
from ..hold.service import next_in_line
from ..models import Call, CallEvent, db, utcnow
from .models import AgentProfile, Assignment

DONE_KINDS = {"lookup": "looked up {source}", "link_sent": "was texted a {form} link",
              "link_opened": "opened the {form} link", "link_submitted": "submitted {form}",
              "collected": "gave their {variable}", "hold_quiz_answered": "played the quiz"}


@dataclass(frozen=True)
class Waiting:
    kind: str  # caller | callback
    ident: int  # hold session id or callback id
    call: Call
    queue: str
    joined_at: object
    position: int

    @property
    def wait_s(self) -> int:
        return int((utcnow() - self.joined_at).total_seconds())


def line(queues: list[str]) -> list[Waiting]:
    """Unclaimed waiting callers and pending callbacks, each queue in fair order."""
    waiting: list[Waiting] = []
    for queue in queues:
        for position, (kind, ident) in enumerate(next_in_line(queue), start=1):
            row = db.session.get(HoldSession if kind == "caller" else CallbackRequest, ident)
            if kind == "caller" and row.claimed_by is not None:
                continue
            waiting.append(Waiting(kind, ident, row.call, queue, row.joined_at, position))
    return sorted(waiting, key=lambda w: w.joined_at)


def claim(agent: AgentProfile, item: Waiting) -> Assignment | None:
    """Atomic: of two agents pressing at once, exactly one gets this caller."""
    if item.kind == "caller":
        taken = db.session.execute(update(HoldSession).where(
            HoldSession.id == item.ident, HoldSession.claimed_by.is_(None),
            HoldSession.outcome.is_(None)).values(claimed_by=agent.id))
    else:
        taken = db.session.execute(update(CallbackRequest).where(
            CallbackRequest.id == item.ident, CallbackRequest.status == "pending")
            .values(status="dialing", attempts=CallbackRequest.attempts + 1))
    if taken.rowcount != 1:
        return None
    assignment = Assignment(agent=agent, call=item.call, kind=item.kind,
                            hold_session_id=item.ident if item.kind == "caller" else None,
                            callback_id=item.ident if item.kind == "callback" else None)
    db.session.add(assignment)
    agent.status = "busy"
    db.session.flush()
    return assignment


def take_next(agent: AgentProfile) -> Assignment | None:
    for item in line(agent.skills or ["general"]):
        assignment = claim(agent, item)
        if assignment is not None:
            return assignment
    return None


def release(assignment: Assignment, status: str) -> None:
    """The agent did not answer: the caller keeps their place (and the callback its turn)."""
    assignment.status = status
    assignment.agent.status = "available"
    if assignment.hold_session_id:
        db.session.execute(update(HoldSession).where(
            HoldSession.id == assignment.hold_session_id).values(claimed_by=None))
    if assignment.callback_id:
        callback = db.session.get(CallbackRequest, assignment.callback_id)
        callback.status = "pending" if callback.attempts < 3 else "failed"


def context(call: Call) -> dict:
    """Who is calling, why, what they already did, and how long they waited."""
    events = db.session.scalars(select(CallEvent).where(CallEvent.call_id == call.id)
                                .order_by(CallEvent.id)).all()
    variables = (call.state or {}).get("variables", {})
    caller = variables.get("caller", {})
    said = [e.detail["speech"] for e in events if e.kind == "input" and e.detail.get("speech")]
    done = [DONE_KINDS[e.kind].format(**{"source": "", "form": "", "variable": "",
                                         **e.detail}).replace("  ", " ")
            for e in events if e.kind in DONE_KINDS]
    session = db.session.scalar(select(HoldSession).where(HoldSession.call_id == call.id))
    return {
        "name": caller.get("name") or "Unknown caller",
        "account": caller.get("account") or variables.get("account_number"),
        "matched": bool(caller.get("known")),
        "verified": any(e.kind == "lookup" and e.detail.get("found") for e in events),
        "intent": variables.get("last_intent"), "reason": call.handoff_reason,
        "last_node": (call.state or {}).get("node"),
        "said": said[-5:], "done": list(dict.fromkeys(done)),
        "hold_s": session and int(((session.ended_at or utcnow()) - session.joined_at)
                                  .total_seconds()),
        "channel": next((e.detail.get("channel") for e in reversed(events)
                         if e.kind == "hold_played"), None),
        "voicemail": next((e.detail for e in reversed(events) if e.kind == "voicemail"), None),
    }


def whisper(call: Call) -> str:
    """A few seconds for the agent before the caller is on the line."""
    info = context(call)
    parts = [info["name"] + (", known customer" if info["matched"] else ", number not on file")]
    if info["intent"] or info["reason"]:
        parts.append(", ".join(p for p in (info["intent"], info["reason"]) if p))
    if info["done"]:
        parts.append("Already " + "; ".join(info["done"][-3:]))
    if info["hold_s"]:
        parts.append(f"waited {max(1, round(info['hold_s'] / 60))} minutes")
    if (info["voicemail"] or {}).get("transcript"):
        parts.append("They left a message: " + info["voicemail"]["transcript"][:200])
    return ". ".join(parts) + "."
