"""Twilio Media Stream framing: its JSON messages in, as neutral stream events; our audio,
marks and clears out, as its messages."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from ..port import (
    StreamAudio,
    StreamDigit,
    StreamError,
    StreamEvent,
    StreamMark,
    StreamOther,
    StreamStart,
    StreamStop,
    UnsupportedFormat,
)

CHUNK = 800  # bytes of mu-law per outgoing media message: 100 ms


def stream_event(raw: Any) -> StreamEvent:
    """One message from Twilio, or StreamError for one we cannot use."""
    message = _parse(raw)
    event = message["event"]
    if event == "start":
        start = _part(message, "start")
        _check_format(start)
        return StreamStart(str(start.get("streamSid") or message.get("streamSid") or ""))
    if event == "media":
        return _audio(_part(message, "media"))
    if event == "dtmf":
        return StreamDigit(str(_part(message, "dtmf").get("digit", "")))
    if event == "mark":
        return StreamMark(str(_part(message, "mark").get("name", "")))
    if event == "stop":
        return StreamStop()
    return StreamOther()


def _parse(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, str):
        raise StreamError("binary frames are not Twilio messages")
    try:
        message = json.loads(raw)
    except ValueError as exc:
        raise StreamError("not JSON") from exc
    if not isinstance(message, dict) or not isinstance(message.get("event"), str):
        raise StreamError("no event")
    return message


def _part(message: dict[str, Any], key: str) -> dict[str, Any]:
    """A message's object (start, media, dtmf, mark); any other type is a bad frame, not a
    crash of the socket's handler."""
    value = message.get(key) or {}
    if not isinstance(value, dict):
        raise StreamError(f"{key} is not an object")
    return value


def _check_format(start: dict[str, Any]) -> None:
    """We decode only what Twilio sends: 8 kHz mono mu-law."""
    media = _part(start, "mediaFormat")
    if (media.get("encoding") != "audio/x-mulaw" or str(media.get("sampleRate")) != "8000"
            or str(media.get("channels", 1)) != "1"):
        raise UnsupportedFormat(f"unsupported audio format {media!r}; want 8 kHz mono mu-law")


def _audio(media: dict[str, Any]) -> StreamAudio:
    if media.get("track", "inbound") != "inbound":
        return StreamAudio(b"", inbound=False)  # our own audio echoed: not decoded
    payload = media.get("payload", "")
    if not isinstance(payload, str):
        raise StreamError("media payload is not text")
    try:
        frame = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise StreamError("media payload is not base64") from exc
    return StreamAudio(frame)


def stream_play(stream_id: str, audio: bytes, mark: str) -> list[dict]:
    """The whole prompt at once, then a mark Twilio echoes when it has played it."""
    messages = [{"event": "media", "streamSid": stream_id,
                 "media": {"payload": base64.b64encode(audio[at:at + CHUNK]).decode()}}
                for at in range(0, len(audio), CHUNK)]
    return [*messages, {"event": "mark", "streamSid": stream_id, "mark": {"name": mark}}]


def stream_clear(stream_id: str) -> dict:
    """Stop what is playing (the caller talked over the prompt)."""
    return {"event": "clear", "streamSid": stream_id}
