"""Business hours per queue: weekly spans and special days (holidays), in the syntax of
the HOLDLINE_QUEUE_HOURS default. Checked on save with the field named; refused hours
save nothing and leave every queue as it was."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..auth import audit, role_required
from ..auth.lines import may_see_line, may_see_queue, queue_line
from ..hours import rules
from ..hours import service as hours
from .views import bp, done

MAX_TEXT = 4000  # characters of a textarea: a year of holidays fits


def queue_named(queue: str) -> str:
    if not (rules.QUEUE.match(queue) and queue != "*" and may_see_queue(queue)):
        abort(404)
    return queue


def current(queue: str) -> dict:
    """What the page shows of a queue: its source, its hours as text, open now or not."""
    row = hours.stored_row(queue)
    default = hours.default_for(queue)
    shown = hours.hours_for(queue)
    today = hours.server_today()  # days gone by no longer matter, and could not be saved
    coming = {day: special for day, special in shown.special.items() if day >= today}
    source = ("set here" if row is not None else
              "HOLDLINE_QUEUE_HOURS (initial default)" if default else "always open (none set)")
    return {"queue": queue, "line": queue_line(queue) or "shared", "row": row, "source": source,
            "weekly": rules.weekly_text(shown.weekly) if shown is not rules.ALWAYS else "",
            "special": rules.special_text(coming),
            "open": hours.status(queue).open}


@bp.get("/hours")
@role_required("operator")
def business_hours():
    queues = [current(queue) for queue in hours.known_queues() if may_see_queue(queue)]
    lines = [line for line in hours.lines() if may_see_line(line.menu)]
    return render_template("admin/hours.html", queues=queues, lines=lines,
                           today=hours.server_today())


@bp.get("/hours/<queue>")
@role_required("operator")
def edit_hours(queue: str):
    return render_editor(current(queue_named(queue)))


def render_editor(shown: dict, problems=(), status: int = 200):
    return render_template("admin/hours_edit.html", shown=shown, problems=problems,
                           weekdays=rules.WEEKDAYS, today=hours.server_today()), status


@bp.post("/hours/<queue>")
@role_required("operator")
def save_hours(queue: str):
    queue = queue_named(queue)
    weekly = request.form.get("weekly", "")[:MAX_TEXT]
    special = request.form.get("special", "")[:MAX_TEXT]
    try:
        hours.save(queue, weekly, special, current_user.username)
    except rules.HoursError as exc:
        return render_editor({**current(queue), "weekly": weekly, "special": special},
                             exc.problems, 422)
    audit("hours.save", queue, weekly=weekly.strip(), special=special.strip())
    return done(f"Saved the hours of {queue}. Callers hear them now.", "admin.edit_hours",
                queue=queue)


@bp.post("/hours/<queue>/reset")
@role_required("operator")
def reset_hours(queue: str):
    queue = queue_named(queue)
    if not hours.reset(queue):
        flash(f"{queue} already uses the default hours.")
        return redirect(url_for("admin.edit_hours", queue=queue)), 303
    audit("hours.reset", queue)
    return done(f"{queue} is back to the default hours.", "admin.edit_hours", queue=queue)
