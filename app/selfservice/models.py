"""Links texted to callers and what came back through them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..models import Call, Model, utcnow


class SmsLink(Model):
    """One texted link: bound to the caller's number and the call; single use."""

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # unguessable
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id"), index=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    form: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(12), default="sent")  # sent|opened|submitted
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    expires_at: Mapped[datetime]
    opened_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    call: Mapped[Call] = relationship()


class FormSubmission(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[str] = mapped_column(ForeignKey("sms_link.id"), unique=True)
    form: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)  # validated values only
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)


class FormDefinition(Model):
    """An SMS form edited in the operator app; overrides the shipped YAML of the same key."""

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    source: Mapped[str] = mapped_column(Text)  # the YAML as the operator wrote it
    version: Mapped[int] = mapped_column(default=1)  # optimistic lock: no silent overwrite
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", name="fk_form_definition_updated_by"))
