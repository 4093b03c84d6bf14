"""Neutral actions the engine asks for, the input events it takes, and its trace.

The voice edge renders actions as TwiML; effects that need an answer (Lookup) are run by
the edge and their result comes back as an event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Say:
    text: str
    language: str = "en-US"
    voice: str | None = None


@dataclass(frozen=True)
class Play:
    url: str


@dataclass(frozen=True)
class Listen:
    """Wait for the caller; prompts said just before are interruptible (barge-in)."""

    node: str
    hints: tuple[str, ...] = ()
    numeric: bool = False
    max_digits: int | None = None
    timeout_s: int = 5
    language: str = "en-US"
    recognizer: str = "provider"


@dataclass(frozen=True)
class Enqueue:
    queue: str
    reason: str


@dataclass(frozen=True)
class Transfer:
    number: str


@dataclass(frozen=True)
class Hangup:
    pass


@dataclass(frozen=True)
class Record:
    """Take a voicemail for a team; the recording is transcribed on our own servers."""

    queue: str
    max_length_s: int
    language: str = "en-US"
    voice: str | None = None  # the thanks after the beep is said in it


@dataclass(frozen=True)
class Lookup:
    source: str | None
    params: dict[str, str]
    http: dict[str, Any] | None = None  # url, method, timeout_s, mapping


@dataclass(frozen=True)
class SendLink:
    form: str


@dataclass(frozen=True)
class CheckHours:
    """Is this queue open now (in the line's timezone; None: the server's)?"""

    queue: str
    timezone: str | None = None


Action = (Say | Play | Listen | Enqueue | Transfer | Hangup | Record | Lookup | SendLink
          | CheckHours)
Effect = Lookup | SendLink | CheckHours  # run by the edge; the result comes back as an event


@dataclass(frozen=True)
class Start:
    """A new call: what we know about the caller before they speak."""

    caller: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Input:
    digits: str | None = None
    speech: str | None = None
    confidence: float | None = None


@dataclass(frozen=True)
class NoInput:
    pass


@dataclass(frozen=True)
class LookupDone:
    ok: bool
    data: dict[str, Any] | None = None
    error: str | None = None


@dataclass(frozen=True)
class LinkSent:
    ok: bool
    error: str | None = None


@dataclass(frozen=True)
class HoursChecked:
    """The queue's hours as facts, in the line's local time (naive datetimes)."""

    open: bool
    now: datetime | None = None
    next_opening: datetime | None = None  # None: open, or nothing opens within a year


EffectResult = LookupDone | LinkSent | HoursChecked
Event = Start | Input | NoInput | EffectResult


@dataclass(frozen=True)
class Trace:
    """One step for the call's record: analytics, agent context and the node funnel."""

    kind: str  # entered, input, match, no_match, no_input, confirm, global, escalate, ...
    node: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
