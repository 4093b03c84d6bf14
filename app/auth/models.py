"""Users and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import JSON, Float, String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from ..models import Model, utcnow


class User(UserMixin, Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(20))  # admin | operator | agent | supervisor
    display_name: Mapped[str] = mapped_column(String(120), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Part of the id the session cookie carries: bumping it revokes every cookie issued
    # before (logout, password change), though the cookie itself is signed and unexpired.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    # The lines (menu names) whose things this account may see and change; empty: every
    # line. Checked in app/auth/lines.py.
    lines: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)
        self.revoke_sessions()

    def revoke_sessions(self) -> None:
        self.session_generation = (self.session_generation or 0) + 1

    def get_id(self) -> str:
        """Flask-Login's alternative token: "<id>:<generation>", checked by the loader."""
        return f"{self.id}:{self.session_generation or 0}"

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


class AuditEntry(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    username: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(60))
    target: Mapped[str] = mapped_column(String(120), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class RateCounter(Model):
    """Fixed-window counters of the login limits (app/auth/throttle.py), in the database
    so that every worker and every machine counts into the same row."""

    key: Mapped[str] = mapped_column(String(250), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[float] = mapped_column(Float, index=True)  # epoch seconds
