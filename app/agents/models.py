"""Agent profiles and assignments (an agent taking one waiting caller or callback)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..models import Call, Model, utcnow


class AgentProfile(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), unique=True)
    phone: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12), default="available")  # available|busy|away
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)  # queue names
    # Where an offered call rings: "phone" (the number above) or "browser" (the softphone)
    delivery: Mapped[str] = mapped_column(String(8), default="phone", server_default="phone")
    user: Mapped[User] = relationship()


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
    agent: Mapped[AgentProfile] = relationship()
    call: Mapped[Call] = relationship()
