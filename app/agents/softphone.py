"""The browser softphone: where an agent's offered calls ring (their phone or this
browser), and the short-lived token the Voice SDK in the console registers with."""

from __future__ import annotations

from flask import current_app, flash, jsonify, redirect, request, url_for

from .. import providers
from ..auth import audit, role_required
from ..models import db
from .models import AgentProfile
from .views import bp, profile

DELIVERIES = ("phone", "browser")
TOKEN_TTL_S = 3600  # the script fetches a new one before it runs out


def identity(agent: AgentProfile) -> str:
    """The softphone's name at the provider: stable, and no personal data in it."""
    return f"agent-{agent.id}"


def ring_address(agent: AgentProfile) -> str:
    """Where an offered call rings this agent."""
    if agent.delivery == "browser":
        return providers.current().browser_address(identity(agent))
    return agent.phone


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
