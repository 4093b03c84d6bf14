"""Voice webhooks: translate Twilio requests into engine events and actions into TwiML."""

from __future__ import annotations

import hashlib
import logging
import re
from urllib.parse import parse_qs

from flask import Blueprint, Response, abort, current_app, request, send_file
from twilio.twiml.voice_response import VoiceResponse

from ..calls import session as calls
from ..flow.actions import Enqueue, Event, Hangup, Input, NoInput, Start
from ..models import Call, db
from ..urls import external_url
from . import listening
from .fields import CALL_STATUSES, form_int, form_text, provider_int
from .security import twilio_signed
from .twiml import apology, render

log = logging.getLogger(__name__)
bp = Blueprint("voice", __name__, url_prefix="/voice")

CALL_SID = re.compile(r"CA[0-9a-fA-F]{32}")  # always fullmatch: "$" allows a newline
LANGUAGE = re.compile(r"[a-z]{2}(-[A-Z]{2})?")
MAX_SPEECH = 500  # characters; longer is not one answer to one prompt
MAX_DIGITS = 32
MAX_TURN = 10_000  # far beyond any real call
MAX_CALL_S = 24 * 3600  # the provider ends every call within a day


url = external_url  # every URL in TwiML is absolute, under PUBLIC_BASE_URL


def twiml(response: VoiceResponse | str) -> Response:
    return Response(str(response), mimetype="text/xml")


def call_sid() -> str:
    """Requests that cannot belong to a real call are refused with a 400."""
    sid = request.form.get("CallSid", "")
    if not CALL_SID.fullmatch(sid):
        abort(400, description="missing or malformed CallSid")
    return sid


def request_key() -> str:
    """Same path, turn and parameters: a retry of a webhook we already answered."""
    body = sorted(request.form.items(multi=True))
    raw = f"{request.path}?{request.query_string.decode('latin-1')}|{body}"
    return hashlib.sha256(raw.encode()).hexdigest()


def answer(call: Call, event: Event) -> Response:
    """Run one event for a call once; a retried webhook gets the same TwiML again."""
    key = request_key()
    if call.last_request_key == key and call.last_response:
        calls.record_event(call, "retry", reason="webhook repeated; input not applied twice")
        db.session.commit()
        return twiml(call.last_response)
    if call.menu_version is None:
        return fail(call, "no menu published for this number")
    if not isinstance(event, Start) and asked_turn() != call.state.get("turn"):
        return current_prompt(call, "input for another turn; not applied")
    actions = calls.advance(call, event)
    turn = call.state["turn"]
    actions = listening.route_listens(call, actions, turn)
    body = str(render(actions, url, turn, call.call_sid))
    call.last_request_key, call.last_response = key, body
    db.session.commit()
    return twiml(body)


def asked_turn() -> int | None:
    """The turn our Gather (or Connect) action URL named; None when it names none."""
    return provider_int(request.args.get("turn", ""), MAX_TURN)


def current_prompt(call: Call, reason: str) -> Response:
    """A replayed or forged turn: ask the question the caller is on now, once more."""
    calls.record_event(call, "stale_turn", reason=reason, turn=asked_turn())
    db.session.commit()
    if call.last_response:
        return twiml(call.last_response)
    return fail(call, reason)


def rejoin(call: Call) -> Response:
    """/voice/incoming again for a call we know: a retry gets the same TwiML; a call
    that ended hangs up, one handed to a person goes back to them, else the current
    prompt. Never an empty response."""
    if call.last_request_key == request_key() and call.last_response:
        return twiml(call.last_response)
    if call.status != "in-progress":
        calls.record_event(call, "stale_turn", reason="incoming replayed after the call ended")
        db.session.commit()
        return twiml(render([Hangup()], url, 0))
    if (call.state or {}).get("done"):
        queue = call.queue or current_app.config["DEFAULT_QUEUE"]
        calls.record_event(call, "stale_turn", reason="incoming replayed after hand-off")
        db.session.commit()
        return twiml(render([Enqueue(queue, "call replayed")], url, 0, call.call_sid))
    return current_prompt(call, "incoming replayed mid-call")


def fail(call: Call | None, reason: str) -> Response:
    """Apologise and queue the caller for a person; never a 500, never dead air. When the
    database fails here too, the blueprint's error handler answers without it."""
    db.session.rollback()
    log.error("call %s: %s", call.call_sid if call else "?", reason)
    queue = current_app.config["DEFAULT_QUEUE"]
    language = request_language()
    if call is not None:
        call = db.session.merge(call)
        calls.record_event(call, "error", reason=reason)
        call.queue, call.handoff_reason, call.outcome = queue, "system error", "escalated"
        call.state = {**(call.state or {}), "done": True}
        if "lang" not in request.args:  # /voice/incoming: the menu knows the language
            language = calls.language_of(call)
        db.session.commit()
    return twiml(apology(url, queue, language))


def request_language(query: str | None = None) -> str:
    """The call's language from the `lang` our own URLs carry (this request's, or the
    query of another URL of ours); en-US when unknown."""
    values = request.args.getlist("lang") if query is None else parse_qs(query).get("lang")
    value = (values or ["en-US"])[0]
    return value if LANGUAGE.fullmatch(value) else "en-US"


@bp.post("/incoming")
@twilio_signed
def incoming():
    sid = call_sid()
    call = calls.open_call(sid, form_text("From", 32), form_text("To", 32))
    if call.state:  # not our first answer to this call
        return guarded(call, lambda: rejoin(call))
    return guarded(call, lambda: answer(call, Start(
        calls.caller_profile(call.customer, call.from_number))))


@bp.post("/input", endpoint="input")  # the endpoint keeps its name; the function
@twilio_signed                        # does not shadow the builtin
def caller_input():
    call = known_call()
    return guarded(call, lambda: answer(call, input_event()))


@bp.post("/no-input")
@twilio_signed
def no_input():
    call = known_call()
    return guarded(call, lambda: answer(call, NoInput()))


def known_call() -> Call:
    """A signed request for a call we have no record of still gets a person."""
    sid = call_sid()
    call = calls.find_call(sid)
    if call is None:
        call = calls.open_call(sid, form_text("From", 32), form_text("To", 32))
        calls.record_event(call, "error", reason="input for a call we had no record of")
        call.state = {"done": True}
    return call


def input_event() -> Event:
    digits = form_text("Digits", MAX_DIGITS) or None
    speech = form_text("SpeechResult", MAX_SPEECH) or None
    if not digits and not speech:
        return NoInput()
    return Input(digits=digits, speech=speech, confidence=_confidence())


def _confidence() -> float | None:
    try:
        value = float(request.form.get("Confidence", ""))
    except ValueError:
        return None
    return value if 0.0 <= value <= 1.0 else None


def guarded(call: Call, handle) -> Response:
    try:
        if (call.state or {}).get("done") and request.endpoint != "voice.incoming":
            return done_call(call)
        return handle()
    except Exception:
        log.exception("webhook failed for call %s", call.call_sid)
        return fail(call, "internal error")


def done_call(call: Call) -> Response:
    """Input for a call already handed off: keep the caller with a person, not silence."""
    if call.last_response and call.last_request_key == request_key():
        return twiml(call.last_response)
    return fail(call, "input after the call was handed off")


@bp.post("/status")
@twilio_signed
def status():
    call = calls.find_call(call_sid())
    if call is None:
        return Response(status=204)
    status = form_text("CallStatus", 20) or "completed"
    if status not in CALL_STATUSES:
        abort(400, description="not a call status the provider sends")
    calls.end_call(call, status, form_int("CallDuration", MAX_CALL_S, strict=True))
    db.session.commit()
    return Response(status=204)


@bp.get("/hold-music.wav")
def hold_music():
    """Audio is fetched unsigned by the provider's media fetcher; it reveals nothing."""
    from ..hold.default_music import default_track

    path = default_track(current_app.config["AUDIO_DIR"])
    return send_file(path, mimetype="audio/wav", max_age=86400, conditional=True)


@bp.post("/queue-done")
@twilio_signed
def queue_done():
    """After the queue: bridged callers are done; otherwise never leave them in silence."""
    result = form_text("QueueResult", 20)
    call = calls.find_call(request.form.get("CallSid", ""))
    language = calls.language_of(call) if call is not None else request_language()
    if call is not None:
        from ..hold import service as hold

        outcome = hold.end(call, result, form_int("QueueTime", MAX_CALL_S, strict=False))
        if outcome == "voicemail":  # nobody could answer and the caller chose a message
            message = calls.voicemail_for(call)
            db.session.commit()
            return twiml(render(message, url, call.state.get("turn", 0), call.call_sid))
        db.session.commit()
    response = VoiceResponse()
    if result in ("bridged", "hangup", "leave", "redirected"):
        response.hangup()
        return twiml(response)
    return twiml(apology(url, current_app.config["DEFAULT_QUEUE"], language))


@bp.post("/dial-done")
@twilio_signed
def dial_done():
    response = VoiceResponse()
    if request.form.get("DialCallStatus") not in ("completed", "answered"):
        return twiml(apology(url, current_app.config["DEFAULT_QUEUE"], request_language()))
    response.hangup()
    return twiml(response)
