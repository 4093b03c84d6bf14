"""Prometheus /metrics: the core call figures, read from app.analytics at scrape time, and
the wallboard's queue and agent gauges (app/supervisor) to alert on.

Behind a bearer token (METRICS_TOKEN in the config or environment): the figures show
call volumes and what callers said, and the endpoint runs database queries, so it is
not left open. With no token set the endpoint is refused (403), never open by default.
"""

from __future__ import annotations

import hmac
import os

from flask import Flask, Response, abort, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from .. import analytics
from ..events import Outcome
from ..supervisor.rows import current_board


class CallFigures:
    """A custom collector: every scrape asks the database, nothing is kept in memory,
    so any worker answers with the same figures."""

    def collect(self):
        outcomes = analytics.outcomes()
        calls = CounterMetricFamily("holdline_calls", "Calls by outcome", labels=["outcome"])
        for outcome, count in sorted(outcomes.items()):
            calls.add_metric([outcome], count)
        yield calls
        reasons = CounterMetricFamily("holdline_handoffs", "Calls handed to a person, by reason",
                                      labels=["reason"])
        for reason, count in analytics.escalation_reasons():
            reasons.add_metric([reason], count)
        yield reasons
        hold = CounterMetricFamily("holdline_hold_waits", "Ended waits in a queue, by result",
                                   labels=["result"])
        for result, count in analytics.hold_results().items():
            hold.add_metric([result], count)
        yield hold
        listened = CounterMetricFamily("holdline_hold_listened_seconds",
                                       "Hold content played to callers, by channel",
                                       labels=["channel"])
        for channel in analytics.hold_channels():
            listened.add_metric([channel.channel], channel.listened_s)
        yield listened
        yield from rates(outcomes)


def rates(outcomes: dict[str, int]):
    today = analytics.Period.last_days(1)
    day = analytics.outcomes(today)
    for name, outcome, text in (
            ("holdline_containment_ratio", Outcome.SELF_SERVICE, "Self-service share of calls"),
            ("holdline_ivr_abandonment_ratio", Outcome.ABANDONED_IN_IVR,
             "Share of calls hung up in the IVR")):
        gauge = GaugeMetricFamily(name, text + " (window: all time, or today UTC)",
                                  labels=["window"])
        for window, counts in (("all", outcomes), ("today", day)):
            value = analytics.ratio(counts.get(outcome, 0), sum(counts.values()))
            gauge.add_metric([window], value if value is not None else float("nan"))
        yield gauge


class QueueGauges:
    """The wallboard's figures as gauges to alert on, from the same function as the page."""

    def collect(self):
        board = current_board()
        waiting = GaugeMetricFamily("holdline_queue_waiting", "Callers waiting in a queue now",
                                    labels=["queue"])
        longest = GaugeMetricFamily("holdline_queue_longest_wait_seconds",
                                    "How long the longest-waiting caller has waited (0: nobody)",
                                    labels=["queue"])
        level = GaugeMetricFamily(
            "holdline_service_level_ratio",
            f"Share of ended waits answered within {board.threshold_s} s (window: today UTC, "
            "or 1h rolling; NaN before the first answered or abandoned wait)",
            labels=["queue", "window"])
        for queue in board.queues:
            waiting.add_metric([queue.queue], queue.waiting)
            longest.add_metric([queue.queue], queue.longest_wait_s)
            for window, ratio in (("today", queue.service_level),
                                  ("1h", queue.last_hour.service_level)):
                level.add_metric([queue.queue, window], nan_if_none(ratio))
        agents = GaugeMetricFamily("holdline_agents", "Agents by state now", labels=["state"])
        for state, count in board.agents_by_state().items():
            agents.add_metric([state], count)
        yield from (waiting, longest, level, agents)


def nan_if_none(ratio: float | None) -> float:
    return ratio if ratio is not None else float("nan")


def metrics_token() -> str:
    return current_app.config.get("METRICS_TOKEN") or os.environ.get("METRICS_TOKEN") or ""


def metrics():
    token = metrics_token()
    if not token:
        abort(403, "set METRICS_TOKEN to enable /metrics")
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), token.encode()):
        abort(401)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(CallFigures())
    registry.register(QueueGauges())
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


def install(app: Flask) -> None:
    """/metrics sits at the root, outside /admin, where scrapers expect it."""
    app.add_url_rule("/metrics", "metrics", metrics)
