"""The path to a person that needs no database: outages, the Fallback URL, any failure.

Every caller-facing webhook ends here when something breaks, even when the error
path itself cannot reach the database. Nothing in this module reads or writes it.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qs, urlsplit

from flask import Response, current_app, request
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.exceptions import HTTPException

from ..models import db
from .security import twilio_signed
from .twiml import apology
from .views import bp, hold_music, request_language, twiml, url

log = logging.getLogger(__name__)
# Callbacks nobody hears: an empty answer is all the provider needs.
CALLBACKS = {"voice.status", "voice.recording", "voice.agent_status"}
HOLD = {"voice.wait", "voice.hold_input"}  # already in the queue: keep them there
# An agent's own leg: never put an agent in the callers' queue; the caller keeps their place.
AGENT_LEGS = {"voice.agent_leg", "voice.agent_connect", "voice.agent_notice"}
AGENT_SORRY = "Sorry, we cannot connect this call right now. The caller keeps their place."
ENDED = ("bridged", "hangup", "leave", "redirected")  # QueueResult: nobody is waiting
FAILED_URLS = {"voice.wait": "/voice/wait", "voice.hold_input": "/voice/hold-input",
               "voice.status": "/voice/status", "voice.queue_done": "/voice/queue-done"}


def reach_person(language: str) -> Response:
    """Sorry, then the fallback number when one is set (agents' consoles need the
    database), else the default queue, which the provider holds."""
    return twiml(apology(url, current_app.config["DEFAULT_QUEUE"], language,
                         current_app.config.get("FALLBACK_NUMBER")))


def keep_holding(queue: str) -> Response:
    """A caller in the queue hears music; the provider keeps their place."""
    response = VoiceResponse()
    response.play(url("voice.hold_music"))
    response.redirect(url("voice.wait", queue=queue[:40]), method="POST")
    return twiml(response)


def hang_up(notice: str | None = None) -> Response:
    response = VoiceResponse()
    if notice:
        response.say(notice)
    response.hangup()
    return twiml(response)


def without_database(endpoint: str | None, query: str = "") -> Response:
    """What a webhook answers when it cannot finish: never a 500, never silence."""
    if endpoint in CALLBACKS:
        return Response(status=204)
    if endpoint == "voice.hold_audio":  # a Play inside hold TwiML: music from disk instead
        return hold_music()
    if endpoint in HOLD:
        queue = (parse_qs(query).get("queue") or [current_app.config["DEFAULT_QUEUE"]])[0]
        return keep_holding(queue)
    if endpoint in AGENT_LEGS:
        return hang_up(AGENT_SORRY)
    if endpoint == "voice.queue_done" and request.form.get("QueueResult", "") in ENDED:
        return hang_up()  # bridged or gone: never queue a caller again after the agent
    return reach_person(request_language(query))


@bp.errorhandler(Exception)
def failed(exc: Exception):
    """Anything a webhook did not handle (a database outage first of all)."""
    if isinstance(exc, HTTPException):
        return exc  # refusals (400, 403, 404) stay refusals
    log.exception("webhook %s failed; answering without the database", request.path)
    try:
        db.session.rollback()
    except Exception:  # a dead connection may fail to roll back too
        log.warning("rollback failed after a webhook error")
    return without_database(request.endpoint, request.query_string.decode("latin-1"))


@bp.post("/fallback")
@twilio_signed
def fallback():
    """The number's Fallback URL: the provider could not use our answer (ErrorCode,
    ErrorUrl). Answers from the failed URL alone; never touches the database."""
    failed_url = urlsplit(request.form.get("ErrorUrl", ""))
    log.error("provider fell back (error %s) from %s", request.form.get("ErrorCode", "?")[:10],
              failed_url.path[:200])
    endpoint = next((name for name, path in FAILED_URLS.items()
                     if failed_url.path.endswith(path)), None)
    return without_database(endpoint, failed_url.query)
