"""Twilio's status words, each mapped to ours. A word Twilio may add later maps to the
safe default of its kind, never to a crash."""

from __future__ import annotations

from ..port import DeliveryStatus, LegStatus, QueueExit

# CallStatus of a status callback, DialCallStatus, and a call fetched over REST.
CALL_STATUS = {
    "queued": LegStatus.QUEUED, "initiated": LegStatus.QUEUED,
    "ringing": LegStatus.RINGING, "in-progress": LegStatus.IN_PROGRESS,
    "answered": LegStatus.IN_PROGRESS, "completed": LegStatus.COMPLETED,
    "busy": LegStatus.BUSY, "failed": LegStatus.FAILED,
    "no-answer": LegStatus.NO_ANSWER, "canceled": LegStatus.CANCELED,
}

# QueueResult of the <Enqueue action> request.
QUEUE_RESULT = {
    "bridged": QueueExit.ANSWERED, "bridging-in-process": QueueExit.ANSWERED,
    "hangup": QueueExit.HUNG_UP, "leave": QueueExit.LEFT,
    "redirected": QueueExit.REDIRECTED, "redirected-from-wait": QueueExit.REDIRECTED,
    "queue-full": QueueExit.FAILED, "error": QueueExit.FAILED,
    "system-error": QueueExit.FAILED,
}

# MessageStatus of an SMS status callback and of a message just created.
MESSAGE_STATUS = {
    "accepted": DeliveryStatus.QUEUED, "scheduled": DeliveryStatus.QUEUED,
    "queued": DeliveryStatus.QUEUED, "sending": DeliveryStatus.QUEUED,
    "sent": DeliveryStatus.SENT, "delivered": DeliveryStatus.DELIVERED,
    "undelivered": DeliveryStatus.UNDELIVERED, "failed": DeliveryStatus.FAILED,
    "read": DeliveryStatus.READ, "canceled": DeliveryStatus.CANCELED,
}


def call_status(word: str | None) -> LegStatus | None:
    """None for a word Twilio does not send: the caller of this decides (400 or unknown)."""
    return CALL_STATUS.get(word or "")


def queue_exit(word: str | None) -> QueueExit:
    return QUEUE_RESULT.get(word or "", QueueExit.FAILED)


def delivery_status(word: str | None) -> DeliveryStatus:
    return MESSAGE_STATUS.get(word or "", DeliveryStatus.UNKNOWN)
