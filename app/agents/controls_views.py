"""In-call controls: the console's buttons (agents.bp) and the provider's requests they
lead to (voice.bp): where a transferred caller goes, and a colleague's leg ending."""

from __future__ import annotations

from flask import Response, flash, jsonify, redirect, request, url_for

from .. import live, providers
from ..auth import role_required
from ..flow.actions import Enqueue, Say, Transfer
from ..flow.phrases import phrases
from ..menus import call_language
from ..models import db
from ..voice.security import provider_signed
from ..voice.views import bp as voice_bp
from ..voice.views import reply, this_call
from . import controls
from .models import AgentProfile, Assignment
from .views import bp, profile


def wants_json() -> bool:
    """controls.js asks for JSON; a plain form post (no script) is redirected back."""
    return request.accept_mimetypes.best == "application/json"


@bp.get("/assignment/<int:assignment_id>/controls.json")
@role_required("agent")
def controls_json(assignment_id: int):
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or assignment.agent_id != profile().id:
        return jsonify(message="That call is not yours."), 404
    return jsonify(state=controls.state(assignment))


@bp.get("/assignment/<int:assignment_id>/controls/live")
@role_required("agent")
def controls_stream(assignment_id: int):
    """The screen pop's Server-Sent Events (app/live.py): the call's state, sent when it
    changes (a colleague who did not answer, a caller who hung up)."""
    agent = profile()
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or assignment.agent_id != agent.id:
        return jsonify(message="That call is not yours."), 404

    def state() -> dict:  # read again each tick: the previous tick ended its transaction
        profile()  # an agent on a call is still there
        return {"state": controls.state(db.session.get_one(Assignment, assignment_id))}
    return live.stream(state)


@bp.post("/assignment/<int:assignment_id>/control/<action>")
@role_required("agent")
def control(assignment_id: int, action: str):
    """One control on the agent's own call; refused or failed, nothing is changed."""
    assignment = db.session.get(Assignment, assignment_id)
    try:
        message = controls.run(profile(), assignment, action, request.form)
    except (controls.Refused, controls.Failed) as why:
        # Partial: the steps the provider did are kept, as the call stands there now
        (db.session.commit if isinstance(why, controls.Partial) else db.session.rollback)()
        status = 409 if isinstance(why, controls.Refused) else 502
        return answered(assignment_id, str(why), status)
    db.session.commit()
    return answered(assignment_id, message, 200)


def answered(assignment_id: int, message: str, status: int):
    assignment = db.session.get(Assignment, assignment_id)
    mine = assignment if assignment is not None and assignment.agent_id == profile().id \
        else None
    if wants_json():
        return jsonify(message=message, ok=status == 200,
                       state=controls.state(mine) if mine else None), status
    flash(message)
    if not mine:
        return redirect(url_for("agents.console"))
    return redirect(url_for("agents.screen", assignment_id=assignment_id))


def _assignment() -> Assignment | None:
    ident = request.args.get("a", "")
    return db.session.get(Assignment, int(ident)) if ident.isdigit() else None


@voice_bp.post("/transferred")
@provider_signed
def transferred():
    """The caller's leg after a cold transfer: to the other queue (their call and its
    context are the same, so the next agent's screen pop has it all) or the number."""
    assignment = _assignment()
    kind, target = controls.transferred_to(assignment)
    language, voice = (call_language(assignment.call) if assignment else
                       ("en-US", None))
    said = Say(phrases(language).t("Please hold while I transfer your call."),
               language=language, voice=voice)
    if kind == "number":
        return reply([said, Transfer(target)])
    return reply([said, Enqueue(target, "transferred by an agent")])


@voice_bp.post("/colleague-status")
@provider_signed
def colleague_status():
    """A colleague's leg ended: before a join, the warm transfer is off."""
    assignment = _assignment()
    status = providers.current().leg_status(request.form)
    if assignment is not None and not status.live:
        ident = request.args.get("agent", "")
        colleague = db.session.get(AgentProfile, int(ident)) if ident.isdigit() else None
        controls.colleague_left(assignment, this_call().call_id, colleague)
        db.session.commit()
    return Response(status=204)

