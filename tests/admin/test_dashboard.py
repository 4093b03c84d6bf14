"""Dashboard figures, CSV and /metrics checked against seeded calls with known answers."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest

from app import analytics
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


def test_no_calls_is_no_rate_not_zero(app):
    s = analytics.summarise(analytics.Period(date(2020, 1, 1), date(2020, 1, 2)))
    assert s.calls == 0 and s.containment_rate is None and s.queue_abandonment_rate is None


def test_dashboard_page_shows_the_figures(operator, seeded):
    page = operator.get(f"/admin/dashboard?{RANGE}").get_data(as_text=True)
    assert 'id="fig-calls">Calls<b>6</b>' in page
    assert "33.3 %" in page and "16.7 %" in page
    assert 'id="fig-asa">Average speed of answer<b>12 s</b>' in page
    assert "<title>gas leak: 2</title>" in page
    assert "<title>kept failing to be understood: 1</title>" in page
    assert "<td><code>main</code></td><td class=\"num\">6</td><td class=\"num\">3</td>" in page


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
