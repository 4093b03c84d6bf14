"""Voicemail transcripts: the background job's work, and the ones a lost job left behind."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from .. import telephony
from ..events import EventKind
from ..models import CallEvent, db, utcnow
from ..speech import service as speech
from ..speech.registry import ModelError
from ..speech.transcribe import transcribe

log = logging.getLogger(__name__)
STUCK_AFTER = timedelta(minutes=30)  # a transcript job takes a minute or two
TRANSCRIBING = "transcribing"


def stuck_transcripts() -> list[CallEvent]:
    """Voicemails still "transcribing" long after any job would have finished: the
    worker died mid-job (a dequeued job is not retried) or the job store was lost."""
    now = utcnow()
    events = db.session.scalars(select(CallEvent).where(
        CallEvent.kind == EventKind.VOICEMAIL, CallEvent.at < now - STUCK_AFTER,
        CallEvent.at > now - timedelta(days=2)).order_by(CallEvent.id).limit(100))
    return [e for e in events if e.detail.get("status") == TRANSCRIBING
            and e.detail.get("recording_url") is not None]


def transcribe_message(event_id: int, recording_url: str, language: str) -> None:
    """The job: fetch the audio, transcribe it, and put the outcome on the voicemail."""
    event = db.session.get(CallEvent, event_id)
    if event is None or event.detail.get("status") != TRANSCRIBING:
        return  # done already (a job may run twice after a crash)
    audio = telephony.fetch_recording(recording_url)
    try:
        if audio is None:
            outcome = {"status": "no audio (recording not reachable)"}
        else:
            text = transcribe(audio, speech.registry().get(language))
            outcome = {"status": "transcribed", "transcript": text}
    except ModelError as exc:
        outcome = {"status": f"not transcribed: {exc}"[:200]}
    except Exception:  # an unexpected failure must not leave "transcribing" forever
        log.exception("voicemail transcription failed")
        outcome = {"status": "not transcribed: internal error"}
    event.detail = {**event.detail, **outcome}
    db.session.commit()
