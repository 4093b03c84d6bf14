"""Is the agent still there? Their console's live stream (or its poll) marks them seen;
an agent not seen for AGENT_GONE_S closed the page: they are made away, an offer standing
for them is withdrawn, and a caller they took whose browser softphone never rang goes back
in line. Each caller keeps their place (their join time never changes).

The routing clock runs here too: each live stream's tick (at most once a second a worker)
and the job worker's clock, so an offer reaches an available agent with no poll.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from ..models import db, rows_updated, utcnow
from . import presence, routing, service
from .models import AgentProfile, Assignment
from .presence import AVAILABLE, AWAY, OFFERED, ON_CALL

log = logging.getLogger(__name__)
SEEN_EVERY_S = 5  # how often a live console writes that its agent is still there
LEFT = "left the console"


def seen(agent: AgentProfile) -> None:
    """The agent's console reached us: written at most every SEEN_EVERY_S."""
    now = utcnow()
    if agent.last_seen_at is None or now - agent.last_seen_at >= timedelta(seconds=SEEN_EVERY_S):
        agent.last_seen_at = now
        db.session.commit()


def gone_before():
    return utcnow() - timedelta(seconds=current_app.config["AGENT_GONE_S"])


def leave_gone() -> int:
    """Agents whose console closed (seen once, not since AGENT_GONE_S): away, their offer
    withdrawn. Agents who never opened a console (a phone-only agent) are left alone."""
    gone = db.session.scalars(select(AgentProfile).where(
        AgentProfile.status.in_((AVAILABLE, OFFERED)),
        AgentProfile.last_seen_at < gone_before())).all()
    left = 0
    for agent in gone:
        routing.withdraw(agent)
        left += presence.move(agent, AWAY, LEFT, allowed=(AVAILABLE, OFFERED))
    db.session.commit()
    return left + release_unrung()


def release_unrung() -> int:
    """Callers a browser agent took, whose softphone never came up to ring them (the page
    closed first): back in line, the agent away."""
    stale = db.session.scalars(select(Assignment).join(AgentProfile).where(
        Assignment.status == "ringing", Assignment.rung_at.is_(None),
        AgentProfile.delivery == "browser", Assignment.created_at < gone_before())).all()
    released = 0
    for assignment in stale:
        if rows_updated(update(Assignment).where(
                Assignment.id == assignment.id, Assignment.status == "ringing",
                Assignment.rung_at.is_(None)).values(status="not-rung")
                .execution_options(synchronize_session=False)) != 1:
            continue  # the softphone rang it meanwhile
        service.unreserve(assignment.kind, assignment.hold_session_id or assignment.callback_id,
                          assignment.agent)
        presence.move(assignment.agent, AWAY, LEFT, allowed=(ON_CALL,))
        released += 1
    db.session.commit()
    return released


def route_now() -> None:
    """One tick of the routing clock: gone agents out first, then offers to those here."""
    try:
        leave_gone()
        routing.route()
    except Exception:
        log.exception("routing clock failed; it runs again on the next tick")
        db.session.rollback()


class Clock:
    """Routing at most once per `every` seconds in this process, however many streams tick."""

    def __init__(self, every: float = 1.0) -> None:
        self.every, self._last, self._lock = every, float("-inf"), threading.Lock()

    def due(self) -> bool:
        with self._lock:
            now = time.monotonic()
            if now - self._last < self.every:
                return False
            self._last = now
            return True


clock = Clock()


def tick() -> None:
    if clock.due():
        route_now()
