"""What the engine may know about a caller before they speak (and may read out)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import make_transient_to_detached

from ..events import EventKind
from ..models import Call, CallEvent, Customer, db
from ..selfservice.service import form_of, open_link_for


def caller_profile(customer: Customer | None, number: str = "") -> dict[str, Any]:
    profile: dict[str, Any] = {"known": False}
    if customer is not None:
        profile = {"known": True, "name": customer.name, "first_name": customer.first_name,
                   "account": customer.account_number}
    link = open_link_for(number) if number else None
    form = form_of(link) if link is not None else None
    if link is not None and form is not None:
        profile["open_link"] = form.title.lower()
        profile["open_link_unheard"] = not notice_given(number, link.created_at)
    return profile


CUSTOMERS = cast(Table, Customer.__table__)
CUSTOMER_AT = select(CUSTOMERS).where(CUSTOMERS.c.phone == bindparam("number"))  # built once


def customer_at(number: str) -> Customer | None:
    """Detached: read from its row, as every new call does (the ORM's loading costs more
    than the query)."""
    row = db.session.connection().execute(CUSTOMER_AT, {"number": number}).first() \
        if number else None
    if row is None:
        return None
    customer = Customer(**row._mapping)
    make_transient_to_detached(customer)
    return customer


def notice_given(number: str, since: datetime) -> bool:
    """Was this number already told about its open link (texted at `since`)? The notice
    always names the newest open link, so any notice since then was about this one."""
    return db.session.scalar(select(CallEvent.id).join(Call).where(
        Call.from_number == number, CallEvent.kind == EventKind.RETURNING_CALLER,
        CallEvent.at >= since).limit(1)) is not None
