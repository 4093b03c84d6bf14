"""The browser softphone's routes: where calls ring, the Voice SDK's access token, and
ringing a screen pop's softphone once it is ready."""

from __future__ import annotations

from flask import abort, current_app, flash, jsonify, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import update

from .. import providers
from ..auth import audit, role_required
from ..models import db, rows_updated, utcnow
from . import service
from .models import Assignment
from .softphone import DELIVERIES, identity, ring
from .views import bp, profile

TOKEN_TTL_S = 3600  # the script fetches a new one before it runs out


@bp.post("/assignment/<int:assignment_id>/ring")
@role_required("agent")
def ring_browser(assignment_id: int):
    """The screen pop's softphone is registered (ready=1): ring it now, once, so the call
    never reaches a page that is being left. Not reachable (ready=0): the caller keeps
    their place."""
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or assignment.agent.user_id != current_user.id:
        abort(404)
    if request.form.get("ready") == "0":
        if assignment.rung_at is None:  # once rung, the call's own status decides
            service.release(assignment, "browser-offline")
        db.session.commit()
        return jsonify(rung=False, message="Your browser cannot reach the phone service; "
                                           "the caller keeps their place."), 409
    first = rows_updated(update(Assignment).where(
        Assignment.id == assignment.id, Assignment.status == "ringing",
        Assignment.rung_at.is_(None)).values(rung_at=utcnow())) == 1
    if not first:  # rung already (a reload), or settled meanwhile
        db.session.rollback()
        return jsonify(rung=False, message="This call is no longer waiting to ring."), 409
    rung = ring(assignment)
    db.session.commit()
    if not rung:
        return jsonify(rung=False, message="We could not ring this browser; "
                                           "the caller keeps their place."), 502
    return jsonify(rung=True)


@bp.get("/softphone/token")
@role_required("agent")
def softphone_token():
    """A token for the signed-in agent's own softphone only; 503 while not configured."""
    agent = profile()
    token = providers.current().browser_token(current_app.config, identity(agent),
                                              TOKEN_TTL_S)
    if token is None:
        return jsonify(error="not-configured",
                       message="The browser softphone is not configured: ask an admin to "
                               "set the provider's API key and secret."), 503
    return jsonify(token=token, identity=identity(agent), expires_in=TOKEN_TTL_S)


@bp.post("/delivery")
@role_required("agent")
def set_delivery():
    """The agent chooses where offered calls ring; the other stays the fallback choice."""
    choice = request.form.get("delivery", "")
    if choice not in DELIVERIES:
        flash("Choose your phone or this browser.")
    else:
        agent = profile()
        agent.delivery = choice
        audit("delivery", agent.user.username, delivery=choice)
        db.session.commit()
        flash("Calls now ring in this browser." if choice == "browser"
              else f"Calls now ring your phone ({agent.phone}).")
    return redirect(url_for("agents.console"))
