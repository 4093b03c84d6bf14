"""Where an agent's offered calls ring: their phone, or the browser softphone under the
identity its access token names (the routes are in softphone_views.py)."""

from __future__ import annotations

from .. import providers, telephony
from ..urls import external_url
from . import service
from .models import AgentProfile, Assignment

DELIVERIES = ("phone", "browser")


def identity(agent: AgentProfile) -> str:
    """The softphone's name at the provider: stable, and no personal data in it."""
    return f"agent-{agent.id}"


def ring_address(agent: AgentProfile) -> str:
    """Where an offered call rings this agent."""
    if agent.delivery == "browser":
        return providers.current().browser_address(identity(agent))
    return agent.phone


def ring(assignment: Assignment) -> bool:
    """Ring the agent's phone or softphone for this assignment; if the provider cannot, the
    caller keeps their place (False)."""
    try:
        telephony.place_call(ring_address(assignment.agent),
                             external_url("voice.agent_leg", a=assignment.id),
                             external_url("voice.agent_status", a=assignment.id, leg="agent"))
    except telephony.SendFailed:
        service.release(assignment, "failed")
        return False
    return True
