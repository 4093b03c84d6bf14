"""The path to a person that needs no database: outages, the Fallback URL, any failure.

Every caller-facing webhook ends here when something breaks, even when the error
path itself cannot reach the database. Nothing in this module reads or writes it.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qs, urlsplit

from flask import Response, current_app, request
from werkzeug.exceptions import HTTPException

from .. import providers
from ..flow.actions import Hangup, Play, Say
from ..models import db
from ..providers.port import Redirect
from .security import provider_signed
from .views import apology, bp, hold_music, reply, request_language, url

log = logging.getLogger(__name__)
# Callbacks nobody hears: an empty answer is all the provider needs.
CALLBACKS = {"voice.status", "voice.recording", "voice.agent_status"}
HOLD = {"voice.wait", "voice.hold_input"}  # already in the queue: keep them there
# An agent's own leg: never put an agent in the callers' queue; the caller keeps their place.
AGENT_LEGS = {"voice.agent_leg", "voice.agent_connect", "voice.agent_notice"}
AGENT_SORRY = "Sorry, we cannot connect this call right now. The caller keeps their place."
FAILED_URLS = {"voice.wait": "/voice/wait", "voice.hold_input": "/voice/hold-input",
               "voice.status": "/voice/status", "voice.queue_done": "/voice/queue-done"}


def reach_person(language: str) -> Response:
    """Sorry, then the fallback number when one is set (agents' consoles need the
    database), else the default queue, which the provider holds."""
    return reply(apology(current_app.config["DEFAULT_QUEUE"], language,
                         current_app.config.get("FALLBACK_NUMBER")))


def keep_holding(queue: str) -> Response:
    """A caller in the queue hears music; the provider keeps their place."""
    return reply([Play(url("voice.hold_music")), Redirect(url("voice.wait", queue=queue[:40]))])


def hang_up(notice: str | None = None) -> Response:
    return reply([*([Say(notice)] if notice else []), Hangup()])


def without_database(endpoint: str | None, query: str = "") -> Response:
    """What a webhook answers when it cannot finish: never a 500, never silence."""
    if endpoint in CALLBACKS:
        return Response(status=204)
    if endpoint == "voice.hold_audio":  # a Play inside hold instructions: music from disk instead
        return hold_music()
    if endpoint in HOLD:
        queue = (parse_qs(query).get("queue") or [current_app.config["DEFAULT_QUEUE"]])[0]
        return keep_holding(queue)
    if endpoint in AGENT_LEGS:
        return hang_up(AGENT_SORRY)
    if (endpoint == "voice.queue_done"
            and providers.current().queue_done(request.form).exit.nobody_waiting):
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
@provider_signed
def fallback():
    """The number's Fallback URL: the provider could not use our answer. Answers from the
    failed URL alone; never touches the database."""
    notice = providers.current().fallback_notice(request.form)
    failed_url = urlsplit(notice.failed_url)
    log.error("provider fell back (error %s) from %s", notice.error_code, failed_url.path[:200])
    endpoint = next((name for name, path in FAILED_URLS.items()
                     if failed_url.path.endswith(path)), None)
    return without_database(endpoint, failed_url.query)
