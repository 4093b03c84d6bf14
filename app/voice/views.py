"""Voice webhooks: the provider's requests, parsed by its adapter into neutral events, go
to the engine; its actions go back through the adapter's renderer."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from urllib.parse import parse_qs

from flask import Blueprint, Response, abort, current_app, request, send_file
from sqlalchemy.exc import IntegrityError

from .. import call_rows, providers
from ..apology import apology_for, speaks
from ..calls import session as calls
from ..flow.actions import Enqueue, Event, Hangup, NoInput, Say, Start, Transfer
from ..models import Call, db
from ..providers.port import CallInfo, EdgeAction, Turn, provider_int
from ..urls import external_url
from . import listening
from .security import provider_signed

log = logging.getLogger(__name__)
bp = Blueprint("voice", __name__, url_prefix="/voice")

LANGUAGE = re.compile(r"[a-z]{2}(-[A-Z]{2})?")
MAX_TURN = 10_000  # far beyond any real call
MAX_CALL_S = 24 * 3600  # the provider ends every call within a day


NO_TURN = Turn()  # instructions that answer to no turn of the engine
url = external_url  # every URL we give the provider is absolute, under PUBLIC_BASE_URL


def rendered(actions: Sequence[EdgeAction], turn: Turn = NO_TURN) -> str:
    return providers.current().render(actions, url, turn)


def reply(actions: Sequence[EdgeAction] | str, turn: Turn = NO_TURN) -> Response:
    """Actions (or instructions rendered before, replayed) as the provider's response."""
    body = actions if isinstance(actions, str) else rendered(actions, turn)
    return Response(body, mimetype=providers.current().media_type)


def this_call() -> CallInfo:
    """The call leg this webhook is about, as the provider's adapter reads it."""
    return providers.current().call(request.form)


def call_sid() -> str:
    """Requests that cannot belong to a real call are refused with a 400."""
    sid = this_call().call_id
    if not providers.current().call_id_valid(sid):
        abort(400, description="missing or malformed call id")
    return sid


def apology(queue: str, language: str = "en-US", number: str | None = None) -> list:
    """When anything breaks: say sorry in the caller's language and put them through to
    a person: the fallback number when given, else the queue."""
    return [Say(apology_for(language), language=speaks(language)),
            Transfer(number) if number else Enqueue(queue, "system error")]


def request_key() -> str:
    """Same path, turn and parameters: a retry of a webhook we already answered."""
    body = sorted(request.form.items(multi=True))
    raw = f"{request.path}?{request.query_string.decode('latin-1')}|{body}"
    return hashlib.sha256(raw.encode()).hexdigest()


def answer(call: Call, event: Event) -> Response:
    """Run one event for a call once; a retried webhook gets the same answer again."""
    key = request_key()
    if call.last_request_key == key and call.last_response:
        calls.record_event(call, "retry", reason="webhook repeated; input not applied twice")
        db.session.commit()
        return reply(call.last_response)
    if call.menu_version_id is None:
        return fail(call, "no menu published for this number")
    if not isinstance(event, Start) and asked_turn() != call.state.get("turn"):
        return current_prompt(call, "input for another turn; not applied")
    actions = calls.advance(call, event)
    turn = call.state["turn"]
    actions = listening.route_listens(call, actions, turn)
    body = rendered(actions, Turn(turn, call.call_sid))
    call.last_request_key, call.last_response = key, body
    return committed(call, body)


def committed(call: Call, body: str) -> Response:
    """Commit the answer; a new call's row goes in now, with it. When a concurrent first
    request for the same call inserted the row first, this one is its retry: answer as
    the call's row says (the same body gets the same answer), never a 500."""
    call_rows.keep(call)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        first = calls.find_call(call.call_sid)
        if first is None:
            raise
        log.info("call %s was opened by a concurrent request", call.call_sid)
        return rejoin(first)
    return reply(body)


def asked_turn() -> int | None:
    """The turn our Gather (or Connect) action URL named; None when it names none."""
    return provider_int(request.args.get("turn", ""), MAX_TURN)


def current_prompt(call: Call, reason: str) -> Response:
    """A replayed or forged turn: ask the question the caller is on now, once more."""
    calls.record_event(call, "stale_turn", reason=reason, turn=asked_turn())
    db.session.commit()
    if call.last_response:
        return reply(call.last_response)
    return fail(call, reason)


def rejoin(call: Call) -> Response:
    """/voice/incoming again for a call we know: a retry gets the same answer; a call
    that ended hangs up, one handed to a person goes back to them, else the current
    prompt. Never an empty response."""
    if call.last_request_key == request_key() and call.last_response:
        return reply(call.last_response)
    if call.status != "in-progress":
        calls.record_event(call, "stale_turn", reason="incoming replayed after the call ended")
        db.session.commit()
        return reply([Hangup()])
    if (call.state or {}).get("done"):
        queue = call.queue or current_app.config["DEFAULT_QUEUE"]
        calls.record_event(call, "stale_turn", reason="incoming replayed after hand-off")
        db.session.commit()
        return reply([Enqueue(queue, "call replayed")], Turn(0, call.call_sid))
    return current_prompt(call, "incoming replayed mid-call")


def fail(call: Call | None, reason: str) -> Response:
    """Apologise and queue the caller for a person; never a 500, never dead air. When the
    database fails here too, the blueprint's error handler answers without it."""
    db.session.rollback()
    log.error("call %s: %s", call.call_sid if call else "?", reason)
    queue = current_app.config["DEFAULT_QUEUE"]
    language = request_language()
    if call is not None:
        call = calls.reloaded(call)
        calls.record_event(call, "error", reason=reason)
        call.queue, call.handoff_reason, call.outcome = queue, "system error", "escalated"
        call.state = {**(call.state or {}), "done": True}
        if "lang" not in request.args:  # /voice/incoming: the menu knows the language
            language = calls.language_of(call)
        db.session.commit()
    return reply(apology(queue, language))


def request_language(query: str | None = None) -> str:
    """The call's language from the `lang` our own URLs carry (this request's, or the
    query of another URL of ours); en-US when unknown."""
    values = request.args.getlist("lang") if query is None else parse_qs(query).get("lang")
    value = (values or ["en-US"])[0]
    return value if LANGUAGE.fullmatch(value) else "en-US"


@bp.post("/incoming")
@provider_signed
def incoming():
    sid, info = call_sid(), this_call()
    call = calls.open_call(sid, info.caller, info.dialled)
    if call.state:  # not our first answer to this call
        return guarded(call, lambda: rejoin(call))
    return guarded(call, lambda: answer(call, Start(calls.opening_profile(call))))


@bp.post("/input", endpoint="input")  # the endpoint keeps its name; the function
@provider_signed                      # does not shadow the builtin
def caller_input():
    call = known_call()
    return guarded(call, lambda: answer(call, providers.current().caller_input(request.form)))


@bp.post("/no-input")
@provider_signed
def no_input():
    call = known_call()
    return guarded(call, lambda: answer(call, NoInput()))


def known_call() -> Call:
    """A signed request for a call we have no record of still gets a person."""
    sid = call_sid()
    call = calls.load_call(sid)
    if call is None:
        info = this_call()
        call = calls.open_call(sid, info.caller, info.dialled)
        calls.record_event(call, "error", reason="input for a call we had no record of")
        call.state = {"done": True}
    return call


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
        return reply(call.last_response)
    return fail(call, "input after the call was handed off")


@bp.post("/status")
@provider_signed
def status():
    call = calls.find_call(call_sid())
    if call is None:
        return Response(status=204)
    ended = providers.current().call_ended(request.form)
    calls.end_call(call, ended.status, ended.duration_s)
    db.session.commit()
    return Response(status=204)


@bp.get("/hold-music.wav")
def hold_music():
    """Audio is fetched unsigned by the provider's media fetcher; it reveals nothing."""
    from ..hold.default_music import default_track

    path = default_track(current_app.config["AUDIO_DIR"])
    return send_file(path, mimetype="audio/wav", max_age=86400, conditional=True)


@bp.post("/queue-done")
@provider_signed
def queue_done():
    """After the queue: bridged callers are done; otherwise never leave them in silence."""
    done = providers.current().queue_done(request.form)
    call = calls.find_call(this_call().call_id)
    language = calls.language_of(call) if call is not None else request_language()
    if call is not None:
        from ..hold import service as hold

        outcome = hold.end(call, done.exit, done.queue_time_s)
        if outcome == "voicemail":  # nobody could answer and the caller chose a message
            message = calls.voicemail_for(call)
            db.session.commit()
            return reply(message, Turn(call.state.get("turn", 0), call.call_sid))
        db.session.commit()
    if done.exit.nobody_waiting:
        return reply([Hangup()])
    return reply(apology(current_app.config["DEFAULT_QUEUE"], language))


@bp.post("/dial-done")
@provider_signed
def dial_done():
    if not providers.current().dial_answered(request.form):
        return reply(apology(current_app.config["DEFAULT_QUEUE"], request_language()))
    return reply([Hangup()])
