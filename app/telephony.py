"""Outbound provider calls (texts, call legs, call updates, recordings) behind one
interface, in our own words.

With provider credentials they go through the adapter's REST client (app/providers/);
without them, texts and call requests land in the local outbox (the same table), which
the simulator prints and /outbox lists.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from flask import current_app
from sqlalchemy import func, select

from . import providers
from .models import Message, db, utcnow
from .phone import mask
from .providers.port import CallEnded, DeliveryStatus, ProviderError, Rest

log = logging.getLogger(__name__)
T = TypeVar("T")
RATE_LIMIT = (3, timedelta(hours=1))  # texts per number per window


class SendFailed(Exception):
    pass


def client() -> Rest | None:
    """The provider's REST client when credentials are set; None means the local outbox."""
    return providers.current().rest(current_app.config)


def our_number() -> str:
    return providers.current().our_number(current_app.config)


def rate_limited(number: str) -> bool:
    limit, window = RATE_LIMIT
    sent = db.session.scalar(select(func.count(Message.id)).where(
        Message.to_number == number, Message.created_at >= utcnow() - window))
    return (sent or 0) >= limit


def send_sms(to: str, body: str, *, status_callback: str | None = None,
             call_id: int | None = None) -> Message:
    """Send (or queue locally) one text; raises SendFailed with a reason on failure."""
    if rate_limited(to):
        raise SendFailed("rate limited")
    message = Message(to_number=to, from_number=our_number(), body=body, call_id=call_id,
                      status=DeliveryStatus.QUEUED)
    db.session.add(message)
    rest = client()
    if rest is None:
        message.status, message.channel = "outbox", "local"
        db.session.flush()
        return message
    try:
        message.sid, message.status = rest.send_sms(to, message.from_number, body,
                                                    status_callback)
    except ProviderError as exc:
        message.status, message.error = DeliveryStatus.FAILED, str(exc)[:200]
        db.session.flush()
        log.warning("text to %s failed: %s", mask(to), exc)
        raise SendFailed("provider error") from exc
    message.channel = providers.current().name
    db.session.flush()
    return message


def update_status(sid: str, status: DeliveryStatus, error_code: str | None = None) -> bool:
    message = db.session.scalar(select(Message).where(Message.sid == sid))
    if message is None:
        return False
    message.status = status
    if error_code:
        message.error = f"error {error_code[:10]}"
    return True


def place_call(to: str, url: str, status_callback: str) -> str:
    """Dial out (an agent's phone, a callback); returns the provider's call id. Locally,
    the request is kept in the outbox and the simulator can play that leg."""
    rest = client()
    if rest is None:
        sid = providers.current().local_call_id()
        db.session.add(Message(to_number=to, from_number=our_number(), body=f"call {url}",
                               channel="voice", sid=sid, status="outbox"))
        return sid
    try:
        return rest.place_call(to, our_number(), url, status_callback)
    except ProviderError as exc:
        log.warning("call to %s failed: %s", mask(to), exc)
        raise SendFailed("provider error") from exc


def redirect_call(sid: str, url: str) -> bool:
    """Move a live call (a caller waiting in a queue) to new instructions. False when the
    call is gone (the caller hung up); SendFailed when the provider failed and the call
    may live."""
    rest = client()
    if rest is None:
        db.session.add(Message(to_number=sid[:20], from_number="", body=f"redirect {url}",
                               channel="voice", status="outbox"))
        return True
    try:
        return rest.update_call(sid, url)
    except ProviderError as exc:
        log.warning("could not redirect call %s: %s", sid, exc)
        raise SendFailed("provider error") from exc


def in_room(what: str, request: Callable[[Rest], T], local: T) -> T:
    """An agent's in-call control (hold, mute, a leg added or removed, a room closed)
    through the provider. Locally it is kept in the outbox and answers `local`; SendFailed
    when the provider failed (the call goes on as it was)."""
    rest = client()
    if rest is None:
        db.session.add(Message(to_number="", from_number="", body=f"control {what}"[:1600],
                               channel="voice", status="outbox"))
        return local
    try:
        return request(rest)
    except ProviderError as exc:
        log.warning("in-call control %s failed: %s", what, exc)
        raise SendFailed("provider error") from exc


def fetch_call(sid: str) -> CallEnded | None:
    """How the provider has the call now; None when it could not say (or no credentials)."""
    rest = client()
    return rest.fetch_call(sid) if rest else None


def fetch_recording(recording_url: str) -> bytes | None:
    """A voicemail's audio as WAV from the provider; None without credentials or on error."""
    rest = client()
    return rest.fetch_recording(recording_url) if rest else None
