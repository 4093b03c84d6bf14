"""The live streams (app/live.py) of the console and the wallboard, read as a browser's
EventSource reads them: behind login and role, the whole state first, then only changes,
the whole state again on reconnect, a cap per worker; and the routing clock they drive:
offers with no poll, gone agents made away with the caller keeping their place."""

from __future__ import annotations

import json
import runpy
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app import jobs, live
from app.agents import heartbeat, service
from app.agents.models import Assignment, Offer
from app.hold.models import HoldSession
from app.models import db, utcnow
from tests.agents.test_agents import MARIA, waiting_caller
from tests.conftest import csrf_from


@pytest.fixture(autouse=True)
def short_streams(app):
    app.config.update(LIVE_TICK_S=0.05, LIVE_STREAM_S=0.5)


def read(response) -> tuple[list[str], list[dict]]:
    """A whole (short) stream: its `retry:` and `id:` lines, and its events' data."""
    text = response.get_data(as_text=True)
    response.close()
    fields = [line for line in text.splitlines() if line.startswith(("retry:", "id:"))]
    return fields, [json.loads(line[6:]) for line in text.splitlines()
                    if line.startswith("data: ")]


def next_event(chunks) -> dict:
    for chunk in chunks:
        text = chunk.decode()
        if text.startswith("id: "):
            return json.loads(text.split("data: ", 1)[1])
    raise AssertionError("the stream ended without another event")


@pytest.mark.parametrize("path, role, status", [
    ("/supervisor/live", None, 302), ("/supervisor/live", "agent", 403),
    ("/supervisor/live", "operator", 403), ("/supervisor/live", "supervisor", 200),
    ("/agent/live", None, 302), ("/agent/live", "supervisor", 403),
    ("/agent/live", "agent", 403)])  # an agent login with no agent profile
def test_a_stream_is_behind_login_and_the_pages_role(client, login, make_user, path, role,
                                                     status):
    if role:
        make_user("someone", role)
        login("someone")
    response = client.get(path)
    assert response.status_code == status
    if status == 302:
        assert "/login" in response.headers["Location"]
    response.close()


def test_the_wallboard_stream_sends_the_board_once_and_then_only_what_changed(
        client, login, make_user, agent):
    make_user("sam", "supervisor")
    login("sam")
    fields, events = read(client.get("/supervisor/live"))
    assert fields[0] == f"retry: {live.RETRY_MS}"
    assert len(events) == 1  # ten ticks, nothing changed: one event, the whole board
    assert events[0]["queues"] == [] and events[0]["agents"] == []  # a quiet morning
    assert fields[1] == f"id: {live.digest(events[0])}"

    response = client.get("/supervisor/live")
    chunks = iter(response.response)
    assert next_event(chunks)["agents"] == []
    bea = agent("bea")
    bea.status, bea.status_since = "away", utcnow()
    db.session.commit()
    changed = next_event(chunks)
    assert [a["cells"][:2] for a in changed["agents"]] == [["bea", "away"]]
    response.close()


def test_a_reconnecting_console_gets_its_whole_state_first(client, login, agent):
    andy = agent()
    andy.status, andy.status_reason = "away", "lunch"
    db.session.commit()
    login("andy")
    _, [first] = read(client.get("/agent/live"))
    assert first["presence"]["state"] == "away" and first["line"]["line"] == []
    # EventSource sends the last id it saw: the reply is still the whole state, first.
    _, [again, *_] = read(client.get("/agent/live", headers={
        "Last-Event-ID": live.digest(first)}))
    assert again["presence"] == first["presence"] and again["line"] == first["line"]


def test_past_the_cap_a_worker_answers_204_and_the_page_polls(app, client, login, make_user):
    already = live.slots.open  # a browser test's stream may still be winding down
    app.config.update(LIVE_STREAMS_PER_WORKER=already + 1, LIVE_STREAM_S=30)
    make_user("sam", "supervisor")
    login("sam")
    held = client.get("/supervisor/live")
    next_event(iter(held.response))  # one stream open on this worker
    assert client.get("/supervisor/live").status_code == 204  # EventSource gives up: polls
    assert client.get("/supervisor/board.json").status_code == 200  # the poll it falls to
    held.close()
    assert live.slots.open <= already  # the closed stream gave its slot back
    again = client.get("/supervisor/live")
    assert again.status_code == 200 and again.mimetype == "text/event-stream"
    again.close()


def test_a_stream_ends_by_itself_and_streams_leave_gunicorn_most_threads(client, login,
                                                                         make_user):
    from app.config import Config

    make_user("sam", "supervisor")
    login("sam")
    started = time.monotonic()
    read(client.get("/supervisor/live"))  # returns only once the stream ended
    assert 0.4 <= time.monotonic() - started < 2  # LIVE_STREAM_S of this test: 0.5 s
    gunicorn = runpy.run_path(str(Path(__file__).parents[2] / "gunicorn.conf.py"))
    assert gunicorn["worker_class"] == "gthread"
    assert Config.LIVE_STREAM_S == 55  # under a minute: proxies' idle timeouts
    assert Config.LIVE_STREAMS_PER_WORKER * 4 <= gunicorn["threads"]  # 3/4 for webhooks


def test_with_only_the_wallboard_open_an_available_agent_is_offered_the_caller(
        simulate, client, login, make_user, agent):
    """Nobody polls a console: the wallboard's stream ticks the routing clock."""
    waiting_caller(simulate)  # nobody available yet: no offer
    andy = agent()  # an agent added as available, with no routing decision since
    assert db.session.scalar(select(Offer)) is None
    make_user("sam", "supervisor")
    login("sam")
    heartbeat.clock._last = float("-inf")
    read(client.get("/supervisor/live"))
    offer = db.session.scalar(select(Offer).where(Offer.agent_id == andy.id))
    assert offer is not None and offer.status == "open" and offer.call.from_number == MARIA


def test_the_job_workers_clock_offers_a_caller_with_no_page_open(simulate, agent):
    waiting_caller(simulate)
    andy = agent()
    stop = threading.Event()
    stop.set()  # one tick
    jobs.routing_clock(stop)
    assert db.session.scalar(select(Offer).where(Offer.agent_id == andy.id)) is not None


def test_the_console_stream_marks_its_agent_seen(client, login, agent):
    andy = agent()
    assert andy.last_seen_at is None
    login("andy")
    read(client.get("/agent/live"))
    db.session.expire_all()
    assert utcnow() - andy.last_seen_at < timedelta(seconds=5)


def test_an_agent_who_closed_the_console_mid_offer_is_made_away_and_the_caller_goes_on(
        simulate, client, login, agent):
    andy = agent()
    andy.last_seen_at = utcnow()
    db.session.commit()
    waiting_caller(simulate)
    [offer] = db.session.scalars(select(Offer)).all()
    assert offer.agent_id == andy.id
    bea = agent("bea", "+15550007778")
    login("bea")
    read(client.get("/agent/live"))  # Bea's console is open; Andy's is not
    assert bea.status == "available" and offer.status == "open"  # not gone for long yet

    andy.last_seen_at = utcnow() - timedelta(seconds=16)  # past AGENT_GONE_S (15 s)
    db.session.commit()
    heartbeat.clock._last = float("-inf")
    _, [state, *_] = read(client.get("/agent/live"))
    db.session.expire_all()
    assert (andy.status, andy.status_reason) == ("away", heartbeat.LEFT)
    assert offer.status == "withdrawn"
    assert state["presence"]["offer"]["caller"] == "Maria Lopez"  # now offered to Bea
    [waiting] = service.line(["general"], offered=True)
    assert waiting.position == 1 and waiting.call.from_number == MARIA


def test_a_browser_agent_who_closed_the_page_before_the_softphone_rang_frees_the_caller(
        simulate, client, login, agent):
    maria = waiting_caller(simulate)
    joined = db.session.scalar(select(HoldSession)).joined_at
    andy = agent()
    andy.delivery, andy.status = "browser", "away"
    db.session.commit()
    login("andy")
    token = csrf_from(client.get("/agent/").get_data(as_text=True))
    client.post("/agent/take-next", data={"csrf_token": token})
    assignment = db.session.scalar(select(Assignment))
    assert (assignment.call_id, assignment.status, assignment.rung_at) == (
        maria.id, "ringing", None)

    heartbeat.leave_gone()
    assert assignment.status == "ringing"  # the softphone may still come up
    assignment.created_at = utcnow() - timedelta(seconds=16)
    db.session.commit()
    heartbeat.route_now()
    db.session.expire_all()
    assert assignment.status == "not-rung"
    assert (andy.status, andy.status_reason) == ("away", heartbeat.LEFT)
    session = db.session.scalar(select(HoldSession))
    assert session.claimed_by is None and session.joined_at == joined  # same place
    assert [w.call.id for w in service.line(["general"])] == [maria.id]


def test_an_agent_back_from_a_long_call_is_not_taken_for_gone(simulate, agent, client, login,
                                                              signed):
    from tests.agents.test_presence import talked_and_hung_up

    andy = agent()
    login("andy")
    assignment = talked_and_hung_up(simulate, client, signed)
    andy.last_seen_at = utcnow() - timedelta(minutes=10)  # on the screen pop all along
    db.session.commit()
    screen = f"/agent/assignment/{assignment.id}"
    token = csrf_from(client.get(screen).get_data(as_text=True))
    client.post(screen, data={"csrf_token": token, "disposition": "resolved", "note": ""})
    heartbeat.route_now()  # another worker's tick, before the console's stream opens
    db.session.expire_all()
    assert andy.status == "available"
