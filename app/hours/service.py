"""Open now? Opens when? For one queue, in a line's timezone: the hours operators keep in
the app, else the HOLDLINE_QUEUE_HOURS default, else always open.

The variable is read as a fallback, not copied into the table: nothing is written at
start-up (several workers start at once), a queue a new menu names gets the default too,
and once an operator saves a queue's hours the variable no longer applies to it. Each
queue is read on its own, and unreadable hours count as open: a caller still reaches hold
or a person, and no other queue is affected.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache
from typing import cast
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Table, bindparam, select

from ..flow.actions import HoursChecked
from ..menus import menu_by_id, menu_of_call, published_queues
from ..models import Call, MenuVersion, db, utcnow
from ..process_cache import ProcessCache
from . import rules
from .models import QueueHours

log = logging.getLogger(__name__)

# Every hold request and hours node asks; operators change hours rarely (a save here
# clears it at once, another worker's is heard within the TTL).
HOURS_TTL_S = 5.0
STORED = ProcessCache("holdline.queue_hours", (QueueHours,), "QUEUE_HOURS_TTL_S", HOURS_TTL_S)
_hours = cast(Table, QueueHours.__table__)
STORED_HOURS = select(_hours.c.weekly, _hours.c.special).where(
    _hours.c.queue == bindparam("queue"))


@dataclass(frozen=True)
class QueueStatus:
    open: bool
    now: datetime  # the line's local time (naive)
    today: tuple[time, time] | None  # today's first opening and last closing
    next_opening: datetime | None  # while closed: when it opens (local, naive)


@lru_cache(maxsize=8)
def read_default(spec: str) -> dict[str, rules.Hours]:
    return rules.read_default(spec)


def default_for(queue: str) -> rules.Hours | None:
    """The variable's hours for the queue (or for '*'); None when it sets none."""
    try:
        defaults = read_default(current_app.config.get("QUEUE_HOURS", ""))
    except rules.HoursError as exc:  # refused at start-up; only a changed config gets here
        log.error("HOLDLINE_QUEUE_HOURS unreadable, queues taken as open: %s", exc)
        return None
    return defaults.get(queue) or defaults.get("*")


def stored_row(queue: str) -> QueueHours | None:
    return db.session.scalar(select(QueueHours).where(QueueHours.queue == queue))


def stored_hours(queue: str) -> rules.Hours | None:
    """The queue's saved hours (read and checked), or None when it has none: from this
    process's copy when fresh. Unreadable saved hours count as open."""
    return STORED.get(queue, lambda: read_stored(queue))


def read_stored(queue: str) -> rules.Hours | None:
    row = db.session.connection().execute(STORED_HOURS, {"queue": queue}).first()
    if row is None:
        return None
    try:
        return rules.from_stored(row.weekly, row.special)
    except (rules.HoursError, KeyError, TypeError, ValueError, AttributeError) as exc:
        log.error("stored hours of queue %s unreadable, taken as open: %s", queue, exc)
        return rules.ALWAYS


def hours_for(queue: str) -> rules.Hours:
    stored = stored_hours(queue)
    return stored if stored is not None else default_for(queue) or rules.ALWAYS


def zone(name: str | None) -> ZoneInfo:
    """The line's zone; the server's (HOLDLINE_TIMEZONE) when the menu sets none."""
    try:
        return ZoneInfo(name or current_app.config.get("CENTRE_TIMEZONE") or "UTC")
    except (ValueError, OSError, KeyError):
        log.error("unknown timezone %r, using UTC", name)
        return ZoneInfo("UTC")


def line_timezone(call: Call | None) -> str | None:
    """The timezone the call's menu (its line) sets, if any."""
    try:
        menu = menu_of_call(call)
    except LookupError:  # a version gone: the server's zone, not an error on hold
        return None
    return menu.settings.timezone if menu is not None else None


def status(queue: str, timezone: str | None = None, at: datetime | None = None) -> QueueStatus:
    """`at`: an aware moment (default now)."""
    now = (at or datetime.now(ZoneInfo("UTC"))).astimezone(zone(timezone)).replace(
        tzinfo=None, second=0, microsecond=0)
    try:
        hours = hours_for(queue)
    except Exception:  # the hours must never cost a caller their way to a person
        log.exception("hours of queue %s could not be read, taken as open", queue)
        hours = rules.ALWAYS
    is_open = rules.is_open(hours, now)
    return QueueStatus(is_open, now, rules.day_bounds(hours, now.date()),
                       None if is_open else rules.next_opening(hours, now))


def check(queue: str, timezone: str | None) -> HoursChecked:
    """The `hours` node's facts."""
    found = status(queue, timezone)
    return HoursChecked(found.open, found.now, found.next_opening)


def server_today() -> date:
    """A holiday before this date (the server's timezone) is in the past."""
    return datetime.now(zone(None)).date()


def save(queue: str, weekly_text: str, special_text: str, who: str) -> QueueHours:
    """Check and keep a queue's hours; HoursError (with every field named) saves nothing."""
    problems: list[rules.Problem] = []
    if not rules.QUEUE.match(queue) or queue == "*":
        problems.append(rules.Problem("queue", f"{queue!r} is not a queue name (a-z, 0-9, "
                                               "_ . : and -, up to 80)"))
    weekly = special = None
    try:
        weekly = rules.read_weekly(weekly_text)
    except rules.HoursError as exc:
        problems += exc.problems
    try:
        special = rules.read_special(special_text, server_today())
    except rules.HoursError as exc:
        problems += exc.problems
    if problems or weekly is None or special is None:
        raise rules.HoursError(problems)
    row = stored_row(queue) or QueueHours(queue=queue)
    row.weekly, row.special = rules.stored(rules.Hours(weekly, special))
    row.updated_at, row.updated_by = utcnow(), who
    db.session.add(row)
    return row


@dataclass(frozen=True)
class Line:
    menu: str
    timezone: str  # its own, or the server's
    own: bool


def lines() -> list[Line]:
    """Each published menu (a line) and the timezone its hours run in."""
    server = current_app.config.get("CENTRE_TIMEZONE") or "UTC"
    found = []
    for version_id in db.session.scalars(select(MenuVersion.id).where(
            MenuVersion.status == "published")):
        menu = menu_by_id(version_id)  # parsed once per process, as the call path reads it
        found.append(Line(menu.name, menu.settings.timezone or server,
                          bool(menu.settings.timezone)))
    return sorted(found, key=lambda line: line.menu)


def known_queues() -> list[str]:
    """Queues the published menus name (by their keys on this server: a line's own queue
    is `line.queue`), those with stored hours, and the default's."""
    names = set(db.session.scalars(select(QueueHours.queue)))
    for queues in published_queues().values():
        names |= queues
    try:
        names |= set(read_default(current_app.config.get("QUEUE_HOURS", ""))) - {"*"}
    except rules.HoursError:
        pass
    return sorted(names)


def reset(queue: str) -> bool:
    """Back to the default (the variable, or always open); False when none was stored."""
    row = stored_row(queue)
    if row is not None:
        db.session.delete(row)
    return row is not None
