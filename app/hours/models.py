"""A queue's business hours as operators keep them in the app (one row a queue, so a
bad row can only ever affect its own queue)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from ..models import Model, utcnow


class QueueHours(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    queue: Mapped[str] = mapped_column(String(80), unique=True)
    # Monday first: each day's spans as "HH:MM-HH:MM" (rules.py reads them back).
    weekly: Mapped[list[list[str]]] = mapped_column(JSON, default=list)
    # [{"date": "2026-12-25", "spans": [], "name": "Christmas"}]: () is closed all day.
    special: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(80), default="system")
