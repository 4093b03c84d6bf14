"""Rights per line: an account may be limited to some lines (`User.lines`; none listed
means every line, and admins always have every line). Every operator view asks here,
so one rule decides what a limited operator sees and changes.

Another line's things answer 404, not 403: an operator of one clinic should not learn
which other businesses share the server. A shared queue (no line in its key, like the
server's default queue) is hidden from a limited operator: its hours are every line's
callers', so only an unlimited operator may change them."""

from __future__ import annotations

from collections.abc import Iterable

from flask import abort
from flask_login import current_user

from ..lines import SEPARATOR


def lines_of(user=None) -> frozenset[str] | None:
    """The lines the user may see and change; None for every line."""
    user = current_user if user is None else user
    if not user.is_authenticated:
        return frozenset()
    if user.role == "admin" or not user.lines:
        return None
    return frozenset(user.lines)


def may_see_line(line: str | None) -> bool:
    allowed = lines_of()
    return allowed is None or line in allowed


def line_or_404(line: str | None) -> str | None:
    """The line, if the current user may see it; else the page does not exist."""
    return line if may_see_line(line) else abort(404)


def visible(lines: Iterable[str]) -> list[str]:
    return [line for line in lines if may_see_line(line)]


def queue_line(queue: str) -> str | None:
    """The line a queue key (`line.queue`) belongs to; None for a shared queue."""
    line, separator, _ = queue.rpartition(SEPARATOR)
    return line if separator else None


def may_see_queue(queue: str) -> bool:
    return lines_of() is None or may_see_line(queue_line(queue))


def owned(thing):
    """A row that has a `line`, or a 404 when it is missing or another line's."""
    if thing is None:
        abort(404)
    line_or_404(thing.line)
    return thing
