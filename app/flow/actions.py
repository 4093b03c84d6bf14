"""Neutral actions the engine asks for, the input events it takes, and its trace.

The voice edge renders actions as TwiML; effects that need an answer (Lookup) are run by
the edge and their result comes back as an event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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


Action = Say | Play | Listen | Enqueue | Transfer | Hangup | Record | Lookup | SendLink


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


Event = Start | Input | NoInput | LookupDone | LinkSent


@dataclass(frozen=True)
class Trace:
    """One step for the call's record: analytics, agent context and the node funnel."""

    kind: str  # entered, input, match, no_match, no_input, confirm, global, escalate, ...
    node: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
