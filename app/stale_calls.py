"""Calls still `in-progress` long after any call could last: their status callback was
lost (an outage, a deploy). Ask the provider how they ended, or close them as unknown."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select
from twilio.base.exceptions import TwilioException, TwilioRestException

from . import telephony
from .calls.session import end_call
from .event_log import record_event
from .models import Call, db, utcnow
from .voice.fields import CALL_STATUSES, provider_int

log = logging.getLogger(__name__)
LONGEST_CALL = timedelta(hours=4)  # the provider's default time limit for one call
BATCH = 200
LIVE = {"queued", "ringing", "in-progress"}


def stale_calls() -> list[Call]:
    return list(db.session.scalars(select(Call).where(
        Call.status == "in-progress", Call.started_at < utcnow() - LONGEST_CALL)
        .order_by(Call.started_at).limit(BATCH)))


def provider_status(rest, call_sid: str) -> tuple[str, int | None] | None:
    """(status, duration) as the provider has it; None when it could not say this time."""
    try:
        found = rest.calls(call_sid).fetch()
    except TwilioRestException as exc:
        if exc.status == 404:
            return "unknown", None  # the provider has no such call (any more)
        log.warning("could not look up call %s: %s", call_sid, exc)
        return None
    except (TwilioException, OSError) as exc:
        log.warning("could not look up call %s: %s", call_sid, exc)
        return None
    status = found.status if found.status in CALL_STATUSES else "unknown"
    return status, provider_int(str(found.duration or ""), 24 * 3600)


def reconcile() -> dict[str, int]:
    """Close each stale call with the provider's answer, or as unknown without one."""
    rest, counts = telephony.client(), {}
    for call in stale_calls():
        found = provider_status(rest, call.call_sid) if rest else ("unknown", None)
        if found is None or found[0] in LIVE:
            counts["left open"] = counts.get("left open", 0) + 1
            continue
        status, duration = found
        end_call(call, status, duration)
        record_event(call, "reconciled", status=status,
                     source="provider" if rest else "no credentials")
        counts[f"closed {status}"] = counts.get(f"closed {status}", 0) + 1
    db.session.commit()
    log.info("reconciled stale calls: %s", counts or "none")
    return counts
