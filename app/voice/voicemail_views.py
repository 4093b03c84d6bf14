"""Voicemail: the recording ends the call politely; its transcript is made on our servers.

The provider's recording callback arrives once the audio is ready. Transcribing a
two-minute message takes longer than a webhook may, so it is a persisted job; the
voicemail becomes a callback in its team's line, with the transcript in the screen pop.
"""

from __future__ import annotations

import logging

from flask import Response, current_app, request

from .. import providers
from ..calls import session as calls
from ..calls.voicemail import TRANSCRIBING
from ..events import EventKind
from ..flow.actions import Hangup, Say
from ..flow.phrases import phrases
from ..hold.models import CallbackRequest
from ..jobs import queue_transcript
from ..models import CallEvent, db, utcnow
from .security import provider_signed
from .views import bp, reply, this_call

log = logging.getLogger(__name__)


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
    event = CallEvent(call=call, kind=EventKind.VOICEMAIL, detail={
        "recording_sid": ready.recording_id, "duration_s": ready.duration_s,
        "status": TRANSCRIBING, "recording_url": ready.url,
        "language": request.args.get("language", "en-US")[:12]})
    db.session.add(event)
    db.session.add(CallbackRequest(call=call, number=call.from_number, joined_at=utcnow(),
                                   queue=call.queue or current_app.config["DEFAULT_QUEUE"]))
    db.session.commit()
    queue_transcript(event)
    return Response(status=204)

