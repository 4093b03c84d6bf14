"""One prompt over a provider's media stream: messages in, messages out, one Outcome.

No Flask and no socket here, so the protocol can be tested and benchmarked on its own;
the provider's adapter turns its messages into neutral stream events and back. We play
the prompt ourselves and listen from its first frame: a caller who talks over the prompt
stops it (a `clear`) and loses nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from app import providers
from app.providers.port import (
    StreamAudio,
    StreamDigit,
    StreamError,
    StreamMark,
    StreamStart,
    StreamStop,
    UnsupportedFormat,
)
from app.speech.registry import LoadedModel
from app.speech.session import Outcome, RecognitionSession, Timers

__all__ = ["PROMPT_MARK", "Plan", "PromptStream", "StreamError", "UnsupportedFormat"]
PROMPT_MARK = "prompt-end"


@dataclass(frozen=True)
class Plan:
    """What one listening turn needs: the prompt audio and the phrases it expects."""

    prompt_audio: bytes  # 8 kHz mu-law, may be empty
    phrases: Sequence[str]
    timers: Timers


class PromptStream:
    """Feeds one RecognitionSession from a stream; `send` writes a message to the provider."""

    def __init__(self, plan: Plan, model: LoadedModel, send: Callable[[dict[str, Any]], None],
                 framing=None) -> None:
        self.plan, self.model, self.send = plan, model, send
        self.framing = framing or providers.default()
        self.stream_id = ""
        self.session: RecognitionSession | None = None
        self.speech_started_at: int | None = None  # audio ms, for the barge-in trace
        self.stopped = False  # the provider said "stop": the call left the stream

    def handle(self, raw: Any) -> Outcome | None:
        """One message; an Outcome once the caller has answered (or stayed silent)."""
        event = self.framing.stream_event(raw)
        if isinstance(event, StreamStart):
            self.start(event.stream_id)
            return None
        if isinstance(event, StreamStop):
            self.stopped = True
        if self.session is None:
            return None  # "connected", or media before "start": nothing to listen with yet
        if isinstance(event, StreamAudio):
            return self.session.feed(event.frame) if event.inbound else None
        if isinstance(event, StreamDigit):
            try:
                return self.session.dtmf(event.digit)
            except ValueError as exc:
                raise StreamError(str(exc)) from exc
        if isinstance(event, StreamMark) and event.name == PROMPT_MARK:
            self.session.prompt_ended()
        return None

    def start(self, stream_id: str) -> None:
        if self.session is not None:
            raise StreamError("a second start on one stream")
        self.stream_id = stream_id
        self.session = RecognitionSession(
            self.model, self.plan.phrases, commands=(), timers=self.plan.timers,
            prompt_playing=bool(self.plan.prompt_audio), on_speech_start=self.barge_in)
        self.play(self.plan.prompt_audio)

    def play(self, audio: bytes) -> None:
        """Queue the whole prompt at once; the provider plays it in real time and echoes
        the mark."""
        if audio:
            for message in self.framing.stream_play(self.stream_id, audio, PROMPT_MARK):
                self.send(message)

    def barge_in(self) -> None:
        """The caller started talking: stop the prompt and start listening properly."""
        session = self.session
        if session is None:  # only the session calls this
            return
        self.speech_started_at = session.audio_ms()
        if self.plan.prompt_audio:
            self.send(self.framing.stream_clear(self.stream_id))
        session.prompt_ended()
