"""The Twilio adapter: the only package that knows TwiML, Twilio's field names, status
words, Media Stream framing, signatures and REST API. It implements providers.port.Provider
as module functions; simulator.py and stream_caller.py play Twilio's side for tests and
`flask call`."""

from __future__ import annotations

from .fields import (
    call,
    call_ended,
    call_id_valid,
    caller_input,
    delivery,
    dial_answered,
    fallback_notice,
    leg_status,
    queue_done,
    queue_wait,
    recording,
)
from .media_stream import stream_clear, stream_event, stream_play
from .rest import local_call_id, our_number, rest
from .signature import HEADER as signature_header
from .signature import is_signed, is_signed_socket, secret, sign
from .softphone import browser_address, browser_token
from .twiml import MEDIA_TYPE as media_type
from .twiml import render

name = "twilio"

__all__ = ["browser_address", "browser_token", "call", "call_ended", "call_id_valid",
           "caller_input", "delivery", "dial_answered",
           "fallback_notice", "is_signed", "is_signed_socket", "leg_status", "local_call_id",
           "media_type", "name", "our_number", "queue_done", "queue_wait", "recording",
           "render", "rest", "secret", "sign", "signature_header", "stream_clear",
           "stream_event", "stream_play"]
