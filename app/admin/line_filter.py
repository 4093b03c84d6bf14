"""Which line's content an operator page shows: `?line=<menu name>`, or every line."""

from __future__ import annotations

from flask import request
from sqlalchemy import select

from ..hold.models import HoldChannel
from ..models import Menu, db


def known_lines() -> list[str]:
    """Every menu's line, and any line hold content names (a menu may come later)."""
    menus = db.session.scalars(select(Menu.name))
    held = db.session.scalars(select(HoldChannel.line).distinct())
    return sorted({*menus, *held})


def chosen_line() -> str | None:
    """The line asked for (in the query or a posted form), if there is one by that name."""
    line = request.values.get("line")
    return line if line in known_lines() else None
