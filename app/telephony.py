"""Outbound provider calls (SMS now; call legs later) behind one interface.

With Twilio credentials, messages go through twilio.rest.Client with a short HTTP
timeout, so a webhook never waits long on the provider. Without them, messages land in
the local outbox (the same table), which the simulator prints and /outbox lists.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

import requests
from flask import current_app
from sqlalchemy import func, select
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from .models import Message, db, utcnow
from .phone import mask

log = logging.getLogger(__name__)
SEND_TIMEOUT_S = 4  # the provider's HTTP call; the webhook's own budget is 15 s
RATE_LIMIT = (3, timedelta(hours=1))  # texts per number per window
CALL_NOT_IN_PROGRESS = 21220  # the provider's 400 for updating a call that ended


class SendFailed(Exception):
    pass


class _Rebased(TwilioHttpClient):
    """Send the twilio library's real requests to another base URL (a local fake API)."""

    def __init__(self, base: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.base = base.rstrip("/")

    def request(self, method, url, *args, **kwargs):
        for host in ("https://api.twilio.com", "https://messaging.twilio.com"):
            url = url.replace(host, self.base)
        return super().request(method, url, *args, **kwargs)


def client() -> Client | None:
    """A REST client when credentials are set; None means the local outbox."""
    config = current_app.config
    if not (config.get("TWILIO_ACCOUNT_SID") and config.get("TWILIO_AUTH_TOKEN")):
        return None
    base = config.get("TWILIO_API_BASE")
    http = _Rebased(base, timeout=SEND_TIMEOUT_S) if base else TwilioHttpClient(
        timeout=SEND_TIMEOUT_S)
    return Client(config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"], http_client=http)


def rate_limited(number: str) -> bool:
    limit, window = RATE_LIMIT
    sent = db.session.scalar(select(func.count(Message.id)).where(
        Message.to_number == number, Message.created_at >= utcnow() - window))
    return sent >= limit


def send_sms(to: str, body: str, *, status_callback: str | None = None,
             call_id: int | None = None) -> Message:
    """Send (or queue locally) one text; raises SendFailed with a reason on failure."""
    if rate_limited(to):
        raise SendFailed("rate limited")
    message = Message(to_number=to, from_number=current_app.config["TWILIO_PHONE_NUMBER"],
                      body=body, call_id=call_id, status="queued")
    db.session.add(message)
    rest = client()
    if rest is None:
        message.status, message.channel = "outbox", "local"
        db.session.flush()
        return message
    try:
        sent = rest.messages.create(to=to, from_=message.from_number, body=body,
                                    status_callback=status_callback)
    except (TwilioException, OSError) as exc:
        message.status, message.error = "failed", str(exc)[:200]
        db.session.flush()
        log.warning("text to %s failed: %s", mask(to), exc)
        raise SendFailed("provider error") from exc
    message.sid, message.status, message.channel = sent.sid, sent.status or "queued", "twilio"
    db.session.flush()
    return message


def update_status(sid: str, status: str, error_code: str | None = None) -> bool:
    message = db.session.scalar(select(Message).where(Message.sid == sid))
    if message is None:
        return False
    message.status = status[:20]
    if error_code:
        message.error = f"error {error_code[:10]}"
    return True


def place_call(to: str, url: str, status_callback: str) -> str:
    """Dial out (an agent's phone, a callback); returns the call SID. Locally, the request
    is kept in the outbox and the simulator can play that leg."""
    rest = client()
    if rest is None:
        sid = "CA" + secrets.token_hex(16)
        db.session.add(Message(to_number=to, from_number=current_app.config[
            "TWILIO_PHONE_NUMBER"], body=f"call {url}", channel="voice", sid=sid,
            status="outbox"))
        return sid
    try:
        return rest.calls.create(to=to, from_=current_app.config["TWILIO_PHONE_NUMBER"],
                                 url=url, status_callback=status_callback,
                                 status_callback_event=["completed"], timeout=20).sid
    except (TwilioException, OSError) as exc:
        log.warning("call to %s failed: %s", mask(to), exc)
        raise SendFailed("provider error") from exc


def redirect_call(sid: str, url: str) -> bool:
    """Move a live call (a caller waiting in a queue) to new TwiML. False when the call is
    gone (the caller hung up); SendFailed when the provider failed and the call may live."""
    rest = client()
    if rest is None:
        db.session.add(Message(to_number=sid[:20], from_number="", body=f"redirect {url}",
                               channel="voice", status="outbox"))
        return True
    try:
        rest.calls(sid).update(url=url, method="POST")
        return True
    except TwilioRestException as exc:
        if exc.status == 404 or exc.code == CALL_NOT_IN_PROGRESS:
            log.info("call %s is gone: %s", sid, exc.msg)
            return False
        log.warning("could not redirect call %s: %s", sid, exc)
        raise SendFailed("provider error") from exc
    except (TwilioException, OSError) as exc:
        log.warning("could not redirect call %s: %s", sid, exc)
        raise SendFailed("provider error") from exc


def fetch_recording(recording_url: str) -> bytes | None:
    """A voicemail's audio as WAV from the provider; None without credentials or on error.

    Plain requests, not the twilio client: its Response keeps only decoded text.
    """
    config = current_app.config
    if client() is None or not recording_url.startswith("https://api.twilio.com/"):
        return None  # only ever send our credentials to the provider itself
    base = config.get("TWILIO_API_BASE")
    if base:
        recording_url = recording_url.replace("https://api.twilio.com", base.rstrip("/"))
    try:
        response = requests.get(recording_url + ".wav", timeout=SEND_TIMEOUT_S * 3, auth=(
            config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"]))
    except requests.RequestException as exc:
        log.warning("could not fetch a recording: %s", exc)
        return None
    return response.content if response.status_code == 200 else None
