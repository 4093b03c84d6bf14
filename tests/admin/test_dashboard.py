"""Dashboard figures, CSV and /metrics checked against seeded calls with known answers."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from app import analytics
from app.hold.models import HoldChannel, HoldSegment
from app.models import Call, CallEvent, db

DAY1, DAY2, LATER = datetime(2024, 3, 1, 9), datetime(2024, 3, 2, 15), datetime(2024, 3, 10, 8)
PERIOD = analytics.Period(date(2024, 3, 1), date(2024, 3, 3))
RANGE = "from=2024-03-01&to=2024-03-03"
# (started, outcome, handoff reason, nodes entered, no-match speech, hand-off node, hold)
CALLS = [
    (DAY1, "self_service", None, ["greeting", "main", "outage"], [], None, None),
    (DAY1, "escalated", "asked for a person", ["greeting", "main", "agent"], [], "main",
     "hold_answered"),
    (DAY2, "escalated", "kept failing to be understood", ["greeting", "main", "agent"],
     ["Gas Leak", "gas  leak"], "main", "hold_abandoned"),
    (DAY2, "abandoned_in_ivr", None, ["greeting", "main"], ["wibble"], None, None),
    (DAY2, "self_service", None, ["greeting", "main", "outage"], [], None, None),
    (DAY2, "escalated", "asked for a person", ["greeting", "main", "agent"], [], "main",
     "hold_callback"),
    (LATER, "escalated", "asked for a person", ["greeting", "main", "agent"], [], "main",
     "hold_abandoned"),  # outside the period
]


CHART_JS = "/admin/static/vendor/chart.umd.min.js"


def charts_on(page: str) -> dict[str, dict]:
    """The chart data the dashboard embeds as JSON, by chart id."""
    blocks = re.findall(r'<script type="application/json" id="chart-([\w-]+)-data">(.*?)</script>',
                        page, re.S)
    return {key: json.loads(body) for key, body in blocks}


def figures(chart: dict) -> dict:
    return dict(zip(chart["labels"], chart["values"], strict=True))


@pytest.fixture
def seeded(app):
    for i, (started, outcome, reason, nodes, unheard, handoff_at, hold) in enumerate(CALLS):
        call = Call(call_sid=f"CAseed{i}", from_number="+15550000000", to_number="+15005550006",
                    outcome=outcome, handoff_reason=reason, started_at=started)
        db.session.add(call)
        events = [("entered", node, {}) for node in nodes[:2]]
        events += [("no_match", "main", {"speech": s, "score": 0.1}) for s in unheard]
        if handoff_at:
            if unheard:
                events.append(("escalate", handoff_at, {"reason": reason}))
            events.append(("handoff", handoff_at, {"reason": reason}))
        events += [("entered", node, {}) for node in nodes[2:]]
        events += [(hold, None, {"wait_s": 12 if hold == "hold_answered" else 30})] \
            if hold else []
        for kind, node, detail in events:
            db.session.add(CallEvent(call=call, kind=kind, node=node, detail=detail, at=started))
    db.session.commit()


SEGMENTS = {"J1": ("jazz", 30.0), "J2": ("jazz", 40.0), "T1": ("tips", 60.0)}
# (calling number, started, [(seconds after the start, event kind, channel or segment)])
HOLD_CALLS = [
    ("+15550000001", DAY1, [(0, "chose", "jazz"), (0, "played", "J1"), (30, "played", "J2"),
                            (50, "hold_answered", None)]),  # J2 cut short: 20 s
    ("+15550000002", DAY2, [(0, "played", "J1"), (10, "hold_input", None),  # default music
                            (10, "chose", "tips"), (10, "played", "T1"),
                            (100, "hold_abandoned", None)]),
    ("+15550000001", DAY2, [(0, "chose", "jazz"), (0, "played", "J1"),  # same caller again
                            (25, "exhausted", "tips"), (25, "ended", None)]),
    ("+15550000003", DAY2, [(0, "chose", "jazz"), (0, "played", "J2")]),  # nothing after
    ("+15550000004", LATER, [(0, "chose", "tips"), (0, "played", "T1"),  # outside the period
                             (60, "hold_answered", None)]),
]


def hold_event(step: str, what: str | None, segments: dict) -> tuple[str, dict]:
    """The event kind and detail the hold loop records for a step of HOLD_CALLS."""
    if step in ("chose", "exhausted"):
        why = "caller chose" if step == "chose" else "channel exhausted"
        return "hold_channel", {"channel": what, "why": why}
    if step == "played":
        return "hold_played", {"channel": SEGMENTS[what][0], "segment": segments[what].id,
                               "track": what}
    return step, {}


@pytest.fixture
def seeded_hold(app):
    channels = dict(db.session.execute(select(HoldChannel.key, HoldChannel.id)).all())
    segments = {}
    for name, (channel, seconds) in SEGMENTS.items():
        segments[name] = HoldSegment(channel_id=channels[channel], track=name, file_name=name,
                                     sha256="0" * 64, duration_s=seconds)
        db.session.add(segments[name])
    db.session.flush()
    for i, (number, started, events) in enumerate(HOLD_CALLS):
        call = Call(call_sid=f"CAhold{i}", from_number=number, to_number="+15005550006",
                    started_at=started)
        for after_s, step, what in events:
            kind, detail = hold_event(step, what, segments)
            db.session.add(CallEvent(call=call, kind=kind, detail=detail,
                                     at=started + timedelta(seconds=after_s)))
    db.session.commit()


def test_figures_match_the_seeded_calls(seeded):
    s = analytics.summarise(PERIOD)
    assert s.calls == 6
    assert s.calls_per_day == [(date(2024, 3, 1), 2), (date(2024, 3, 2), 4),
                               (date(2024, 3, 3), 0)]
    assert s.containment_rate == pytest.approx(2 / 6)
    assert s.ivr_abandonment_rate == pytest.approx(1 / 6)
    assert s.hold == {"answered": 1, "abandoned": 1, "callback": 1}
    assert s.queue_abandonment_rate == pytest.approx(1 / 3)
    assert s.average_speed_of_answer == 12 and s.service_level == pytest.approx(1 / 2)
    assert s.escalation_reasons == [("asked for a person", 2),
                                    ("kept failing to be understood", 1)]
    assert s.unrecognised == [("gas leak", 2), ("wibble", 1)]
    funnel = {n.node: n for n in s.funnel}
    assert funnel["greeting"] == analytics.NodeFunnel("greeting", 6, 0, 0, 0)
    assert funnel["main"] == analytics.NodeFunnel("main", 6, 3, 1, 1)  # escalate+handoff once
    assert funnel["agent"] == analytics.NodeFunnel("agent", 3, 0, 3, 0)
    assert funnel["outage"] == analytics.NodeFunnel("outage", 2, 0, 2, 0)


def test_hold_channel_popularity_and_listening_time(seeded_hold):
    uses = {c.channel: c for c in analytics.summarise(PERIOD).hold_channels}
    # jazz: two numbers chose it (one twice); 30 + 20 + 10 (default) + 25 + 40 s played
    assert (uses["jazz"].callers, uses["jazz"].listened_s) == (2, 125)
    assert (uses["tips"].callers, uses["tips"].listened_s) == (1, 60)  # exhausted is no choice
    assert (uses["quiz"].callers, uses["quiz"].listened_s) == (0, 0)  # offered, never chosen
    assert [c.channel for c in analytics.summarise(PERIOD).hold_channels][:2] == ["jazz", "tips"]


def test_no_calls_is_no_rate_not_zero(app):
    s = analytics.summarise(analytics.Period(date(2020, 1, 1), date(2020, 1, 2)))
    assert s.calls == 0 and s.containment_rate is None and s.queue_abandonment_rate is None


def test_dashboard_page_shows_the_figures(operator, seeded):
    page = operator.get(f"/admin/dashboard?{RANGE}").get_data(as_text=True)
    assert 'id="fig-calls">Calls<b>6</b>' in page
    assert "33.3 %" in page and "16.7 %" in page
    assert 'id="fig-asa">Average speed of answer<b>12 s</b>' in page
    charts = charts_on(page)
    assert figures(charts["per-day"]) == {"2024-03-01": 2, "2024-03-02": 4, "2024-03-03": 0}
    assert charts["per-day"]["type"] == "bar"
    assert figures(charts["outcomes"]) == {"escalated": 3, "self_service": 2,
                                           "abandoned_in_ivr": 1}
    assert figures(charts["reasons"]) == {"asked for a person": 2,
                                          "kept failing to be understood": 1}
    assert charts["unrecognised"]["labels"] == ["gas leak", "wibble"]
    assert charts["unrecognised"]["values"] == [2, 1]
    # Each canvas names its data and holds the figures as a fallback table.
    assert '<canvas id="chart-unrecognised" class="chart" ' \
        'data-chart="chart-unrecognised-data">' in page
    assert '<tr><td>gas leak</td><td class="num">2</td></tr>' in page
    assert "<svg" not in page
    assert "<td><code>main</code></td><td class=\"num\">6</td><td class=\"num\">3</td>" in page


def test_dashboard_page_shows_hold_channels(operator, seeded_hold):
    page = operator.get(f"/admin/dashboard?{RANGE}").get_data(as_text=True)
    assert '<tr><td>jazz</td><td class="num">2</td><td class="num">2.1</td></tr>' in page
    assert '<td>today&#39;s energy tips</td><td class="num">1</td><td class="num">1.0</td>' \
        in page
    charts = charts_on(page)
    assert figures(charts["hold-minutes"])["jazz"] == 2.1
    assert figures(charts["hold-minutes"])["today's energy tips"] == 1.0
    assert figures(charts["hold-callers"])["jazz"] == 2
    assert '<tr><td>jazz</td><td class="num">2.1</td></tr>' in page  # the canvas's fallback
    later = operator.get("/admin/dashboard?from=2024-03-10&to=2024-03-10").get_data(as_text=True)
    assert '<td>today&#39;s energy tips</td><td class="num">1</td><td class="num">1.0</td>' \
        in later and '<tr><td>jazz</td><td class="num">0</td><td class="num">0.0</td>' in later


def test_dashboard_draws_with_the_vendored_chart_js(operator):
    page = operator.get(f"/admin/dashboard?{RANGE}").get_data(as_text=True)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    sources = [re.search(r'src="([^"]+)"', attrs).group(1) for attrs, _ in scripts
               if "src=" in attrs]
    assert sources == [CHART_JS, "/admin/static/dashboard.js"]  # local, Chart.js first
    # No inline code: every other script element is chart data.
    assert all('type="application/json"' in attrs for attrs, body in scripts if body.strip())
    # No calls: only the days and the hold channels have rows; the rest say so.
    assert set(charts_on(page)) == {"per-day", "hold-callers", "hold-minutes"}
    assert page.count("No data in this period.") == 3


def test_chart_js_is_served_locally(client):
    library = client.get(CHART_JS)
    assert library.status_code == 200 and "javascript" in library.mimetype
    assert library.get_data(as_text=True).startswith("/*!\n * Chart.js v4.6.1\n")
    script = client.get("/admin/static/dashboard.js")
    assert script.status_code == 200 and "javascript" in script.mimetype
    assert "new Chart(" in script.get_data(as_text=True)
    licence = client.get("/admin/static/vendor/chart.js-LICENSE.md")
    assert licence.status_code == 200 and "The MIT License" in licence.get_data(as_text=True)


def test_bad_range_falls_back_with_a_message(operator):
    response = operator.get("/admin/dashboard?from=2024-03-05&to=2024-03-01")
    assert response.status_code == 200
    assert "first day is after the last" in response.get_data(as_text=True)
    assert "Dates must look like" in operator.get(
        "/admin/dashboard?from=yesterday").get_data(as_text=True)


def test_csv_export_has_the_same_figures(operator, seeded):
    response = operator.get(f"/admin/dashboard.csv?{RANGE}")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    table = {(r[0], r[1]): r[2:] for r in rows[1:]}
    assert table[("calls", "total")] == ["6"]
    assert table[("rate", "containment_rate")] == ["0.3333"]
    assert table[("calls_per_day", "2024-03-02")] == ["4"]
    assert table[("rate", "service_level")] == ["0.5000"]
    assert table[("hold", "average_speed_of_answer_s")] == ["12.0"]
    assert table[("unrecognised", "gas leak")] == ["2"]
    assert table[("funnel", "main")] == ["6", "3", "1", "1"]


def test_csv_export_has_the_hold_channels(operator, seeded_hold):
    body = operator.get(f"/admin/dashboard.csv?{RANGE}").get_data(as_text=True)
    table = {(r[0], r[1]): r[2:] for r in csv.reader(io.StringIO(body))}
    assert table[("hold_channel_callers", "jazz")] == ["2"]
    assert table[("hold_channel_minutes", "jazz")] == ["2.1"]
    assert table[("hold_channel_callers", "tips")] == ["1"]
    assert table[("hold_channel_minutes", "tips")] == ["1.0"]
    assert table[("hold_channel_callers", "quiz")] == ["0"]


def test_csv_cells_never_become_formulas(operator, app):
    call = Call(call_sid="CAevil", from_number="+1", to_number="+2", started_at=DAY1)
    db.session.add(CallEvent(call=call, kind="no_match", node="main",
                             detail={"speech": "=HYPERLINK(1)"}))
    db.session.commit()
    body = operator.get(f"/admin/dashboard.csv?{RANGE}").get_data(as_text=True)
    assert "unrecognised,'=hyperlink(1),1" in body


def test_agent_cannot_export(client, make_user, login):
    make_user("andy", "agent")
    login("andy")
    assert client.get(f"/admin/dashboard.csv?{RANGE}").status_code == 403


def test_simulated_calls_reach_the_dashboard(operator, simulate):
    from app.simulator import SILENCE

    simulate([SILENCE, SILENCE, SILENCE])
    today = analytics.Period.last_days(1)
    s = analytics.summarise(today)
    assert s.calls == 1 and s.escalation_reasons == [("no input", 1)]
    assert any(n.node == "main" and n.handed_off == 1 for n in s.funnel)


def test_metrics_refused_without_a_configured_token(client, app, monkeypatch):
    monkeypatch.delenv("METRICS_TOKEN", raising=False)
    assert client.get("/metrics").status_code == 403


def test_metrics_with_a_bearer_token(client, app, seeded):
    app.config["METRICS_TOKEN"] = "scrape-me"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    response = client.get("/metrics", headers={"Authorization": "Bearer scrape-me"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'holdline_calls_total{outcome="escalated"} 4.0' in body
    assert 'holdline_handoffs_total{reason="asked for a person"} 3.0' in body
    assert 'holdline_hold_waits_total{result="abandoned"} 2.0' in body
    assert 'holdline_containment_ratio{window="all"} 0.2857' in body


def test_metrics_count_hold_listening_time(client, app, seeded_hold):
    app.config["METRICS_TOKEN"] = "scrape-me"
    body = client.get("/metrics", headers={"Authorization": "Bearer scrape-me"}).get_data(
        as_text=True)
    assert 'holdline_hold_listened_seconds_total{channel="jazz"} 125.0' in body
    assert 'holdline_hold_listened_seconds_total{channel="tips"} 120.0' in body  # all time
