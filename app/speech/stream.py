"""One prompt over a Twilio Media Stream: JSON messages in, messages out, one Outcome.

No Flask and no socket here, so the protocol can be tested and benchmarked on its own.
We play the prompt ourselves and listen from its first frame: a caller who talks over
the prompt stops it (a `clear`) and loses nothing.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from app.speech.registry import LoadedModel
from app.speech.session import Outcome, RecognitionSession, Timers

PROMPT_MARK = "prompt-end"
CHUNK = 800  # bytes of mu-law per outgoing media message: 100 ms


class StreamError(ValueError):
    """A message we cannot use: the stream goes on without it."""


class UnsupportedFormat(StreamError):
    """The stream's audio is not what we decode: nothing on it can be heard."""


@dataclass(frozen=True)
class Plan:
    """What one listening turn needs: the prompt audio and the phrases it expects."""

    prompt_audio: bytes  # 8 kHz mu-law, may be empty
    phrases: Sequence[str]
    timers: Timers


def parse(raw: Any) -> dict[str, Any]:
    """A Twilio stream message as a dict with an `event`, or StreamError."""
    if not isinstance(raw, str):
        raise StreamError("binary frames are not Twilio messages")
    try:
        message = json.loads(raw)
    except ValueError as exc:
        raise StreamError("not JSON") from exc
    if not isinstance(message, dict) or not isinstance(message.get("event"), str):
        raise StreamError("no event")
    return message


def part(message: dict[str, Any], key: str) -> dict[str, Any]:
    """A message's object (start, media, dtmf, mark); any other type is a bad frame, not a
    crash of the socket's handler."""
    value = message.get(key) or {}
    if not isinstance(value, dict):
        raise StreamError(f"{key} is not an object")
    return value


def check_format(start: dict[str, Any]) -> None:
    """We decode only what Twilio sends: 8 kHz mono mu-law."""
    media = part(start, "mediaFormat")
    if (media.get("encoding") != "audio/x-mulaw" or str(media.get("sampleRate")) != "8000"
            or str(media.get("channels", 1)) != "1"):
        raise UnsupportedFormat(f"unsupported audio format {media!r}; want 8 kHz mono mu-law")


class PromptStream:
    """Feeds one RecognitionSession from a stream; `send` writes a message to Twilio."""

    def __init__(self, plan: Plan, model: LoadedModel,
                 send: Callable[[dict[str, Any]], None]) -> None:
        self.plan, self.model, self.send = plan, model, send
        self.stream_sid: str | None = None
        self.session: RecognitionSession | None = None
        self.speech_started_at: int | None = None  # audio ms, for the barge-in trace
        self.stopped = False  # Twilio sent "stop": the call left the <Connect>

    def handle(self, raw: Any) -> Outcome | None:
        """One message; an Outcome once the caller has answered (or stayed silent)."""
        message = parse(raw)
        event = message["event"]
        if event == "start":
            self.start(part(message, "start"), message.get("streamSid"))
            return None
        if event == "stop":
            self.stopped = True
        if self.session is None:
            return None  # "connected", or media before "start": nothing to listen with yet
        if event == "media":
            return self.media(part(message, "media"))
        if event == "dtmf":
            digit = str(part(message, "dtmf").get("digit", ""))
            try:
                return self.session.dtmf(digit)
            except ValueError as exc:
                raise StreamError(str(exc)) from exc
        if event == "mark" and part(message, "mark").get("name") == PROMPT_MARK:
            self.session.prompt_ended()
        return None

    def start(self, start: dict[str, Any], stream_sid: Any) -> None:
        if self.session is not None:
            raise StreamError("a second start on one stream")
        check_format(start)
        self.stream_sid = str(start.get("streamSid") or stream_sid or "")
        self.session = RecognitionSession(
            self.model, self.plan.phrases, commands=(), timers=self.plan.timers,
            prompt_playing=bool(self.plan.prompt_audio), on_speech_start=self.barge_in)
        self.play(self.plan.prompt_audio)

    def play(self, audio: bytes) -> None:
        """Queue the whole prompt at once; Twilio plays it in real time and echoes the mark."""
        if not audio:
            return
        for at in range(0, len(audio), CHUNK):
            payload = base64.b64encode(audio[at:at + CHUNK]).decode()
            self.send({"event": "media", "streamSid": self.stream_sid,
                       "media": {"payload": payload}})
        self.send({"event": "mark", "streamSid": self.stream_sid,
                   "mark": {"name": PROMPT_MARK}})

    def media(self, media: dict[str, Any]) -> Outcome | None:
        if media.get("track", "inbound") != "inbound":
            return None
        payload = media.get("payload", "")
        if not isinstance(payload, str):
            raise StreamError("media payload is not text")
        try:
            frame = base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise StreamError("media payload is not base64") from exc
        return self.session.feed(frame)

    def barge_in(self) -> None:
        """The caller started talking: stop the prompt and start listening properly."""
        self.speech_started_at = self.session.audio_ms() if self.session else None
        if self.plan.prompt_audio:
            self.send({"event": "clear", "streamSid": self.stream_sid})
        self.session.prompt_ended()
