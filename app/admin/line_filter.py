"""Which line's content an operator page shows: `?line=<menu name>`, or every line the
operator may see (app/auth/lines.py)."""

from __future__ import annotations

from flask import request
from sqlalchemy import select

from ..auth.lines import line_or_404, lines_of, visible
from ..hold.models import FIRST_LINE, HoldChannel
from ..models import Menu, db
from ..selfservice.models import FormDefinition


def known_lines() -> list[str]:
    """Every menu's line (a draft's too), any line hold content or a form names (its menu
    may come later), and the lines of a limited operator's account, menu or not."""
    menus = db.session.scalars(select(Menu.name))
    held = db.session.scalars(select(HoldChannel.line).distinct())
    texted = db.session.scalars(select(FormDefinition.line).distinct())
    return visible(sorted({*menus, *held, *texted, *(lines_of() or ())}))


def chosen_line() -> str | None:
    """The line asked for (in the query or a posted form), if there is one by that name;
    another line than the operator's is no page at all."""
    return asked(request.values.get("line"))


def posted_line(field: str) -> str:
    """A line a form names for new content, or the default; 404 for another's."""
    return asked(request.form.get(field)) or new_line()


def asked(line: str | None) -> str | None:
    if line:
        line_or_404(line)
    return line if line in known_lines() else None


def new_line() -> str:
    """The line new content is for when the form names none: the page's, else the first
    line the operator has (the demo's first line for an unlimited one)."""
    allowed = lines_of()
    return chosen_line() or (FIRST_LINE if allowed is None else min(allowed, default="")) \
        or FIRST_LINE
