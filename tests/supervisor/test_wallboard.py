"""/supervisor and its JSON behind login and role, and the queue gauges of /metrics, read
back with prometheus_client's own parser: real calls through the simulator, real rows."""

from __future__ import annotations

import math
import re
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from app.agents import presence
from app.agents.models import AgentProfile, Assignment
from app.auth.models import User
from app.hold.models import HoldSession
from app.models import Call, db, utcnow
from tests.agents.test_agents import callback_request, waiting_caller


def ended_wait(number: str, outcome: str, wait_s: int) -> None:
    """A wait that ended today as the queue reports it (the call's own path is tested in
    tests/hold/)."""
    now = utcnow()
    call = Call(call_sid=f"CA-{number}", from_number=number, to_number="+15005550006",
                ended_at=now, started_at=now - timedelta(seconds=wait_s + 30))
    db.session.add(HoldSession(call=call, queue="general", outcome=outcome, ended_at=now,
                               wait_s=wait_s, joined_at=now - timedelta(seconds=wait_s)))


@pytest.fixture
def busy_day(simulate, make_user):
    """Maria waits now; one caller was answered in 12 s today, one hung up after 40 s;
    one callback is pending; Andy is on a call since 90 s, Bea away since 5 minutes."""
    maria = waiting_caller(simulate)
    callback_request(simulate, "+15559990013")
    ended_wait("+15559990011", "answered", 12)
    ended_wait("+15559990012", "abandoned", 40)
    now = utcnow()
    andy = AgentProfile(user=make_user("andy", "agent"), phone="+15550007777",
                        skills=["general"], status="on-call",
                        status_since=now - timedelta(seconds=90))
    db.session.add_all([andy, AgentProfile(user=make_user("bea", "agent"), phone="+15550007778",
                                           skills=["general", "sales"], status="away",
                                           status_since=now - timedelta(seconds=300))])
    db.session.flush()
    db.session.add(Assignment(agent=andy, call=maria, kind="caller",
                              created_at=now - timedelta(seconds=90)))
    session = db.session.scalar(select(HoldSession).where(HoldSession.call_id == maria.id))
    session.joined_at = now - timedelta(seconds=65)
    db.session.commit()


@pytest.mark.parametrize("role, status", [("supervisor", 200), ("admin", 200),
                                          ("operator", 403), ("agent", 403)])
def test_only_supervisors_and_admins_see_the_wallboard(client, login, make_user, role, status):
    make_user("sam", role)
    login("sam")
    assert client.get("/supervisor/").status_code == status
    assert client.get("/supervisor/board.json").status_code == status


def test_the_wallboard_asks_for_a_login(client):
    response = client.get("/supervisor/board.json")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_supervisor_lands_on_the_wallboard(client, login, make_user):
    make_user("sam", "supervisor")
    assert login("sam").headers["Location"].endswith("/supervisor/")


def test_the_board_json_has_each_queue_and_agent_figure(client, login, make_user, busy_day):
    make_user("sam", "supervisor")
    login("sam")
    board = client.get("/supervisor/board.json").get_json()
    general, sales = board["queues"]
    assert (general["waiting"], general["answered"], general["abandoned"],
            general["callbacks_pending"]) == (1, 1, 1, 1)
    assert 65 <= general["longest_wait_s"] < 70
    assert general["service_level"] == 0.5  # 12 s answered in 20 s; 40 s abandoned
    assert general["service_level_1h"] == 0.5  # both ended just now
    assert general["cells"][:2] + general["cells"][3:] == ["general", "1", "50%", "50%", "1",
                                                            "1", "1"]
    assert re.fullmatch(r"1 min 0[5-9] s", general["cells"][2])
    assert sales["cells"] == ["sales", "0", "none waiting", "none ended", "none ended", "0",
                              "0", "0"]
    andy, bea = board["agents"]
    assert (andy["name"], andy["state"], bea["state"]) == ("andy", "on-call", "away")
    assert 90 <= andy["in_state_s"] < 95 and 300 <= bea["in_state_s"] < 305
    page = client.get("/supervisor/").get_data(as_text=True)
    assert '<tr data-key="sales"><td>sales</td><td>0</td><td>none waiting</td>' in page
    assert "<caption>" in page and 'aria-live' not in page


def scrape(client, app) -> dict[tuple[str, tuple], float]:
    app.config["METRICS_TOKEN"] = "scrape-me"
    text = client.get("/metrics", headers={"Authorization": "Bearer scrape-me"}).get_data(
        as_text=True)
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def test_metrics_expose_the_queue_and_agent_gauges(client, app, busy_day):
    samples = scrape(client, app)
    assert samples[("holdline_queue_waiting", (("queue", "general"),))] == 1
    assert samples[("holdline_queue_waiting", (("queue", "sales"),))] == 0
    assert 65 <= samples[("holdline_queue_longest_wait_seconds", (("queue", "general"),))] < 70
    for window in ("today", "1h"):
        assert samples[("holdline_service_level_ratio",
                        (("queue", "general"), ("window", window)))] == 0.5
    assert math.isnan(samples[("holdline_service_level_ratio",
                               (("queue", "sales"), ("window", "today")))])
    assert {state: samples[("holdline_agents", (("state", state),))]
            for state in presence.STATES} == {"available": 0, "away": 1, "offered": 0,
                                              "on-call": 1, "wrap-up": 0}


def test_metrics_gauges_exist_on_an_empty_centre(client, app):
    samples = scrape(client, app)
    assert samples[("holdline_agents", (("state", "available"),))] == 0
    assert not any(name == "holdline_queue_waiting" for name, _ in samples)  # no queue yet


def readme_alert_rules() -> list[dict]:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    section = readme.split("## Supervisor wallboard", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```yaml\n(groups:.*?)```", section, re.S)
    assert block, "README's Supervisor wallboard section has no alerting rule example"
    return [rule for group in yaml.safe_load(block.group(1))["groups"]
            for rule in group["rules"]]


def test_the_readme_alert_rules_name_only_gauges_that_metrics_exposes(client, app, make_user):
    db.session.add(AgentProfile(user=make_user("andy", "agent"), phone="+15550007777",
                                skills=["general"]))
    db.session.commit()
    exposed = {name for name, _ in scrape(client, app)}
    rules = readme_alert_rules()
    assert len(rules) == 3 and all(rule["alert"] and rule["for"] for rule in rules)
    named = {name for rule in rules for name in re.findall(r"\bholdline_\w+", rule["expr"])}
    assert named == {"holdline_queue_longest_wait_seconds", "holdline_service_level_ratio",
                     "holdline_queue_waiting", "holdline_agents"}
    assert named <= exposed


def test_a_supervisor_account_is_made_from_the_command_line(app):
    result = app.test_cli_runner().invoke(args=["users", "create", "sam", "--role",
                                                "supervisor", "--password", "a-long-password"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User.role).where(User.username == "sam")) == "supervisor"


def test_the_service_level_threshold_is_one_setting_for_page_json_and_gauge(
        client, app, login, make_user, busy_day):
    app.config["SERVICE_LEVEL_S"] = 10  # the 12 s answer is now late
    assert scrape(client, app)[("holdline_service_level_ratio",
                                (("queue", "general"), ("window", "today")))] == 0.0
    make_user("sam", "supervisor")
    login("sam")
    assert client.get("/supervisor/board.json").get_json()["queues"][0]["service_level"] == 0.0
    assert "answered within 10 s" in client.get("/supervisor/").get_data(as_text=True)
