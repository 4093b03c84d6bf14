"""A warm transfer's colleague takes the call over: once the first agent leaves (or hangs
up) after a join, a colleague who is one of our agents has the call as their own
assignment (screen pop, controls, wrap-up when they hang up). A colleague who is a plain
number has nothing in the app. The links live in the call's events (who was consulted,
why; who took it over), so no column is needed for them.
"""

from __future__ import annotations

from sqlalchemy import select

from .. import event_log
from ..models import CallEvent, db, utcnow
from .models import AgentProfile, Assignment

CONTROL = "agent_control"
REASON_CHARS = 200  # the first agent's note for the colleague


def _events(assignment: Assignment, action: str) -> list[dict]:
    """This call's control events of one action, newest first."""
    return [e.detail for e in db.session.scalars(select(CallEvent).where(
        CallEvent.call_id == assignment.call_id, CallEvent.kind == CONTROL)
        .order_by(CallEvent.id.desc())) if e.detail.get("action") == action]


def consulted(assignment: Assignment) -> dict | None:
    """The last colleague this assignment's agent added: {"colleague_agent", "reason"}."""
    return next((e for e in _events(assignment, "consult")
                 if e.get("assignment") == assignment.id), None)


def hand_over(assignment: Assignment) -> Assignment | None:
    """The joined colleague's leg is the call now: theirs, if they are an agent of ours.
    They are on a call already (consulting them put them there), and stay so."""
    asked = consulted(assignment) or {}
    if "colleague_agent" not in asked:  # a plain number: nothing of theirs in the app
        return None
    colleague = db.session.get(AgentProfile, asked["colleague_agent"])
    if colleague is None:
        return None
    taken = Assignment(agent=colleague, call=assignment.call, kind=assignment.kind,
                       hold_session_id=assignment.hold_session_id,
                       callback_id=assignment.callback_id, status="connected",
                       connected_at=utcnow(), agent_leg=assignment.colleague_leg,
                       caller_leg=assignment.caller_leg,
                       room_id=assignment.room_id)  # the same room, named for the first
    db.session.add(taken)
    db.session.flush()
    event_log.record_event(assignment.call, CONTROL, action="handed-over",
                           assignment=assignment.id, to_assignment=taken.id,
                           agent=assignment.agent_id, to_agent=colleague.id,
                           reason=asked.get("reason"))
    return taken


def taken_over(assignment: Assignment) -> Assignment | None:
    """The colleague's assignment made from this one, if any."""
    done = next((e for e in _events(assignment, "handed-over")
                 if e.get("assignment") == assignment.id), None)
    return db.session.get(Assignment, done["to_assignment"]) if done else None


def handed_from(assignment: Assignment) -> dict | None:
    """For the colleague's screen pop: who handed the call over, and their note."""
    done = next((e for e in _events(assignment, "handed-over")
                 if e.get("to_assignment") == assignment.id), None)
    if done is None:
        return None
    first = db.session.get(AgentProfile, done["agent"])
    return {"by": first.user.display_name or first.user.username if first else "a colleague",
            "reason": done.get("reason")}
