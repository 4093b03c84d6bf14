"""The queue's waitUrl and the answers given while waiting, rendered as TwiML."""

from __future__ import annotations

import logging

from flask import Response, current_app, request, send_file
from twilio.twiml.voice_response import Gather, VoiceResponse

from .. import calls
from ..flow.actions import Play, Say
from ..hold import library, plan
from ..hold import service as hold
from ..hold.models import HoldSegment
from ..models import db
from .fields import form_int, form_text
from .person import keep_holding
from .security import twilio_signed
from .views import MAX_CALL_S, bp, twiml, url

log = logging.getLogger(__name__)


def _int(name: str) -> int | None:
    """Queue figures are only shown to the caller: a malformed one is simply unknown."""
    return form_int(name, MAX_CALL_S, strict=False)


def segment_url(segment: plan.Segment) -> str:
    """Versioned by content hash: the provider caches audio by URL."""
    return url("voice.hold_audio", segment_id=segment.id, version=segment.version)


def render(actions, queue: str) -> VoiceResponse:
    response = VoiceResponse()
    for action in actions:
        if isinstance(action, plan.Ask):
            extra = {"hints": ", ".join(action.hints)} if action.hints else {}
            if action.max_digits > 1:
                extra["finish_on_key"] = "#"
            gather = Gather(input="dtmf speech", action=url("voice.hold_input",
                            queue=queue, purpose=action.purpose), method="POST",
                            timeout=action.timeout_s, num_digits=action.max_digits,
                            action_on_empty_result=False, **extra)
            for prompt in action.prompts:
                _prompt(gather, prompt)
            response.append(gather)
        elif isinstance(action, Say | Play):
            _prompt(response, action)
        elif isinstance(action, plan.LeaveQueue):
            response.leave()
            return response
    response.redirect(url("voice.wait", queue=queue), method="POST")
    return response


def _prompt(parent, prompt) -> None:
    if isinstance(prompt, Say):
        parent.say(prompt.text, language=prompt.language, voice=prompt.voice)
    else:
        parent.play(prompt.url)


def fallback(queue: str) -> Response:
    """Unknown call or a failure: keep the caller in the queue with music, never silence."""
    db.session.rollback()
    return keep_holding(queue)


@bp.post("/wait")
@twilio_signed
def wait():
    def next_piece(call, session, state, catalog):
        position, queue_time = _int("QueuePosition"), _int("QueueTime") or 0
        wait_info = plan.Wait(position, queue_time, hold.estimate_s(
            session.queue, position, _int("AvgQueueTime"), session.entry_position, queue_time),
            hold.agents_on(session.queue))
        return plan.reply(state, wait_info, catalog), wait_info

    return on_hold(next_piece)


@bp.post("/hold-input")
@twilio_signed
def hold_input():
    def answered(call, session, state, catalog):
        wait_info = hold.last_wait(session)
        return plan.answer(state, wait_info, catalog, request.args.get("purpose", "")[:20],
                           form_text("Digits", 16) or None,
                           form_text("SpeechResult", 300) or None), wait_info

    return on_hold(answered)


def on_hold(decide) -> Response:
    """Load the caller's hold session, let the planner decide, save, render. Any failure
    (or a call we do not know) keeps the caller in the queue with music."""
    queue = request.args.get("queue", current_app.config["DEFAULT_QUEUE"])[:40]
    call = calls.find_call(request.form.get("CallSid", ""))
    if call is None:
        log.warning("hold request for a call we have no record of; playing music")
        return fallback(queue)
    try:
        session = hold.session_for(call, queue, _int("QueuePosition"))
        step, wait_info = decide(call, session, plan.HoldState.from_dict(session.state),
                                 hold.catalog(call, queue, segment_url,
                                              url("voice.hold_music"),
                                              joining=not (session.state or {}).get("offered")))
        hold.save(call, session, step, wait_info)
        db.session.commit()
        return twiml(render(step.actions, queue))
    except Exception:
        log.exception("hold request failed for call %s", call.call_sid)
        return fallback(queue)


@bp.get("/hold-audio/<int:segment_id>/<version>.wav")
def hold_audio(segment_id: int, version: str):
    """Files are found through the database row only; no request text reaches a path."""
    segment = db.session.get(HoldSegment, segment_id)
    if segment is None or not segment.sha256.startswith(version):
        return Response(status=404)
    path = library.playable_file(segment)  # any machine: the database has every file
    return send_file(path, mimetype="audio/wav", max_age=31536000, conditional=True,
                     etag=segment.sha256)
