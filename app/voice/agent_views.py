"""The agent's leg: a whisper with the caller's context, then the bridge."""

from __future__ import annotations

import logging

from flask import request

from .. import providers, telephony
from ..agents import controls, routing
from ..agents import service as agents
from ..agents.models import Assignment
from ..calls import session as calls
from ..flow.actions import Hangup, Say
from ..flow.phrases import phrases
from ..models import db, utcnow
from ..providers.port import JoinRoom, Redirect
from .security import provider_signed
from .views import bp, reply, this_call, url

log = logging.getLogger(__name__)


def _assignment() -> Assignment | None:
    ident = request.args.get("a", "")
    return db.session.get(Assignment, int(ident)) if ident.isdigit() else None


def _room(assignment: Assignment) -> JoinRoom:
    return JoinRoom(controls.room_name(assignment))


def _not_reached(assignment: Assignment) -> str:
    """What the agent hears when the caller or callback customer is not there."""
    callback = agents.callback_of(assignment)
    if callback is None:
        return "Sorry, the caller hung up before we could connect you."
    missed = ("We could not ring the customer" if callback.last_result == "failed"
              else "The customer did not answer")
    if callback.status == "failed":
        return f"{missed}. That was the last attempt; it is listed as failed on your console."
    return f"{missed}; we will try again later."


def _goodbye(text: str):
    return reply([Say(text), Hangup()])


@bp.post("/agent-leg")
@provider_signed
def agent_leg():
    """The agent picked up: whisper who and why, then connect."""
    assignment = _assignment()
    if assignment is None or assignment.status != "ringing":
        return _goodbye("This call is no longer waiting.")
    if agents.caller_left(assignment):
        agents.caller_gone(assignment)
        db.session.commit()
        return _goodbye(_not_reached(assignment))
    return reply([Say(agents.whisper(assignment.call),  # in the business's language
                      language=agents.agent_phrases(assignment.call).language),
                  Redirect(url("voice.agent_connect", a=assignment.id))])


def _dial_customer(assignment: Assignment, join: str) -> bool:
    callback = agents.callback_of(assignment)
    if callback is None:  # its request is gone: nobody to ring
        return False
    callback.attempts += 1  # an attempt is a ring of the customer's phone
    # The agent's leg rides along, so a customer who does not answer can be told to it.
    status = url("voice.agent_status", a=assignment.id, leg="customer",
                 agent=this_call().call_id)
    try:
        telephony.place_call(callback.number, join, status)
        return True
    except telephony.SendFailed:
        return False


@bp.post("/agent-connect")
@provider_signed
def agent_connect():
    """Bring the caller out of the queue (or dial the callback) into the agent's room."""
    assignment = _assignment()
    if assignment is not None and assignment.status == "connected":  # a repeated webhook
        return reply([_room(assignment)])
    if assignment is None or assignment.status != "ringing":
        return _goodbye("This call is no longer waiting.")
    join = url("voice.caller_join", a=assignment.id)
    if assignment.kind == "callback":
        reached = _dial_customer(assignment, join)
    else:
        try:
            reached = not agents.caller_left(assignment) and telephony.redirect_call(
                assignment.call.call_sid, join)
        except telephony.SendFailed:
            agents.release(assignment, "failed")
            db.session.commit()
            return _goodbye("Sorry, we could not bring the caller through. "
                            "They keep their place in line.")
    if not reached:
        agents.caller_gone(assignment, "failed")
        db.session.commit()
        return _goodbye(_not_reached(assignment))
    assignment.status, assignment.connected_at = "connected", utcnow()
    controls.joined(assignment, agent_leg=this_call().call_id)  # for mute, and to leave
    db.session.commit()
    return reply([_room(assignment)])


@bp.post("/caller-join")
@provider_signed
def caller_join():
    assignment = _assignment()
    if assignment is None:  # we cannot tell whose call this is: the business's language
        return reply([Say("Sorry, we lost the connection to the agent. Please call us again.")])
    controls.joined(assignment, caller_leg=this_call().call_id)  # a callback's is a new leg
    db.session.commit()
    language, voice = calls.call_language(assignment.call)
    return reply([Say(phrases(language).t("Thanks for waiting. Connecting you now."),
                      language=language, voice=voice), _room(assignment)])


@bp.post("/agent-status")
@provider_signed
def agent_status():
    """How a leg ended. An agent who never reached the caller frees them (they keep their
    place); an agent who hung up after the bridge goes into wrap-up; a callback customer
    who did not answer is retried later, and the agent waiting in the room is told so."""
    assignment = _assignment()
    status = providers.current().leg_status(request.form)
    if assignment is None:
        return "", 204
    if request.args.get("leg") == "customer":
        if status.missed and assignment.status == "connected":
            agents.caller_gone(assignment, status)
            _tell_agent(request.args.get("agent", ""), assignment)
            db.session.commit()
    elif assignment.status == "ringing":  # the agent's leg ended before the bridge
        agents.release(assignment, "no-answer" if status.missed else "agent-hung-up")
        db.session.commit()
    elif not status.live:  # the agent hung up after talking: wrap-up, then the next caller
        agents.hung_up(assignment)
        db.session.commit()
        routing.route_soon()
    return "", 204


def _tell_agent(agent_sid: str, assignment: Assignment) -> None:
    try:
        telephony.redirect_call(agent_sid, url("voice.agent_notice", a=assignment.id))
    except telephony.SendFailed:  # they stay in the empty room until they hang up
        log.warning("could not tell the agent of assignment %s", assignment.id)


@bp.post("/agent-notice")
@provider_signed
def agent_notice():
    """Said to an agent taken out of the room: the callback customer did not answer."""
    assignment = _assignment()
    if assignment is None:
        return _goodbye("This call has ended.")
    return _goodbye(_not_reached(assignment))
