"""Dashboard of call figures for a date range, its CSV export, and /metrics."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from flask import Response, render_template, request

from .. import analytics
from ..auth import role_required
from . import charts
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


@bp.get("/dashboard")
@role_required("operator")
def dashboard():
    period, problem = period_from(request.args)
    summary = analytics.summarise(period)
    per_day = [(day.strftime("%m-%d"), n) for day, n in summary.calls_per_day]
    return render_template(
        "admin/dashboard.html", summary=summary, problem=problem,
        service_level_s=analytics.SERVICE_LEVEL_S,
        per_day=charts.columns(per_day),
        reasons=charts.rows(summary.escalation_reasons),
        unrecognised=charts.rows(summary.unrecognised),
        listened=charts.rows([(c.name, c.listened_min) for c in summary.hold_channels]),
        outcomes=charts.rows(sorted(summary.outcomes.items(), key=lambda o: -o[1])))


def safe_cell(value):
    """Callers' words go into the CSV: never let a spreadsheet read them as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@bp.get("/dashboard.csv")
@role_required("operator")
def dashboard_csv():
    period, _ = period_from(request.args)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(("section", "key", "value", "handed_off", "ended_here", "hung_up_here"))
    writer.writerows([safe_cell(cell) for cell in row]
                     for row in analytics.csv_rows(analytics.summarise(period)))
    name = f"holdline-{period.first}-{period.last}.csv"
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
