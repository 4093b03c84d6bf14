"""The agent console: the live line, take next, and the screen pop."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

from .. import live
from ..auth import audit, role_required
from ..headers import softphone_policy
from ..hold.models import CallbackRequest
from ..models import db, utcnow
from . import controls, heartbeat, presence, routing, service, softphone
from .models import AgentProfile, Assignment

bp = Blueprint("agents", __name__, url_prefix="/agent", template_folder="templates",
               static_folder="static", static_url_path="/static")
DISPOSITIONS = ("resolved", "follow-up needed", "transferred", "no action")


def profile() -> AgentProfile:
    """The signed-in agent, marked seen: any console request (its stream, a poll, a
    click) shows they are still there, so one just back from a call is not taken for gone."""
    agent = db.session.scalar(select(AgentProfile).where(
        AgentProfile.user_id == current_user.id))
    if agent is None:
        abort(403, description="no agent profile: ask an admin to add your phone and skills")
    heartbeat.seen(agent)
    return agent


@bp.get("/")
@softphone_policy
@role_required("agent")
def console():
    agent = profile()
    return render_template("agents/console.html", agent=agent, call=_on_call(agent),
                           away_reasons=presence.AWAY_REASONS)


@bp.get("/presence.json")
@role_required("agent")
def presence_json():
    """Polled by a console without a live stream: the agent's state and the caller offered
    to them. Each poll is also a routing decision, and marks the agent still there."""
    agent = profile()  # first: an agent back after a while is not taken for gone
    heartbeat.route_now()
    return jsonify({**presence_state(agent), "in_state_s": presence.time_in_state_s(agent)})


@bp.get("/live")
@role_required("agent")
def live_stream():
    """The console's Server-Sent Events: its status and line, sent when they change."""
    profile()  # no agent profile: 403 now, not a broken stream
    return live.stream(console_state)


def console_state() -> dict:
    """What the console shows, as its two polls return it; each tick marks the agent seen
    and drives the routing clock (app/agents/heartbeat.py)."""
    agent = profile()
    heartbeat.tick()
    return {"presence": presence_state(agent), "line": line_state(agent)}


def presence_state(agent: AgentProfile) -> dict:
    """Only what the console shows (not the time in state, which would change the stream's
    digest every second for nothing)."""
    offer = routing.open_offer(agent)
    db.session.commit()
    return dict(state=agent.status, reason=agent.status_reason,
                wrap_up_left_s=presence.wrap_up_left_s(agent), offer=_offered(offer),
                call=_on_call(agent))


def _on_call(agent: AgentProfile) -> dict | None:
    """The call the agent is on, linked to its screen pop (one a colleague handed over,
    too: it was never offered on this console)."""
    assignment = service.current_call(agent)
    if assignment is None:
        return None
    # a softphone call lives in this page: its screen pop opens in another tab
    return {"name": service.caller_name(assignment.call),
            "url": url_for("agents.screen", assignment_id=assignment.id),
            "new_tab": agent.delivery == "browser"}


def _offered(offer) -> dict | None:
    if offer is None:
        return None
    return {**_who(offer.call), "id": offer.id, "kind": offer.kind, "queue": offer.queue,
            "expires_in_s": max(0, int((offer.expires_at - utcnow()).total_seconds())),
            "accept_url": url_for("agents.accept", offer_id=offer.id)}


@bp.post("/presence")
@role_required("agent")
def set_presence():
    """The agent's own state. The form names the agent it was shown to: a console left open
    for another login changes nothing."""
    agent = profile()
    if request.form.get("agent_id") != str(agent.id):
        db.session.rollback()
        flash("That status form was for another agent: nothing changed. Please try again.")
        return redirect(url_for("agents.console"))
    try:
        routing.set_state(agent, request.form.get("state", ""), request.form.get("reason", ""))
    except routing.Refused as refused:
        db.session.rollback()
        flash(str(refused))
        return redirect(url_for("agents.console"))
    audit("presence", f"agent {agent.id}", state=agent.status, reason=agent.status_reason)
    db.session.commit()
    routing.route_soon()  # available again: the longest-waiting caller may be offered now
    return redirect(url_for("agents.console"))


@bp.post("/offer/<int:offer_id>/accept")
@role_required("agent")
def accept(offer_id: int):
    try:
        assignment = routing.accept(profile(), offer_id)
    except routing.Refused as refused:
        db.session.rollback()
        flash(str(refused))
        return redirect(url_for("agents.console"))
    return _start(assignment)


@bp.get("/line.json")
@role_required("agent")
def line_json():
    """Polled every 2 s by a console without a live stream."""
    return jsonify(line_state(profile()))


def line_state(agent: AgentProfile) -> dict:
    """Who waits, how long and why; callbacks waiting for their next try, and those that
    ran out of tries."""
    queues = agent.skills or ["general"]
    line = [{**_who(w.call), **_tries(w.callback), "kind": w.kind, "id": w.ident,
             "queue": w.queue, "position": w.position, "wait_s": w.wait_s,
             "offered": w.offered}
            for w in service.line(queues, offered=True)]
    retrying = [{**_who(c.call), **_tries(c), "queue": c.queue}
                for c in service.retrying(queues)]
    failed = [{**_who(c.call), **_tries(c), "queue": c.queue}
              for c in service.failed_callbacks(queues)]
    return dict(line=line, retrying=retrying, failed=failed)


def _who(call) -> dict:
    info = service.context(call)
    # "caller" names the row's Take button: the customer, or the masked number
    return {"name": info["name"], "caller": service.caller_name(call, info),
            "reason": info["reason"] or "", "intent": info["intent"] or "",
            "context": "; ".join(info["done"][-2:])}


def _tries(callback: CallbackRequest | None) -> dict:
    """'attempt N of M' for a pending callback, 'tried N' for a failed one, when and how the
    last try went."""
    if callback is None:
        return {}
    retry_at = callback.next_attempt_at
    return {"number": callback.number, "tried": callback.attempts,
            "attempt": callback.attempts + 1, "of": current_app.config["CALLBACK_ATTEMPTS"],
            "last_result": callback.last_result or "",
            "retry_at": retry_at and retry_at.isoformat(timespec="seconds") + "Z",
            "retry_in_s": retry_at and max(0, int((retry_at - utcnow()).total_seconds()))}


def _start(assignment: Assignment | None, nobody: str = "Nobody is waiting right now."):
    if assignment is None:
        db.session.rollback()
        flash(nobody)
        return redirect(url_for("agents.console"))
    # A browser agent is rung by their screen pop's softphone once it is ready (softphone.py)
    if assignment.agent.delivery != "browser" and not softphone.ring(assignment):
        db.session.commit()
        flash("We could not ring your phone; the caller keeps their place.")
        return redirect(url_for("agents.console"))
    audit("take", f"call {assignment.call_id}", kind=assignment.kind)
    db.session.commit()
    return redirect(url_for("agents.screen", assignment_id=assignment.id))


@bp.post("/take-next")
@role_required("agent")
def take_next():
    agent = profile()
    if (offer := routing.open_offer(agent)) is not None:
        return accept(offer.id)  # the next caller for this agent is the one offered to them
    if refused := _engaged(agent):
        flash(refused)
        return redirect(url_for("agents.console"))
    return _start(service.take_next(agent))


def _engaged(agent: AgentProfile) -> str | None:
    """Why this agent cannot take another caller now (one caller per agent at a time)."""
    if agent.status == presence.OFFERED:
        return "A caller is offered to you: accept them first, or set yourself away."
    if agent.status == presence.ON_CALL:
        return "You are on a call already: finish it before taking another caller."
    return None


@bp.post("/take/<kind>/<int:ident>")
@role_required("agent")
def take(kind: str, ident: int):
    if kind not in ("caller", "callback"):
        abort(404)
    agent = profile()
    offer = routing.open_offer(agent)
    if offer is not None and (offer.kind, offer.ident) == (kind, ident):
        return accept(offer.id)  # Take on the caller offered to you accepts the offer
    if refused := _engaged(agent):
        flash(refused)
        return redirect(url_for("agents.console"))
    item = next((w for w in service.line(agent.skills or ["general"], offered=True)
                 if w.kind == kind and w.ident == ident), None)
    if item is not None and item.offered:
        flash("That caller is being offered to an agent right now: take another one.")
        return redirect(url_for("agents.console"))
    return _start(service.claim(agent, item) if item else None,
                  "That caller is no longer waiting (they hung up or another agent took "
                  "them).")


@bp.route("/assignment/<int:assignment_id>", methods=["GET", "POST"])
@softphone_policy
@role_required("agent")
def screen(assignment_id: int):
    """The screen pop: who, why, what they already did; then the disposition."""
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or assignment.agent.user_id != current_user.id:
        abort(404)
    heartbeat.seen(assignment.agent)
    if request.method == "POST":
        disposition = request.form.get("disposition", "")
        if disposition not in DISPOSITIONS:
            flash("Choose a disposition.")
        else:
            assignment.disposition = disposition
            assignment.note = request.form.get("note", "")[:2000]
            assignment.status = "done"
            presence.move(assignment.agent, presence.AVAILABLE, "disposition saved",
                          allowed=(presence.ON_CALL, presence.WRAP_UP))
            audit("disposition", f"call {assignment.call_id}", disposition=disposition)
            db.session.commit()
            routing.route_soon()
            return redirect(url_for("agents.console"))
    return render_template("agents/screen.html", assignment=assignment,
                           info=service.screen_pop(assignment.call, callback_of(assignment)),
                           dispositions=DISPOSITIONS, **controls.panel(assignment))


def callback_of(assignment: Assignment) -> CallbackRequest | None:
    return (db.session.get(CallbackRequest, assignment.callback_id)
            if assignment.callback_id is not None else None)

