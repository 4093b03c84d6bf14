"""Voicemail: the recording ends the call politely; its transcript is made on our servers.

The provider's recording callback arrives once the audio is ready. Transcribing a
two-minute message takes longer than a webhook may, so it is a persisted job; the
voicemail becomes a callback in its team's line, with the transcript in the screen pop.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import Response, current_app, request
from sqlalchemy import select

from .. import calls, jobs, providers, telephony
from ..flow.actions import Hangup, Say
from ..flow.phrases import phrases
from ..hold.models import CallbackRequest
from ..models import CallEvent, db, utcnow
from ..speech import service as speech
from ..speech.registry import ModelError
from ..speech.transcribe import transcribe
from .security import provider_signed
from .views import bp, reply, this_call

log = logging.getLogger(__name__)
STUCK_AFTER = timedelta(minutes=30)  # a transcript job takes a minute or two


@bp.post("/recorded")
@provider_signed
def recorded():
    """The caller finished (or pressed #): thank them in their language and hang up. The
    Record's URL carries language and voice, so this needs no database."""
    language = request.args.get("language", "en-US")[:12]
    voice = request.args.get("voice", "")[:60] or None
    return reply([Say(phrases(language).t(
        "Thank you. Your message is saved, and one of our team will call you back."),
        language=language, voice=voice), Hangup()])


@bp.post("/recording")
@provider_signed
def recording():
    call = calls.find_call(this_call().call_id)
    ready = providers.current().recording(request.form) if call else None
    if ready is None or not ready.complete:
        return Response(status=204)
    event = CallEvent(call=call, kind="voicemail", detail={
        "recording_sid": ready.recording_id, "duration_s": ready.duration_s,
        "status": "transcribing", "recording_url": ready.url,
        "language": request.args.get("language", "en-US")[:12]})
    db.session.add(event)
    db.session.add(CallbackRequest(call=call, number=call.from_number, joined_at=utcnow(),
                                   queue=call.queue or current_app.config["DEFAULT_QUEUE"]))
    db.session.commit()
    queue_transcript(event)
    return Response(status=204)


def queue_transcript(event: CallEvent) -> None:
    jobs.transcribe_voicemail(event.id, event.detail["recording_url"],
                              event.detail["language"])


def requeue_stuck_transcripts() -> int:
    """Voicemails still "transcribing" long after any job would have finished: the
    worker died mid-job (a dequeued job is not retried) or the job store was lost."""
    now = utcnow()
    events = db.session.scalars(select(CallEvent).where(
        CallEvent.kind == "voicemail", CallEvent.at < now - STUCK_AFTER,
        CallEvent.at > now - timedelta(days=2)).order_by(CallEvent.id).limit(100))
    stuck = [e for e in events if e.detail.get("status") == "transcribing"
             and e.detail.get("recording_url") is not None]
    for event in stuck:
        queue_transcript(event)
    return len(stuck)


def transcribe_message(event_id: int, recording_url: str, language: str) -> None:
    """The job: fetch the audio, transcribe it, and put the outcome on the voicemail."""
    event = db.session.get(CallEvent, event_id)
    if event is None or event.detail.get("status") != "transcribing":
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
