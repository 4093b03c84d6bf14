"""Twilio's webhook fields, parsed strictly into neutral events: numbers are ASCII
digits within bounds, text has no control characters."""

from __future__ import annotations

import re

from ...flow.actions import Input, NoInput
from ..port import (
    CallEnded,
    CallInfo,
    DeliveryReceipt,
    FallbackNotice,
    Form,
    LegStatus,
    Malformed,
    QueueDone,
    QueueWait,
    RecordingReady,
    provider_int,
    provider_text,
)
from .statuses import call_status, delivery_status, queue_exit

CALL_SID = re.compile(r"CA[0-9a-fA-F]{32}")  # always fullmatch: "$" allows a newline
MAX_SPEECH = 500  # characters; longer is not one answer to one prompt
MAX_DIGITS = 32
MAX_CALL_S = 24 * 3600  # Twilio ends every call within a day
MAX_RECORDING_S = 4 * 3600  # Twilio's own limit on one recording


def text(form: Form, name: str, limit: int) -> str:
    return provider_text(form.get(name, ""), limit)


def number(form: Form, name: str, maximum: int, *, strict: bool) -> int | None:
    """Malformed: a 400 where nobody waits on the answer (strict), else None, so the
    caller gets the safe default."""
    raw = form.get(name, "")
    if not raw:
        return None
    value = provider_int(raw, maximum)
    if value is None and strict:
        raise Malformed(description=f"{name} is not a number the provider sends")
    return value


def call_id_valid(call_id: str) -> bool:
    return bool(CALL_SID.fullmatch(call_id or ""))


def call(form: Form) -> CallInfo:
    """The call leg a webhook is about. Its id is checked by whoever needs a real one."""
    return CallInfo(form.get("CallSid", "")[:64], text(form, "From", 32), text(form, "To", 32))


def caller_input(form: Form) -> Input | NoInput:
    """What a <Gather> heard: keys, or Twilio's own speech result with its confidence."""
    digits = text(form, "Digits", MAX_DIGITS) or None
    speech = text(form, "SpeechResult", MAX_SPEECH) or None
    if not digits and not speech:
        return NoInput()
    return Input(digits=digits, speech=speech, confidence=confidence(form))


def confidence(form: Form) -> float | None:
    try:
        value = float(form.get("Confidence", ""))
    except ValueError:
        return None
    return value if 0.0 <= value <= 1.0 else None


def call_ended(form: Form) -> CallEnded:
    """A status callback: how the leg stands (completed when unsaid) and how long it ran."""
    status = call_status(text(form, "CallStatus", 20) or "completed")
    if status is None:
        raise Malformed(description="not a call status the provider sends")
    return CallEnded(status, number(form, "CallDuration", MAX_CALL_S, strict=True))


def leg_status(form: Form) -> LegStatus:
    """An outbound leg's status callback; a word Twilio does not send means unknown."""
    return call_status(text(form, "CallStatus", 20)) or LegStatus.UNKNOWN


def queue_wait(form: Form) -> QueueWait:
    """Queue figures are only shown to the caller: a malformed one is simply unknown."""
    return QueueWait(number(form, "QueuePosition", MAX_CALL_S, strict=False),
                     number(form, "QueueTime", MAX_CALL_S, strict=False),
                     number(form, "AvgQueueTime", MAX_CALL_S, strict=False))


def queue_done(form: Form) -> QueueDone:
    return QueueDone(queue_exit(text(form, "QueueResult", 20)),
                     number(form, "QueueTime", MAX_CALL_S, strict=False))


def dial_answered(form: Form) -> bool:
    return call_status(form.get("DialCallStatus")) in (LegStatus.COMPLETED,
                                                       LegStatus.IN_PROGRESS)


def recording(form: Form) -> RecordingReady:
    return RecordingReady(
        text(form, "RecordingSid", 40), text(form, "RecordingUrl", 500),
        number(form, "RecordingDuration", MAX_RECORDING_S, strict=True),
        form.get("RecordingStatus", "completed") == "completed")


def delivery(form: Form) -> DeliveryReceipt:
    sid, status = text(form, "MessageSid", 64), text(form, "MessageStatus", 20)
    if not sid or not status:
        raise Malformed(description="MessageSid and MessageStatus are required")
    return DeliveryReceipt(sid, delivery_status(status), text(form, "ErrorCode", 10) or None)


def fallback_notice(form: Form) -> FallbackNotice:
    return FallbackNotice(text(form, "ErrorCode", 10) or "?", form.get("ErrorUrl", ""))
