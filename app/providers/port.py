"""The provider port: what the app hears from a telephony provider and asks of it, in our
own words. An adapter (app/providers/<name>/) is the only code that knows a provider's
field names, status words, markup, stream framing and REST API; tests/providers/ is the
conformance suite every adapter passes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from werkzeug.exceptions import BadRequest

from ..flow.actions import Action, Input, NoInput
from ..hold.plan import Ask, LeaveQueue

DIGITS = re.compile(r"[0-9]{1,12}")  # not str.isdigit(): that accepts "²" and "٣"
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
Form = Mapping[str, str]  # a webhook's form fields, as the provider posted them
Urls = Callable[..., str]  # url_for-like: (endpoint, **params) -> absolute URL


def provider_int(value: str | None, maximum: int) -> int | None:
    """A count or duration from the provider; None when it is not one we can trust."""
    if value is None or not DIGITS.fullmatch(value):
        return None
    number = int(value)
    return number if number <= maximum else None


def provider_text(value: str | None, limit: int) -> str:
    """Free text (a number, a status, what was said), safe to store and show: no NUL or
    control characters (PostgreSQL refuses NUL; logs and screens should not see them)."""
    return CONTROL.sub("", value or "")[:limit].strip()


class Malformed(BadRequest):
    """A webhook nobody waits on carries a value the provider never sends: a 400."""


class ProviderError(Exception):
    """The provider's API failed; the call it was about may still be live."""


class LegStatus(StrEnum):
    """How a call leg stands. The values are what the database keeps."""

    QUEUED = "queued"
    RINGING = "ringing"
    IN_PROGRESS = "in-progress"
    COMPLETED = "completed"
    BUSY = "busy"
    FAILED = "failed"
    NO_ANSWER = "no-answer"
    CANCELED = "canceled"
    UNKNOWN = "unknown"  # the provider has no such call (any more)

    @property
    def live(self) -> bool:
        return self in (LegStatus.QUEUED, LegStatus.RINGING, LegStatus.IN_PROGRESS)

    @property
    def missed(self) -> bool:
        """A leg's final status when nobody picked up."""
        return self in (LegStatus.NO_ANSWER, LegStatus.BUSY, LegStatus.FAILED,
                        LegStatus.CANCELED)


class QueueExit(StrEnum):
    """How a caller left the provider's queue."""

    ANSWERED = "answered"  # bridged to whoever dequeued them
    HUNG_UP = "hung-up"
    LEFT = "left"  # our hold instructions took them out (callback, voicemail)
    REDIRECTED = "redirected"  # an agent's update moved the call out of the queue
    FAILED = "failed"  # the queue could not keep them (full, error, or unreported)

    @property
    def nobody_waiting(self) -> bool:
        """Nobody is left to put through to a person."""
        return self is not QueueExit.FAILED


class DeliveryStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    READ = "read"
    CANCELED = "canceled"
    UNKNOWN = "unknown"


# Inbound: each webhook's fields as one neutral event.
@dataclass(frozen=True)
class CallInfo:
    call_id: str  # the provider's id for this call leg
    caller: str
    dialled: str


@dataclass(frozen=True)
class CallEnded:
    status: LegStatus
    duration_s: int | None = None


@dataclass(frozen=True)
class QueueWait:
    """Figures the queue reports on each wait request; only shown to the caller."""

    position: int | None
    queue_time_s: int | None
    average_s: int | None


@dataclass(frozen=True)
class QueueDone:
    exit: QueueExit
    queue_time_s: int | None


@dataclass(frozen=True)
class RecordingReady:
    recording_id: str
    url: str
    duration_s: int | None
    complete: bool


@dataclass(frozen=True)
class DeliveryReceipt:
    message_id: str
    status: DeliveryStatus
    error_code: str | None


@dataclass(frozen=True)
class FallbackNotice:
    """The provider could not use an answer of ours and asks its Fallback URL instead."""

    error_code: str
    failed_url: str


# Outbound actions the edge adds to the engine's and the hold planner's (all rendered
# by one renderer per adapter).
@dataclass(frozen=True)
class Redirect:
    """Ask our URL for what comes next."""

    url: str


@dataclass(frozen=True)
class JoinRoom:
    """Into a two-party room (agent and caller); it closes when the agent leaves."""

    room: str


EdgeAction = Action | Ask | LeaveQueue | Redirect | JoinRoom


@dataclass(frozen=True)
class Turn:
    """Where answers to rendered actions come back: the turn, the call and, while on hold,
    the queue."""

    number: int = 0
    call_id: str = ""
    queue: str = ""


# Media streams: each provider message as one neutral event.
class StreamError(ValueError):
    """A message we cannot use: the stream goes on without it."""


class UnsupportedFormat(StreamError):
    """The stream's audio is not what we decode: nothing on it can be heard."""


@dataclass(frozen=True)
class StreamStart:
    stream_id: str


@dataclass(frozen=True)
class StreamAudio:
    """8 kHz mono mu-law from the caller (inbound) or an echo of ours."""

    frame: bytes
    inbound: bool = True


@dataclass(frozen=True)
class StreamDigit:
    digit: str


@dataclass(frozen=True)
class StreamMark:
    """Our marker came back: the audio queued before it has played."""

    name: str


@dataclass(frozen=True)
class StreamStop:
    pass


@dataclass(frozen=True)
class StreamOther:
    """Connected, and anything else that needs no answer."""


StreamEvent = StreamStart | StreamAudio | StreamDigit | StreamMark | StreamStop | StreamOther


@dataclass(frozen=True)
class LegChange:
    """What an agent's control changes on one leg in the room; None leaves it as it is."""

    hold: bool | None = None
    music_url: str | None = None  # played to the leg while on hold
    muted: bool | None = None
    ends_room: bool | None = None  # whether this leg leaving closes the room


class Headers(Protocol):
    """A request's headers, looked up by name (Flask's are case-insensitive; a dict does)."""

    def get(self, key: str, default: str) -> str: ...


class Rest(Protocol):
    """Calls to the provider's API (credentials set)."""

    def place_call(self, to: str, from_: str, url: str, status_callback: str) -> str: ...
    def update_call(self, call_id: str, url: str) -> bool: ...
    def send_sms(self, to: str, from_: str, body: str,
                 status_callback: str | None) -> tuple[str, DeliveryStatus]: ...
    def fetch_call(self, call_id: str) -> CallEnded | None: ...
    def fetch_recording(self, url: str) -> bytes | None: ...
    # In-call controls on an agent's room (JoinRoom) and the legs in it. Each returns
    # False when the room or leg is gone (hung up); ProviderError when it may live.
    def find_room(self, name: str) -> str | None: ...
    def update_leg(self, room_id: str, call_id: str, change: LegChange) -> bool: ...
    def add_leg(self, room_id: str, to: str, from_: str, status_callback: str) -> str: ...
    def remove_leg(self, room_id: str, call_id: str) -> bool: ...
    def end_room(self, room_id: str) -> bool: ...


class Provider(Protocol):
    """What an adapter implements. Every inbound parser takes the webhook's form fields and
    raises Malformed for values a provider never sends where nobody waits on the answer."""

    name: str
    media_type: str  # of rendered call instructions
    signature_header: str

    def call_id_valid(self, call_id: str) -> bool: ...
    def is_signed(self, url: str, form: Form, headers: Headers) -> bool: ...
    def is_signed_socket(self, urls: Sequence[str], headers: Headers) -> bool: ...
    def sign(self, url: str, form: Form, secret: str) -> dict[str, str]: ...
    def secret(self) -> str: ...
    def call(self, form: Form) -> CallInfo: ...
    def caller_input(self, form: Form) -> Input | NoInput: ...
    def call_ended(self, form: Form) -> CallEnded: ...
    def leg_status(self, form: Form) -> LegStatus: ...
    def queue_wait(self, form: Form) -> QueueWait: ...
    def queue_done(self, form: Form) -> QueueDone: ...
    def dial_answered(self, form: Form) -> bool: ...
    def recording(self, form: Form) -> RecordingReady: ...
    def delivery(self, form: Form) -> DeliveryReceipt: ...
    def fallback_notice(self, form: Form) -> FallbackNotice: ...
    def render(self, actions: Sequence[EdgeAction], url: Urls, turn: Turn) -> str: ...
    def stream_event(self, raw: Any) -> StreamEvent: ...
    def stream_play(self, stream_id: str, audio: bytes, mark: str) -> list[dict[str, Any]]: ...
    def stream_clear(self, stream_id: str) -> dict[str, Any]: ...
    def rest(self, config: Mapping[str, Any]) -> Rest | None: ...
    def our_number(self, config: Mapping[str, Any]) -> str: ...
    def local_call_id(self) -> str: ...
    # The browser softphone: a token for the identity (None while not configured), and
    # the address place_call rings that browser at.
    def browser_token(self, config: Mapping[str, Any], identity: str,
                      ttl_s: int) -> str | None: ...
    def browser_address(self, identity: str) -> str: ...
