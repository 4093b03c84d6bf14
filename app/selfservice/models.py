"""Links texted to callers and what came back through them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..hold.models import LINE_NAME
from ..models import Call, Model, utcnow


class SmsLink(Model):
    """One texted link: bound to the caller's number and the call; single use."""

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # unguessable
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id"), index=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    form: Mapped[str] = mapped_column(String(40))
    # The saved version the link was texted with (None: the shipped file): the caller opens
    # the form they were told about, even if an operator saves a new one meanwhile.
    form_version_id: Mapped[str | None] = mapped_column(
        ForeignKey("form_version.id", name="fk_sms_link_form_version_id"))
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
    """An SMS form edited or created in the operator app: the head of its versions. It
    overrides the shipped YAML of the same key; an empty source was reverted to it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)  # unique across lines
    line: Mapped[str] = mapped_column(String(LINE_NAME), index=True)  # whose menus text it
    source: Mapped[str] = mapped_column(Text)  # the YAML as the operator wrote it
    version: Mapped[int] = mapped_column(default=1)  # optimistic lock: no silent overwrite
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", name="fk_form_definition_updated_by"))
    version_id: Mapped[str | None] = mapped_column(  # the FormVersion in effect
        ForeignKey("form_version.id", name="fk_form_definition_version_id"))


class FormVersion(Model):
    """One save of a form, never changed afterwards: its random id is what every worker's
    cache and every texted link hold, so a cached version is never stale."""

    __table_args__ = (UniqueConstraint("key", "number"),)
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(40), index=True)
    line: Mapped[str] = mapped_column(String(LINE_NAME))  # the form's line when saved
    number: Mapped[int]  # 1, 2, 3... per form, as operators see it
    source: Mapped[str] = mapped_column(Text)  # "" = back to the shipped file
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)
    saved_by: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", name="fk_form_version_saved_by"))
