"""What a provider's conformance kit gives the suite (tests/providers/<name>/kit.py).

A kit plays the provider's side in the provider's own words, written from its
documentation and independent of the adapter: it builds the forms the provider posts for
each neutral event, reads rendered instructions back as neutral verbs, frames stream
messages, and stands up a local fake of the provider's REST API. The suite then checks
the adapter against it, so a new adapter is done when its kit and it pass together.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Verb:
    """One rendered instruction, read back in neutral words.

    kind: say | play | listen | stream | queue | dial | room | record | redirect | hangup
    | leave. `url` is where the provider goes next (the listen's answer URL, the queue's
    wait URL, the redirect); `then` the URL it reports to afterwards; `inside` the prompts
    a listen plays while listening."""

    kind: str
    text: str = ""
    language: str | None = None
    voice: str | None = None
    url: str | None = None
    then: str | None = None
    inside: tuple[Verb, ...] = field(default_factory=tuple)
    digits: int | None = None


class FakeApi:
    """What a kit's fake REST API lets a test arrange and inspect."""

    calls: dict[str, str]  # call id -> the provider's status word for it
    requests: list[tuple[str, str, dict]]  # (method, path, form) in order
    fail_next: bool  # the next request answers a server error
    fail_path: str | None  # so does every request whose path ends so (None: none)
    recording: bytes  # the audio any recording URL of the fake serves
    rooms: dict[str, str]  # a conference's name -> its id (Twilio's kit)
    members: dict[str, dict[str, bool]]  # room id -> {leg's call id: its leaving ends it}
