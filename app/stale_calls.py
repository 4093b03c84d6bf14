"""Calls still `in-progress` long after any call could last: their status callback was
lost (an outage, a deploy). Ask the provider how they ended, or close them as unknown."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from . import telephony
from .calls.session import end_call
from .event_log import record_event
from .models import Call, db, utcnow
from .providers.port import CallEnded, LegStatus

log = logging.getLogger(__name__)
LONGEST_CALL = timedelta(hours=4)  # the provider's default time limit for one call
BATCH = 200


def stale_calls() -> list[Call]:
    return list(db.session.scalars(select(Call).where(
        Call.status == LegStatus.IN_PROGRESS, Call.started_at < utcnow() - LONGEST_CALL)
        .order_by(Call.started_at).limit(BATCH)))


def reconcile() -> dict[str, int]:
    """Close each stale call with the provider's answer, or as unknown without one."""
    rest, counts = telephony.client(), dict[str, int]()
    for call in stale_calls():
        found = rest.fetch_call(call.call_sid) if rest else CallEnded(LegStatus.UNKNOWN)
        if found is None or found.status.live:
            counts["left open"] = counts.get("left open", 0) + 1
            continue
        status = found.status
        end_call(call, status, found.duration_s)
        record_event(call, "reconciled", status=status,
                     source="provider" if rest else "no credentials")
        counts[f"closed {status}"] = counts.get(f"closed {status}", 0) + 1
    db.session.commit()
    log.info("reconciled stale calls: %s", counts or "none")
    return counts
