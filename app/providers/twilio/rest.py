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

from ..port import CallEnded, DeliveryStatus, LegStatus, ProviderError, provider_int
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
        try:
            self.client.calls(call_id).update(url=url, method="POST")
            return True
        except TwilioRestException as exc:
            if exc.status == 404 or exc.code == CALL_NOT_IN_PROGRESS:
                log.info("call %s is gone: %s", call_id, exc.msg)
                return False
            raise ProviderError(str(exc)) from exc
        except (TwilioException, OSError) as exc:
            raise ProviderError(str(exc)) from exc

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
