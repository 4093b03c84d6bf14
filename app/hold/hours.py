"""Whether a queue can be answered now: business hours (app/hours/) and agents who are
not away."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Row, Table, select

from ..agents.models import AgentProfile
from ..hours.service import QueueStatus, status
from ..models import db

_agents = cast(Table, AgentProfile.__table__)
AGENTS = select(_agents.c.status, _agents.c.skills)
Agent = Row[Any, Any]  # an agent's status and skills, as a hold request reads them once


def agent_states() -> Sequence[Agent]:
    """Every agent's status and skills: one statement, read once per hold request."""
    return db.session.connection().execute(AGENTS).all()


def is_open(queue: str, timezone: str | None = None) -> bool:
    return status(queue, timezone).open


def unanswerable(queue: str, opening: QueueStatus | None = None,
                 agents: Sequence[Agent] | None = None) -> str | None:
    """Why nobody can take this queue now ('closed', 'nobody available'), or None.
    With no agent profiles for the queue at all we cannot tell, so we do not claim it."""
    if not (opening or status(queue)).open:
        return "closed"
    serving = [a for a in (agent_states() if agents is None else agents)
               if queue in (a.skills or [])]
    if serving and all(a.status == "away" for a in serving):
        return "nobody available"
    return None
