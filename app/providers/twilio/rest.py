"""Twilio's REST API through twilio.rest.Client, with a short HTTP timeout so a webhook
never waits long on the provider."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from typing import Any

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from ..port import (
    CallEnded,
    DeliveryStatus,
    LegChange,
    LegStatus,
    ProviderError,
    provider_int,
)
from .fields import MAX_CALL_S
from .statuses import call_status, delivery_status

log = logging.getLogger(__name__)
SEND_TIMEOUT_S = 4  # the provider's HTTP call; the webhook's own budget is 15 s
CALL_NOT_IN_PROGRESS = 21220  # Twilio's 400 for updating a call that ended
API = "https://api.twilio.com"


class _Rebased(TwilioHttpClient):
    """Send the twilio library's real requests to another base URL (a local fake API)."""

    def __init__(self, base: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.base = base.rstrip("/")

    def request(self, method, url, *args, **kwargs):
        for host in (API, "https://messaging.twilio.com"):
            url = url.replace(host, self.base)
        return super().request(method, url, *args, **kwargs)


def rest(config: Mapping[str, Any]) -> TwilioRest | None:
    """A REST client when credentials are set; None means the local outbox."""
    if not (config.get("TWILIO_ACCOUNT_SID") and config.get("TWILIO_AUTH_TOKEN")):
        return None
    return TwilioRest(config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"],
                      config.get("TWILIO_API_BASE"))


def our_number(config: Mapping[str, Any]) -> str:
    """The number we call and text from."""
    return config["TWILIO_PHONE_NUMBER"]


def local_call_id() -> str:
    """An id in Twilio's form for a leg kept in the local outbox (the simulator plays it)."""
    return "CA" + secrets.token_hex(16)


class TwilioRest:
    def __init__(self, account: str, token: str, base: str | None = None) -> None:
        http = _Rebased(base, timeout=SEND_TIMEOUT_S) if base else TwilioHttpClient(
            timeout=SEND_TIMEOUT_S)
        self.client = Client(account, token, http_client=http)
        self.auth, self.base = (account, token), (base or API).rstrip("/")

    def place_call(self, to: str, from_: str, url: str, status_callback: str) -> str:
        try:
            return self.client.calls.create(to=to, from_=from_, url=url,
                                            status_callback=status_callback,
                                            status_callback_event=["completed"],
                                            timeout=20).sid
        except (TwilioException, OSError) as exc:
            raise ProviderError(str(exc)) from exc

    def update_call(self, call_id: str, url: str) -> bool:
        """False when the call is gone (hung up); ProviderError when it may live."""
        return _unless_gone(call_id, lambda: self.client.calls(call_id).update(
            url=url, method="POST"))

    # In-call controls: https://www.twilio.com/docs/voice/api/conference-participant-resource
    def find_room(self, name: str) -> str | None:
        """The conference our <Conference> of that name made, while it is in progress."""
        try:
            found = self.client.conferences.list(friendly_name=name, status="in-progress",
                                                 limit=1)
        except (TwilioException, OSError) as exc:
            raise ProviderError(str(exc)) from exc
        return found[0].sid if found else None

    def update_leg(self, room_id: str, call_id: str, change: LegChange) -> bool:
        fields: dict[str, bool | str | None] = {
            "hold": change.hold, "muted": change.muted,
            "end_conference_on_exit": change.ends_room}
        if change.music_url:
            fields |= {"hold_url": change.music_url, "hold_method": "GET"}
        return _unless_gone(call_id, lambda: self.client.conferences(room_id).participants(
            call_id).update(**{k: v for k, v in fields.items() if v is not None}))

    def add_leg(self, room_id: str, to: str, from_: str, status_callback: str) -> str:
        """Ring `to` into the room; it may leave without closing the room."""
        try:
            return self.client.conferences(room_id).participants.create(
                from_=from_, to=to, end_conference_on_exit=False, beep="false", timeout=20,
                status_callback=status_callback, status_callback_event=["completed"],
                status_callback_method="POST").call_sid
        except (TwilioException, OSError) as exc:
            raise ProviderError(str(exc)) from exc

    def remove_leg(self, room_id: str, call_id: str) -> bool:
        return _unless_gone(call_id, lambda: self.client.conferences(room_id).participants(
            call_id).delete())

    def end_room(self, room_id: str) -> bool:
        """Close the room: every leg still in it is hung up."""
        return _unless_gone(room_id, lambda: self.client.conferences(room_id).update(
            status="completed"))

    def send_sms(self, to: str, from_: str, body: str,
                 status_callback: str | None) -> tuple[str, DeliveryStatus]:
        try:
            sent = self.client.messages.create(to=to, from_=from_, body=body,
                                               status_callback=status_callback)
        except (TwilioException, OSError) as exc:
            raise ProviderError(str(exc)) from exc
        return sent.sid, delivery_status(sent.status or "queued")

    def fetch_call(self, call_id: str) -> CallEnded | None:
        """How the call stands as Twilio has it; None when it could not say this time."""
        try:
            found = self.client.calls(call_id).fetch()
        except TwilioRestException as exc:
            if exc.status == 404:
                return CallEnded(LegStatus.UNKNOWN)  # no such call (any more)
            log.warning("could not look up call %s: %s", call_id, exc)
            return None
        except (TwilioException, OSError) as exc:
            log.warning("could not look up call %s: %s", call_id, exc)
            return None
        return CallEnded(call_status(found.status) or LegStatus.UNKNOWN,
                         provider_int(str(found.duration or ""), MAX_CALL_S))

    def fetch_recording(self, url: str) -> bytes | None:
        """A voicemail's audio as WAV; None on error. Plain requests, not the twilio
        client: its Response keeps only decoded text."""
        if not url.startswith(API + "/"):
            return None  # only ever send our credentials to the provider itself
        try:
            response = requests.get(self.base + url[len(API):] + ".wav",
                                    timeout=SEND_TIMEOUT_S * 3, auth=self.auth)
        except requests.RequestException as exc:
            log.warning("could not fetch a recording: %s", exc)
            return None
        return response.content if response.status_code == 200 else None


def _unless_gone(sid: str, request) -> bool:
    """Run one update: False when its call or room is gone (hung up, closed);
    ProviderError when it may live."""
    try:
        request()
        return True
    except TwilioRestException as exc:
        if exc.status == 404 or exc.code == CALL_NOT_IN_PROGRESS:
            log.info("%s is gone: %s", sid, exc.msg)
            return False
        raise ProviderError(str(exc)) from exc
    except (TwilioException, OSError) as exc:
        raise ProviderError(str(exc)) from exc
