"""Whether a queue can be answered now: business hours and agents who are not away."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from ..agents.models import AgentProfile
from ..models import db


def parse_hours(spec: str) -> dict[str, tuple[time, time]]:
    """'general=08:00-20:00,billing=09:00-17:00' -> per queue; '*' is every other queue."""
    hours = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        queue, _, span = part.partition("=")
        start, _, end = span.partition("-")
        hours[queue.strip()] = (time.fromisoformat(start), time.fromisoformat(
            "23:59:59" if end == "24:00" else end))
    return hours


def is_open(queue: str, now: datetime | None = None) -> bool:
    hours = parse_hours(current_app.config.get("QUEUE_HOURS", ""))
    span = hours.get(queue) or hours.get("*")
    if span is None:
        return True
    local = now or datetime.now(ZoneInfo(current_app.config.get("CENTRE_TIMEZONE", "UTC")))
    return span[0] <= local.time() <= span[1]


def unanswerable(queue: str) -> str | None:
    """Why nobody can take this queue now ('closed', 'nobody available'), or None.
    With no agent profiles for the queue at all we cannot tell, so we do not claim it."""
    if not is_open(queue):
        return "closed"
    agents = db.session.scalars(select(AgentProfile)).all()
    serving = [a for a in agents if queue in (a.skills or [])]
    if serving and all(a.status == "away" for a in serving):
        return "nobody available"
    return None
