"""Whether a queue can be answered now: business hours (app/hours/) and agents who are
not away."""

from __future__ import annotations

from sqlalchemy import select

from ..agents.models import AgentProfile
from ..hours.service import QueueStatus, status
from ..models import db


def is_open(queue: str, timezone: str | None = None) -> bool:
    return status(queue, timezone).open


def unanswerable(queue: str, opening: QueueStatus | None = None) -> str | None:
    """Why nobody can take this queue now ('closed', 'nobody available'), or None.
    With no agent profiles for the queue at all we cannot tell, so we do not claim it."""
    if not (opening or status(queue)).open:
        return "closed"
    agents = db.session.scalars(select(AgentProfile)).all()
    serving = [a for a in agents if queue in (a.skills or [])]
    if serving and all(a.status == "away" for a in serving):
        return "nobody available"
    return None
