"""Twilio's status words, each mapped to ours. A word Twilio may add later maps to the
safe default of its kind, never to a crash."""

from __future__ import annotations

from ..port import CallStatus, DeliveryStatus, QueueExit

# CallStatus of a status callback, DialCallStatus, and a call fetched over REST.
CALL_STATUS = {
    "queued": CallStatus.QUEUED, "initiated": CallStatus.QUEUED,
    "ringing": CallStatus.RINGING, "in-progress": CallStatus.IN_PROGRESS,
    "answered": CallStatus.IN_PROGRESS, "completed": CallStatus.COMPLETED,
    "busy": CallStatus.BUSY, "failed": CallStatus.FAILED,
    "no-answer": CallStatus.NO_ANSWER, "canceled": CallStatus.CANCELED,
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


def call_status(word: str | None) -> CallStatus | None:
    """None for a word Twilio does not send: the caller of this decides (400 or unknown)."""
    return CALL_STATUS.get(word or "")


def queue_exit(word: str | None) -> QueueExit:
    return QUEUE_RESULT.get(word or "", QueueExit.FAILED)


def delivery_status(word: str | None) -> DeliveryStatus:
    return MESSAGE_STATUS.get(word or "", DeliveryStatus.UNKNOWN)
