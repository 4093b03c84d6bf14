"""Data sources for lookup nodes. Each takes the node's rendered params and returns a
dict of speakable values, or None when nothing was found. A source that fails raises."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Row, Table, bindparam, select

from .models import Customer, Outage, ServiceRequest, db

Source = Callable[[dict[str, str]], dict[str, Any] | None]
# Built once and run with a parameter (building a statement costs more than running it);
# rows, not ORM objects: a lookup only reads, and the ORM's loading costs more again.
CUSTOMERS, OUTAGES, REQUESTS = (cast(Table, model.__table__)
                                for model in (Customer, Outage, ServiceRequest))
CUSTOMER_BY_ACCOUNT = select(CUSTOMERS).where(
    CUSTOMERS.c.account_number == bindparam("account"))
ACTIVE_OUTAGE = select(OUTAGES).where(OUTAGES.c.zip == bindparam("zip"),
                                      OUTAGES.c.active.is_(True)).limit(1)
REQUEST_BY_NUMBER = select(REQUESTS).where(REQUESTS.c.number == bindparam("number"))


def _row(statement, **params: str) -> Row | None:
    return db.session.connection().execute(statement, params).first()


def money(cents: int) -> str:
    return f"${cents // 100:,}.{cents % 100:02d}"


def _when(moment: datetime | None) -> str:
    if moment is None:
        return "an unknown time"
    return moment.strftime("%-I:%M %p on %A").replace(":00", "")


def account(params: dict[str, str]) -> dict[str, Any] | None:
    number = params.get("account", "").strip()
    customer = number and _row(CUSTOMER_BY_ACCOUNT, account=number)
    if not customer:
        return None
    due = customer.due_date.strftime("%B %-d") if customer.due_date else "now"
    return {"name": customer.name, "account": customer.account_number,
            "balance": money(customer.balance_cents), "due_date": due}


def _outage(outage: Row | None) -> dict[str, Any] | None:
    if outage is None:
        return None
    return {"area": outage.area, "customers": outage.customers_affected,
            "eta": _when(outage.eta), "cause": outage.cause, "zip": outage.zip}


def outage_by_zip(params: dict[str, str]) -> dict[str, Any] | None:
    return _outage(_row(ACTIVE_OUTAGE, zip=params.get("zip", "").strip()))


def outage_by_account(params: dict[str, str]) -> dict[str, Any] | None:
    customer = _row(CUSTOMER_BY_ACCOUNT, account=params.get("account", "").strip())
    return outage_by_zip({"zip": customer.zip}) if customer else None


def service_request(params: dict[str, str]) -> dict[str, Any] | None:
    request = _row(REQUEST_BY_NUMBER, number=params.get("number", "").strip())
    if request is None:
        return None
    return {"number": request.number, "kind": request.kind, "status": request.status,
            "detail": request.detail}


SOURCES: dict[str, Source] = {
    "account": account,
    "outage_by_zip": outage_by_zip,
    "outage_by_account": outage_by_account,
    "service_request": service_request,
}
