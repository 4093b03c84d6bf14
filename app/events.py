"""The words of the call log: event kinds, call outcomes and hand-off reasons.

Stored as plain strings (CallEvent.kind, Call.outcome, Call.handoff_reason), so each enum
is a StrEnum: a member equals its stored value and old rows read back unchanged. Pure
(standard library only), so the flow core, the services and the edges can all use it.
"""

from __future__ import annotations

from enum import StrEnum


class EventKind(StrEnum):
    """What a CallEvent row records. The engine's and the hold planner's trace kinds are
    among them (tests/test_architecture.py checks that every kind written is listed)."""

    # the menu engine
    ENTERED = "entered"
    INPUT = "input"
    MATCH = "match"
    NO_MATCH = "no_match"
    NO_INPUT = "no_input"
    UNUSABLE_SPEECH = "unusable_speech"
    CONFIRM = "confirm"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    GLOBAL = "global"
    ESCALATE = "escalate"
    HANDOFF = "handoff"
    COLLECTED = "collected"
    LOOKUP = "lookup"
    LOOKUP_FAILED = "lookup_failed"
    LINK_SENT = "link_sent"
    HOURS_CHECKED = "hours_checked"
    RETURNING_CALLER = "returning_caller"
    IGNORED = "ignored"
    ERROR = "error"
    # the webhooks and the call's life
    RETRY = "retry"
    STALE_TURN = "stale_turn"
    LISTENING = "listening"
    HEARD = "heard"
    SPEECH_FALLBACK = "speech_fallback"
    VOICEMAIL_OFFERED = "voicemail_offered"
    VOICEMAIL = "voicemail"
    ENDED = "ended"
    RECONCILED = "reconciled"
    # texted links
    LINK_OPENED = "link_opened"
    LINK_SUBMITTED = "link_submitted"
    CONFIRMATION_FAILED = "confirmation_failed"
    # on hold (the planner's traces and the wait's result)
    HOLD_JOINED = "hold_joined"
    HOLD_PLAYED = "hold_played"
    HOLD_CHANNEL = "hold_channel"
    HOLD_INPUT = "hold_input"
    HOLD_NO_MATCH = "hold_no_match"
    HOLD_NEXT = "hold_next"
    HOLD_ALL_HEARD = "hold_all_heard"
    HOLD_ANNOUNCED = "hold_announced"
    HOLD_ESTIMATE_ROSE = "hold_estimate_rose"
    HOLD_STILL_WITH_YOU = "hold_still_with_you"
    HOLD_UNANSWERABLE = "hold_unanswerable"
    HOLD_QUIZ_ANSWERED = "hold_quiz_answered"
    HOLD_CALLBACK_OFFERED = "hold_callback_offered"
    HOLD_CALLBACK_REQUESTED = "hold_callback_requested"
    HOLD_CALLBACK_READ_BACK = "hold_callback_read_back"
    HOLD_CALLBACK_TIME_REFUSED = "hold_callback_time_refused"
    HOLD_VOICEMAIL_CHOSEN = "hold_voicemail_chosen"
    HOLD_ANSWERED = "hold_answered"
    HOLD_ABANDONED = "hold_abandoned"
    HOLD_CALLBACK = "hold_callback"
    HOLD_VOICEMAIL = "hold_voicemail"
    # an agent's in-call control (hold, mute, transfer, end), with its action in detail
    AGENT_CONTROL = "agent_control"


class Outcome(StrEnum):
    """How a call left the IVR (Call.outcome); a provider's final status word otherwise."""

    SELF_SERVICE = "self_service"
    ESCALATED = "escalated"
    TRANSFERRED = "transferred"
    VOICEMAIL = "voicemail"
    ABANDONED_IN_IVR = "abandoned_in_ivr"
    IN_PROGRESS = "in_progress"  # analytics' word for a call with no outcome yet


class WaitResult(StrEnum):
    """How a wait in a queue ended (HoldSession.outcome; hold_<result> in the log)."""

    ANSWERED = "answered"
    ABANDONED = "abandoned"
    CALLBACK = "callback"
    VOICEMAIL = "voicemail"

    @property
    def event(self) -> EventKind:
        return EventKind(f"hold_{self.value}")


class HandoffReason(StrEnum):
    """Why a caller went to a person (Call.handoff_reason, shown to the agent)."""

    ASKED = "asked for a person"
    SELF_SERVICE_FAILED = "self-service could not help"
    NO_INPUT = "no input"
    NOT_UNDERSTOOD = "kept failing to be understood"
    MENU_FAILED = "the menu could not continue"
    LOOKUP_FAILED = "lookup failed"
    OUT_OF_TIME = "turn time budget spent"
    SYSTEM_ERROR = "system error"
    CALL_REPLAYED = "call replayed"
    LEFT_VOICEMAIL = "left a voicemail"
    NOBODY_ANSWERED = "nobody could answer"
    AGENT_TRANSFER = "transferred by an agent"
