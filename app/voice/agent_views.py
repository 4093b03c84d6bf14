"""The agent's leg: a whisper with the caller's context, then the bridge."""

from __future__ import annotations

from flask import request
from twilio.twiml.voice_response import Dial, VoiceResponse

from .. import telephony
from ..agents import service as agents
from ..agents.models import Assignment
from ..models import db, utcnow
from .security import twilio_signed
from .views import bp, twiml, url


def _assignment() -> Assignment | None:
    ident = request.args.get("a", "")
    return db.session.get(Assignment, int(ident)) if ident.isdigit() else None


def _room(assignment: Assignment) -> Dial:
    dial = Dial()
    dial.conference(f"holdline-{assignment.id}", end_conference_on_exit=True, beep=False)
    return dial


@bp.post("/agent-leg")
@twilio_signed
def agent_leg():
    """The agent picked up: whisper who and why, then connect."""
    assignment = _assignment()
    response = VoiceResponse()
    if assignment is None:
        response.say("This call is no longer waiting.")
        response.hangup()
        return twiml(response)
    response.say(agents.whisper(assignment.call))
    response.redirect(url("voice.agent_connect", a=assignment.id), method="POST")
    return twiml(response)


@bp.post("/agent-connect")
@twilio_signed
def agent_connect():
    """Bring the caller out of the queue (or dial the callback) into the agent's room."""
    assignment = _assignment()
    response = VoiceResponse()
    if assignment is None:
        response.hangup()
        return twiml(response)
    join = url("voice.caller_join", a=assignment.id)
    if assignment.kind == "caller":
        reached = telephony.redirect_call(assignment.call.call_sid, join)
    else:
        try:
            telephony.place_call(assignment.call.from_number, join,
                                 url("voice.agent_status", a=assignment.id, leg="customer"))
            reached = True
        except telephony.SendFailed:
            reached = False
    if not reached:
        agents.release(assignment, "caller-gone")
        db.session.commit()
        response.say("Sorry, the caller is no longer on the line.")
        response.hangup()
        return twiml(response)
    assignment.status, assignment.connected_at = "connected", utcnow()
    db.session.commit()
    response.append(_room(assignment))
    return twiml(response)


@bp.post("/caller-join")
@twilio_signed
def caller_join():
    assignment = _assignment()
    response = VoiceResponse()
    if assignment is None:
        response.say("Sorry, we lost the connection to the agent. Please call us again.")
        return twiml(response)
    response.say("Thanks for waiting. Connecting you now.")
    response.append(_room(assignment))
    return twiml(response)


@bp.post("/agent-status")
@twilio_signed
def agent_status():
    """An agent (or callback customer) who did not answer: the caller keeps their place."""
    assignment = _assignment()
    status = request.form.get("CallStatus", "")
    if assignment is not None and status in ("no-answer", "busy", "failed", "canceled") \
            and assignment.status != "connected":
        agents.release(assignment, "no-answer")
        db.session.commit()
    return "", 204
