"""Voicemail: the recording ends the call politely; its transcript is made on our servers.

The provider's recording callback arrives once the audio is ready. Transcribing a
two-minute message takes longer than a webhook may, so it is a persisted job; the
voicemail becomes a callback in its team's line, with the transcript in the screen pop.
"""

from __future__ import annotations

import logging

from flask import Response, current_app, request
from twilio.twiml.voice_response import VoiceResponse

from ..calls import session as calls
from ..flow.phrases import phrases
from ..hold.models import CallbackRequest
from ..jobs import queue_transcript
from ..models import CallEvent, db, utcnow
from .fields import form_int, form_text
from .security import twilio_signed
from .views import bp, twiml

log = logging.getLogger(__name__)
MAX_RECORDING_S = 4 * 3600  # the provider's own limit on one recording


@bp.post("/recorded")
@twilio_signed
def recorded():
    """The caller finished (or pressed #): thank them in their language and hang up. The
    Record's URL carries language and voice, so this needs no database."""
    language = request.args.get("language", "en-US")[:12]
    voice = request.args.get("voice", "")[:60] or None
    response = VoiceResponse()
    response.say(phrases(language).t(
        "Thank you. Your message is saved, and one of our team will call you back."),
        language=language, voice=voice)
    response.hangup()
    return twiml(response)


@bp.post("/recording")
@twilio_signed
def recording():
    call = calls.find_call(request.form.get("CallSid", ""))
    if call is None or request.form.get("RecordingStatus", "completed") != "completed":
        return Response(status=204)
    event = CallEvent(call=call, kind="voicemail", detail={
        "recording_sid": form_text("RecordingSid", 40),
        "duration_s": form_int("RecordingDuration", MAX_RECORDING_S, strict=True),
        "status": "transcribing", "recording_url": form_text("RecordingUrl", 500),
        "language": request.args.get("language", "en-US")[:12]})
    db.session.add(event)
    db.session.add(CallbackRequest(call=call, number=call.from_number, joined_at=utcnow(),
                                   queue=call.queue or current_app.config["DEFAULT_QUEUE"]))
    db.session.commit()
    queue_transcript(event)
    return Response(status=204)
