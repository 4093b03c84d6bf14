"""SQLAlchemy 2.0 typed models. Times are UTC; phone numbers are E.164."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, cast

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import (
    JSON,
    CursorResult,
    Engine,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    Update,
    event,
    text,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)

# The base of every table. db.Model is Base plus Flask-SQLAlchemy's table naming, built at
# run time, so a type checker cannot see it as a class: it sees Base instead.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(connection, _record) -> None:
    """WAL lets gunicorn's readers work while one writer commits."""
    if isinstance(connection, sqlite3.Connection):
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")


def database_reachable() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except SQLAlchemyError:
        try:
            db.session.rollback()
        except SQLAlchemyError:
            pass
        return False
    finally:
        db.session.close()  # give the connection back: readiness is probed often


def rows_updated(statement: Update) -> int:
    """How many rows an UPDATE changed: 1 when this request won a race for a row, else 0.
    (An UPDATE's result is a cursor result; the session's signature says only Result.)"""
    return cast(CursorResult[Any], db.session.execute(statement)).rowcount


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Customer(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    account_number: Mapped[str] = mapped_column(String(20), unique=True)
    zip: Mapped[str] = mapped_column(String(10))
    address: Mapped[str] = mapped_column(String(200), default="")
    balance_cents: Mapped[int] = mapped_column(default=0)
    due_date: Mapped[date | None]

    @property
    def first_name(self) -> str:
        return self.name.split()[0]


class Outage(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    zip: Mapped[str] = mapped_column(String(10), index=True)
    area: Mapped[str] = mapped_column(String(120))
    customers_affected: Mapped[int] = mapped_column(default=0)
    eta: Mapped[datetime | None]
    cause: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(default=True)


class ServiceRequest(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(12), unique=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"))
    kind: Mapped[str] = mapped_column(String(60))  # "start service at 12 Elm Street"
    status: Mapped[str] = mapped_column(String(60))
    detail: Mapped[str] = mapped_column(String(300), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Menu(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    versions: Mapped[list[MenuVersion]] = relationship(
        back_populates="menu", order_by="MenuVersion.number"
    )


class MenuVersion(Model):
    """Immutable once saved: a call keeps the version it started on."""

    __table_args__ = (UniqueConstraint("menu_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    menu_id: Mapped[int] = mapped_column(ForeignKey("menu.id"))
    number: Mapped[int]
    status: Mapped[str] = mapped_column(String(12), default="draft")  # draft|published|retired
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    author: Mapped[str] = mapped_column(String(80), default="system")
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]
    menu: Mapped[Menu] = relationship(back_populates="versions")


class PhoneRoute(Model):
    """Dialled number -> menu. The row with number 'default' answers any other number."""

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    menu_id: Mapped[int] = mapped_column(ForeignKey("menu.id"))
    menu: Mapped[Menu] = relationship()


class Call(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), unique=True)
    from_number: Mapped[str] = mapped_column(String(32))
    to_number: Mapped[str] = mapped_column(String(32))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"))
    menu_version_id: Mapped[int | None] = mapped_column(ForeignKey("menu_version.id"))
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="in-progress")
    outcome: Mapped[str | None] = mapped_column(String(40))  # self_service|escalated|...
    queue: Mapped[str | None] = mapped_column(String(40))
    handoff_reason: Mapped[str | None] = mapped_column(String(80))
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    ended_at: Mapped[datetime | None]
    duration_s: Mapped[int | None]
    last_request_key: Mapped[str | None] = mapped_column(String(64))
    last_response: Mapped[str | None] = mapped_column(Text)
    customer: Mapped[Customer | None] = relationship()
    menu_version: Mapped[MenuVersion | None] = relationship()
    events: Mapped[list[CallEvent]] = relationship(
        back_populates="call", order_by="CallEvent.id", cascade="all, delete-orphan"
    )


class CallEvent(Model):
    """One step of a call: node entered, input and confidence, match or not, and why."""

    __table_args__ = (Index("ix_call_event_kind_at", "kind", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(30))
    node: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    call: Mapped[Call] = relationship(back_populates="events")


class Message(Model):
    """A text we sent (or queued in the local outbox) and its delivery status."""

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int | None] = mapped_column(ForeignKey("call.id"), index=True)
    to_number: Mapped[str] = mapped_column(String(20), index=True)
    from_number: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(String(1600))
    channel: Mapped[str] = mapped_column(String(10), default="local")  # local | twilio
    sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
