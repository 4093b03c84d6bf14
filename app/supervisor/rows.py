"""The rows the wallboard's figures are computed from, read in a few queries."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from ..agents import presence
from ..agents.models import AgentProfile
from ..analytics import SERVICE_LEVEL_S
from ..hold.models import CallbackRequest, HoldSession
from ..models import Call, db, utcnow
from .figures import ROLLING, Agent, Board, Entry, board

# The states an agent can be in (AgentProfile.status), with agent_states() the only place
# the wallboard knows about presence.
AGENT_STATES = presence.STATES  # every one always present in /metrics


def current_board(now: datetime | None = None) -> Board:
    """The wallboard as of now: one reading shared by the page, its JSON and /metrics."""
    now = now or utcnow()
    people = agent_states()
    skills = db.session.scalars(select(AgentProfile.skills)).all()
    return board(queue_entries(now), pending_callbacks(), people, now, threshold_s(),
                 sorted({queue for queues in skills for queue in queues or ["general"]}),
                 AGENT_STATES)


def threshold_s() -> int:
    """One service-level threshold for every queue (HOLDLINE_SERVICE_LEVEL_S),
    the dashboard's 20 s unless set."""
    return int(current_app.config.get("SERVICE_LEVEL_S", SERVICE_LEVEL_S))


def queue_entries(now: datetime) -> list[Entry]:
    """Callers still waiting (whose call has not ended: a hang-up the queue did not report
    is not a waiting caller) and waits that ended today or in the rolling hour."""
    midnight = min(datetime.combine(now.date(), datetime.min.time()), now - ROLLING)
    rows = db.session.execute(
        select(HoldSession.queue, HoldSession.joined_at, HoldSession.outcome,
               HoldSession.ended_at, HoldSession.wait_s).join(Call)
        .where(or_((HoldSession.outcome.is_(None) & Call.ended_at.is_(None)),
                   HoldSession.ended_at >= midnight))).all()
    return [Entry(*row) for row in rows]


def pending_callbacks() -> list[str]:
    """The queue of each callback not yet made (waiting for its turn or its next try)."""
    return list(db.session.scalars(select(CallbackRequest.queue).where(
        CallbackRequest.status == "pending")))


def agent_states() -> list[Agent]:
    """Every agent's state and since when: the one place the wallboard reads presence."""
    return [Agent(agent.id, agent.user.display_name or agent.user.username, agent.status,
                  agent.status_since)
            for agent in db.session.scalars(
                select(AgentProfile).options(joinedload(AgentProfile.user)))]
