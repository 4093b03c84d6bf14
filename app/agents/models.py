"""Agent profiles, presence and its history, offers, and assignments (an agent taking one
waiting caller or callback)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..models import Call, Model, utcnow


class AgentProfile(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), unique=True)
    phone: Mapped[str] = mapped_column(String(20))
    # available | away | offered | on-call | wrap-up (app/agents/presence.py)
    status: Mapped[str] = mapped_column(String(12), default="available")
    status_reason: Mapped[str] = mapped_column(String(60), default="")
    # Since when in this state: for an available agent, how long they have been idle.
    status_since: Mapped[datetime] = mapped_column(default=utcnow)
    wrap_up_until: Mapped[datetime | None]
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)  # queue names
    # Languages besides the business's own, as primary tags ("ko", "es").
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Where an offered call rings: "phone" (the number above) or "browser" (the softphone)
    delivery: Mapped[str] = mapped_column(String(8), default="phone", server_default="phone")
    # When their console (its live stream or poll) last reached us; None: never opened.
    last_seen_at: Mapped[datetime | None]
    user: Mapped[User] = relationship()


class PresenceChange(Model):
    """Every change of an agent's state, by the agent or the system: occupancy, analytics."""

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agent_profile.id"), index=True)
    from_state: Mapped[str] = mapped_column(String(12))
    to_state: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str] = mapped_column(String(60), default="")
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class QueueRouting(Model):
    """How a queue is routed: its priority against the agent's other queues (higher first)
    and the wrap-up after each of its calls (None: HOLDLINE_WRAP_UP_S)."""

    queue: Mapped[str] = mapped_column(String(80), primary_key=True)
    priority: Mapped[int] = mapped_column(default=0)
    wrap_up_s: Mapped[int | None]


class Offer(Model):
    """A waiting caller (or due callback) put to one agent's console for a few seconds. The
    caller stays reserved for that agent meanwhile, in their place in line."""

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agent_profile.id"), index=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id"))
    kind: Mapped[str] = mapped_column(String(10))  # caller | callback
    hold_session_id: Mapped[int | None] = mapped_column(ForeignKey("hold_session.id"))
    callback_id: Mapped[int | None] = mapped_column(ForeignKey("callback_request.id"))
    queue: Mapped[str] = mapped_column(String(80))
    offered_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    # open | accepted | missed | withdrawn | caller-gone
    status: Mapped[str] = mapped_column(String(12), default="open", index=True)
    closed_at: Mapped[datetime | None]
    agent: Mapped[AgentProfile] = relationship()
    call: Mapped[Call] = relationship()

    @property
    def ident(self) -> int:
        return self.hold_session_id if self.kind == "caller" else self.callback_id  # type: ignore[return-value]


class Assignment(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agent_profile.id"), index=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # caller | callback
    hold_session_id: Mapped[int | None] = mapped_column(ForeignKey("hold_session.id"))
    callback_id: Mapped[int | None] = mapped_column(ForeignKey("callback_request.id"))
    status: Mapped[str] = mapped_column(String(16), default="ringing")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    connected_at: Mapped[datetime | None]
    rung_at: Mapped[datetime | None]  # a browser agent is rung once their softphone is ready
    disposition: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)
    # In-call controls (controls.py): the legs in the agent's room and how they stand.
    agent_leg: Mapped[str | None] = mapped_column(String(64))
    caller_leg: Mapped[str | None] = mapped_column(String(64))
    room_id: Mapped[str | None] = mapped_column(String(64))  # the provider's, once looked up
    on_hold: Mapped[bool] = mapped_column(default=False, server_default=false())
    muted: Mapped[bool] = mapped_column(default=False, server_default=false())
    consult: Mapped[str | None] = mapped_column(String(10))  # consulting | joined (warm)
    colleague: Mapped[str | None] = mapped_column(String(80))  # who, as the agent sees them
    colleague_leg: Mapped[str | None] = mapped_column(String(64))
    transfer_to: Mapped[str | None] = mapped_column(String(80))  # queue:<name> | number:<e164>
    agent: Mapped[AgentProfile] = relationship()
    call: Mapped[Call] = relationship()
