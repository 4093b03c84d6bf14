"""Agent presence: available, away (with a reason), offered a caller, on a call, wrap-up.

Each change is one conditional UPDATE on the state the change starts from, so of two
workers (or machines) moving the same agent exactly one succeeds; each success is a row in
presence_change for occupancy and analytics.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from ..models import db, rows_updated, utcnow
from .models import AgentProfile, PresenceChange, QueueRouting

AVAILABLE, AWAY, OFFERED, ON_CALL, WRAP_UP = "available", "away", "offered", "on-call", "wrap-up"
STATES = (AVAILABLE, AWAY, OFFERED, ON_CALL, WRAP_UP)
# States an agent may take a caller from by pulling ("take next"): not while one is
# offered to them or on the line.
FREE = (AVAILABLE, AWAY, WRAP_UP)
AWAY_REASONS = ("break", "lunch", "meeting", "training", "other")
MISSED_OFFER = "missed offer"


def move(agent: AgentProfile, to: str, reason: str = "", *, allowed: tuple[str, ...] = STATES,
         until: datetime | None = None) -> bool:
    """Change the agent's state if it is one of `allowed` now; False if it is not (or another
    worker changed it first). Nothing is recorded for a change that changes nothing."""
    seen = db.session.execute(select(AgentProfile.status, AgentProfile.status_reason)
                              .where(AgentProfile.id == agent.id)).first()
    if seen is None or seen.status not in allowed or (seen.status, seen.status_reason) == (
            to, reason):
        return False
    now = utcnow()
    changed = rows_updated(
        update(AgentProfile).where(AgentProfile.id == agent.id,
                                   AgentProfile.status == seen.status)
        .values(status=to, status_reason=reason[:60], status_since=now, wrap_up_until=until)
        .execution_options(synchronize_session=False))
    if changed != 1:
        return False
    db.session.add(PresenceChange(agent_id=agent.id, from_state=seen.status, to_state=to,
                                  reason=reason[:60], at=now))
    db.session.expire(agent, ["status", "status_reason", "status_since", "wrap_up_until"])
    return True


def wrap_up_s(queue: str) -> int:
    routing = db.session.get(QueueRouting, queue)
    if routing is not None and routing.wrap_up_s is not None:
        return routing.wrap_up_s
    return current_app.config["WRAP_UP_S"]


def start_wrap_up(agent: AgentProfile, queue: str) -> None:
    """The call ended: after-call work for the queue's wrap-up time, then available."""
    seconds = wrap_up_s(queue)
    if seconds <= 0:
        move(agent, AVAILABLE, "call ended", allowed=(ON_CALL,))
    else:
        move(agent, WRAP_UP, "call ended", allowed=(ON_CALL,),
             until=utcnow() + timedelta(seconds=seconds))


def end_wrap_ups() -> int:
    """Agents whose wrap-up time is over become available (read lazily: no timer thread)."""
    due = db.session.scalars(select(AgentProfile).where(
        AgentProfile.status == WRAP_UP, AgentProfile.wrap_up_until <= utcnow())).all()
    return sum(move(agent, AVAILABLE, "wrap-up over", allowed=(WRAP_UP,)) for agent in due)


def time_in_state_s(agent: AgentProfile) -> int:
    return max(0, int((utcnow() - agent.status_since).total_seconds()))


def wrap_up_left_s(agent: AgentProfile) -> int | None:
    if agent.status != WRAP_UP or agent.wrap_up_until is None:
        return None
    return max(0, int((agent.wrap_up_until - utcnow()).total_seconds()))


def history(agent: AgentProfile) -> list[PresenceChange]:
    return list(db.session.scalars(select(PresenceChange).where(
        PresenceChange.agent_id == agent.id).order_by(PresenceChange.id)))
