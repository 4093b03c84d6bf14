"""The queue's wait requests and the answers given while waiting."""

from __future__ import annotations

import logging

from flask import Response, current_app, request, send_file

from .. import providers
from ..agents import routing
from ..flow.actions import Input
from ..hold import library, plan
from ..hold import service as hold
from ..hold.hours import agent_states
from ..hold.models import HoldSegment
from ..models import db
from ..providers.port import Redirect, Turn
from .person import keep_holding
from .security import provider_signed
from .views import bp, reply, this_call, url

log = logging.getLogger(__name__)


def segment_url(segment: plan.Segment) -> str:
    """Versioned by content hash: the provider caches audio by URL."""
    return url("voice.hold_audio", segment_id=segment.id, version=segment.version)


def on_hold_reply(actions, queue: str) -> Response:
    """The planner's actions, then back to the wait (unless they take the caller out)."""
    return reply([*actions, Redirect(url("voice.wait", queue=queue))], Turn(queue=queue))


def fallback(queue: str) -> Response:
    """Unknown call or a failure: keep the caller in the queue with music, never silence."""
    db.session.rollback()
    return keep_holding(queue)


@bp.post("/wait")
@provider_signed
def wait():
    def next_piece(call, session, state, catalog, agents):
        figures = providers.current().queue_wait(request.form)
        position, queue_time = figures.position, figures.queue_time_s or 0
        wait_info = plan.Wait(position, queue_time, hold.estimate_s(
            session.queue, position, figures.average_s, session.entry_position, queue_time),
            hold.agents_on(session.queue, agents))
        return plan.reply(state, wait_info, catalog), wait_info

    return on_hold(next_piece)


@bp.post("/hold-input")
@provider_signed
def hold_input():
    def answered(call, session, state, catalog, agents):
        wait_info = hold.last_wait(session)
        heard = providers.current().caller_input(request.form)
        said = heard if isinstance(heard, Input) else Input()
        return plan.answer(state, wait_info, catalog, request.args.get("purpose", "")[:20],
                           said.digits, said.speech), wait_info

    return on_hold(answered)


def on_hold(decide) -> Response:
    """Load the caller's hold session, let the planner decide, save, render. Any failure
    (or a call we do not know) keeps the caller in the queue with music."""
    queue = request.args.get("queue", current_app.config["DEFAULT_QUEUE"])[:40]
    found = hold.waiting(this_call().call_id)
    if found is None:
        log.warning("hold request for a call we have no record of; playing music")
        return fallback(queue)
    call, session = found
    try:
        if session is None:
            session = hold.joined(call, queue,
                                  providers.current().queue_wait(request.form).position)
        joining = not (session.state or {}).get("offered")
        agents, recent = agent_states(), hold.recent_of(call, session)
        step, wait_info = decide(call, session, plan.HoldState.from_dict(session.state),
                                 hold.catalog(call, queue, segment_url,
                                              url("voice.hold_music"), joining=joining,
                                              agents=agents, recent=recent), agents)
        hold.save(call, session, step, wait_info, recent)
        db.session.commit()
        if joining and routing.worth_routing(session.queue, agents):
            routing.route_soon()  # a new caller in line, and an agent who may take them
        return on_hold_reply(step.actions, queue)
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
