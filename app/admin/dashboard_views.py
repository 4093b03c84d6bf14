"""Dashboard of call figures for a date range, its CSV export, and /metrics."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from flask import Response, render_template, request

from .. import analytics
from ..auth import role_required
from ..auth.lines import lines_of
from .line_filter import chosen_line, known_lines
from .understanding_views import teachable  # its routes register on bp with it
from .views import bp

DEFAULT_DAYS = 14
MAX_DAYS = 366


def period_from(args) -> tuple[analytics.Period, str | None]:
    """The ?from=&to= range (ISO dates); a bad range falls back to the last 14 days."""
    default = analytics.Period.last_days(DEFAULT_DAYS)
    try:
        first = date.fromisoformat(args.get("from") or default.first.isoformat())
        last = date.fromisoformat(args.get("to") or default.last.isoformat())
    except ValueError:
        return default, "Dates must look like 2024-05-31; showing the last 14 days."
    if first > last:
        return default, "The first day is after the last; showing the last 14 days."
    if last - first > timedelta(days=MAX_DAYS):
        return analytics.Period(last - timedelta(days=MAX_DAYS - 1), last), \
            f"At most {MAX_DAYS} days at once; showing the last {MAX_DAYS} of the range."
    return analytics.Period(first, last), None


def chart(key: str, title: str, items, *, kind: str, unit: str, decimals: int = 0,
          alt: bool = False) -> dict:
    """One chart's data for the page: the template embeds it as JSON next to its canvas
    (and as the canvas's fallback table); static/dashboard.js draws it with Chart.js.
    kind is a Chart.js type ("bar", "line") or "hbar" for horizontal bars."""
    return {"id": key, "title": title, "type": kind, "unit": unit, "decimals": decimals,
            "alt": alt, "labels": [label for label, _ in items],
            "values": [value for _, value in items]}


def dashboard_charts(summary: analytics.Summary) -> list[dict]:
    channels = summary.hold_channels
    return [
        chart("per-day", "Calls per day", [(day.isoformat(), n) for day, n in
                                            summary.calls_per_day],
              kind="bar", unit="Calls"),
        chart("outcomes", "Outcomes", sorted(summary.outcomes.items(), key=lambda o: -o[1]),
              kind="hbar", unit="Calls"),
        chart("reasons", "Why callers went to a person", summary.escalation_reasons,
              kind="hbar", unit="Hand-offs", alt=True),
        chart("unrecognised", "Top unrecognised words", summary.unrecognised,
              kind="hbar", unit="Times said", alt=True),
        chart("hold-callers", "Callers who chose each hold channel",
              [(c.name, c.callers) for c in channels], kind="hbar", unit="Callers"),
        chart("hold-minutes", "Minutes listened on hold, by channel",
              [(c.name, c.listened_min) for c in channels], kind="hbar",
              unit="Minutes listened", decimals=1),
    ]


def lines_counted() -> tuple[str | None, analytics.Lines]:
    """The ?line= chosen (another's is a 404), and the lines whose calls count: that one,
    else every line the operator may see (None: every call, for an unlimited one)."""
    line = chosen_line()
    return line, {line} if line else lines_of()


@bp.get("/dashboard")
@role_required("operator")
def dashboard():
    period, problem = period_from(request.args)
    line, lines = lines_counted()
    summary = analytics.summarise(period, lines=lines)
    return render_template(
        "admin/dashboard.html", summary=summary, problem=problem, line=line,
        lines=known_lines(), every_line=lines_of() is None,
        service_level_s=analytics.SERVICE_LEVEL_S, charts=dashboard_charts(summary),
        teach=teachable(period, lines))


def safe_cell(value):
    """Callers' words go into the CSV: never let a spreadsheet read them as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@bp.get("/dashboard.csv")
@role_required("operator")
def dashboard_csv():
    period, _ = period_from(request.args)
    line, lines = lines_counted()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(("section", "key", "value", "handed_off", "ended_here", "hung_up_here"))
    writer.writerows([safe_cell(cell) for cell in row]
                     for row in analytics.csv_rows(analytics.summarise(period, lines=lines)))
    name = f"holdline-{line + '-' if line else ''}{period.first}-{period.last}.csv"
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
