"""What the engine may know about a caller before they speak (and may read out)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import Table, bindparam, literal, select, true

from .. import call_rows
from ..events import EventKind
from ..flow.nodes.sms_link import may_text
from ..menus import ROUTES, routed_version
from ..models import Call, CallEvent, Customer, db, utcnow
from ..selfservice.service import OPEN_LINK, OPEN_LINK_WINDOW, form_of, open_link_for


def caller_profile(customer: Customer | None, number: str = "",
                   line: str | None = None) -> dict[str, Any]:
    return profile_of(customer, number, open_link_for(number) if number else None, line)


def profile_of(customer: Customer | None, number: str, link: Any,
               line: str | None = None) -> dict[str, Any]:
    """The profile of a caller whose customer and open link (its row's columns as
    attributes, or None) are already read. A link to another line's form is not this
    call's business: the dental clinic does not greet a caller with the utility's link."""
    profile: dict[str, Any] = {"known": False}
    if customer is not None:
        profile = {"known": True, "name": customer.name, "first_name": customer.first_name,
                   "account": customer.account_number}
    form = form_of(link) if link is not None else None
    if link is not None and form is not None and (line is None or may_text(line, form.line)):
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
    return detached_customer(row._mapping)


def detached_customer(values: Mapping[Any, Any]) -> Customer:
    return call_rows.as_loaded(Customer, values)


@dataclass(frozen=True)
class Arrival:
    """What a new call's first answer needs of its caller and the number they dialled,
    and the call's row when it is not new after all (a retried first request)."""
    call: Call | None
    customer: Customer | None
    version_id: int | None  # the menu answering the dialled number
    link: Any  # the caller's open texted link (its columns as attributes), or None


_routes = ROUTES.subquery("route")
_link = OPEN_LINK.subquery("open_link")
# One statement for the four reads of every new call (issue 14): a one-row anchor, so a
# call with no row yet, no customer, no route or no link still gets a row.
ARRIVAL = (select(*(c.label(f"call_{c.key}") for c in call_rows.CALL.c),
                  *(c.label(f"customer_{c.key}") for c in CUSTOMERS.c),
                  _routes.c.number.label("route_number"), _routes.c.id.label("route_version"),
                  *(c.label(f"link_{c.key}") for c in _link.c))
           .select_from(select(literal(1).label("one")).subquery("arrival")
                        .outerjoin(call_rows.CALL, call_rows.CALL.c.call_sid == bindparam("sid"))
                        .outerjoin(CUSTOMERS, CUSTOMERS.c.phone == bindparam("number"))
                        .outerjoin(_routes, true()).outerjoin(_link, true())))
_CALL_COLUMNS = tuple((f"call_{c.key}", c.key) for c in call_rows.CALL.c)
_CUSTOMER_COLUMNS = tuple((f"customer_{c.key}", c.key) for c in CUSTOMERS.c)
_LINK_COLUMNS = tuple((f"link_{c.key}", c.key) for c in _link.c)


def arrival(call_sid: str, number: str, dialled: str) -> Arrival:
    now = utcnow()
    rows = db.session.connection().execute(ARRIVAL, {
        "sid": call_sid, "number": number, "dialled": dialled,
        "since": now - OPEN_LINK_WINDOW, "now": now}).mappings().all()
    first = rows[0]  # the anchor's row is always there
    if first["call_id"] is not None:
        call = call_rows.detached({key: first[label] for label, key in _CALL_COLUMNS})
        return Arrival(call, None, call.menu_version_id, None)
    customer = link = None
    if number and first["customer_id"] is not None:
        customer = detached_customer({key: first[label] for label, key in _CUSTOMER_COLUMNS})
    if number and first["link_id"] is not None:
        link = SimpleNamespace(**{key: first[label] for label, key in _LINK_COLUMNS})
    routes = {row["route_number"]: row["route_version"] for row in rows}
    return Arrival(None, customer, routed_version(routes, dialled), link)


def notice_given(number: str, since: datetime) -> bool:
    """Was this number already told about its open link (texted at `since`)? The notice
    always names the newest open link, so any notice since then was about this one."""
    return db.session.scalar(select(CallEvent.id).join(Call).where(
        Call.from_number == number, CallEvent.kind == EventKind.RETURNING_CALLER,
        CallEvent.at >= since).limit(1)) is not None
