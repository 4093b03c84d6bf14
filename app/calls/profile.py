"""What the engine may know about a caller before they speak (and may read out)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select

from ..events import EventKind
from ..models import Call, CallEvent, Customer, db
from ..selfservice.service import forms, open_link_for


def caller_profile(customer: Customer | None, number: str = "") -> dict[str, Any]:
    profile: dict[str, Any] = {"known": False}
    if customer is not None:
        profile = {"known": True, "name": customer.name, "first_name": customer.first_name,
                   "account": customer.account_number}
    link = open_link_for(number) if number else None
    form = forms().get(link.form) if link is not None else None
    if link is not None and form is not None:
        profile["open_link"] = form.title.lower()
        profile["open_link_unheard"] = not notice_given(number, link.created_at)
    return profile


CUSTOMER_AT = select(Customer).where(Customer.phone == bindparam("number"))  # built once


def customer_at(number: str) -> Customer | None:
    return db.session.scalar(CUSTOMER_AT, {"number": number}) if number else None


def notice_given(number: str, since: datetime) -> bool:
    """Was this number already told about its open link (texted at `since`)? The notice
    always names the newest open link, so any notice since then was about this one."""
    return db.session.scalar(select(CallEvent.id).join(Call).where(
        Call.from_number == number, CallEvent.kind == EventKind.RETURNING_CALLER,
        CallEvent.at >= since).limit(1)) is not None
