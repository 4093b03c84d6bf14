"""Hand-off to live agents with context: take next, whisper, bridge, fairness, failures."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.agents import service
from app.agents.models import AgentProfile, Assignment
from app.hold.models import CallbackRequest, HoldSession
from app.models import Call, Message, db, utcnow
from app.simulator import press, say
from tests.conftest import csrf_from
from tests.test_hold import library  # noqa: F401  (segments on disk, so hold plays music)

MARIA = "+15551230001"


@pytest.fixture
def agent(make_user):
    def create(name: str = "andy", phone: str = "+15550007777", skills=("general",)):
        user = make_user(name, "agent")
        profile = AgentProfile(user=user, phone=phone, skills=list(skills))
        db.session.add(profile)
        db.session.commit()
        return profile

    return create


def waiting_caller(simulate, caller=MARIA, script=None):
    """A caller who asked for a person and is now on hold, still on the line."""
    t = simulate(script or [press("1"), say("agent please")], caller=caller,
                 wait_loops=2, stay_on_line=True)
    return db.session.scalar(select(Call).where(Call.call_sid == t.call_sid))


def post_signed(signed, url: str, **params):
    return signed(url.removeprefix("https://ivr.example.test"), params)


def test_agent_takes_next_hears_whisper_and_caller_is_bridged(
        simulate, agent, client, login, signed):
    call = waiting_caller(simulate)
    andy = agent()
    login("andy")
    token = csrf_from(client.get("/agent/").get_data(as_text=True))
    response = client.post("/agent/take-next", data={"csrf_token": token})
    assignment = db.session.scalar(select(Assignment))
    assert response.status_code == 302 and assignment.call_id == call.id
    ring = db.session.scalar(select(Message).where(Message.to_number == andy.phone))
    leg_url = ring.body.removeprefix("call ")
    whisper = ET.fromstring(post_signed(signed, leg_url, CallSid=ring.sid).get_data(as_text=True))
    summary = whisper.find("Say").text
    assert "Maria Lopez, known customer" in summary and "asked for a person" in summary
    assert "looked up account" in summary
    connect = ET.fromstring(post_signed(signed, whisper.find("Redirect").text,
                                        CallSid=ring.sid).get_data(as_text=True))
    room = connect.find("Dial/Conference").text
    moved = db.session.scalar(select(Message).where(Message.body.startswith("redirect ")))
    assert moved.to_number == call.call_sid[:20]
    joined = ET.fromstring(post_signed(signed, moved.body.removeprefix("redirect "),
                                       CallSid=call.call_sid).get_data(as_text=True))
    assert joined.find("Dial/Conference").text == room
    assert db.session.get(Assignment, assignment.id).status == "connected"


def test_two_agents_at_the_same_moment_get_different_callers(simulate, agent):
    waiting_caller(simulate)
    a, b = agent("a1", "+15550000001"), agent("a2", "+15550000002")
    seen_by_a, seen_by_b = service.line(["general"]), service.line(["general"])
    assert seen_by_a[0].ident == seen_by_b[0].ident  # both saw the same single caller
    first, second = service.claim(a, seen_by_a[0]), service.claim(b, seen_by_b[0])
    assert first is not None and second is None
    assert service.take_next(b) is None  # "nobody waiting"


def test_agent_who_does_not_answer_leaves_the_caller_in_place(simulate, agent, signed):
    waiting_caller(simulate, caller="+15559990001")
    waiting_caller(simulate, caller="+15559990002")
    before = [(w.kind, w.ident) for w in service.line(["general"])]
    assignment = service.take_next(agent())
    db.session.commit()
    assert len(service.line(["general"])) == 1
    signed(f"/voice/agent-status?a={assignment.id}&leg=agent",
           {"CallSid": "CA" + "2" * 32, "CallStatus": "no-answer"})
    assert [(w.kind, w.ident) for w in service.line(["general"])] == before
    assert db.session.get(Assignment, assignment.id).status == "no-answer"


def test_callbacks_are_taken_in_fair_order(simulate, agent):
    early = waiting_caller(simulate, caller="+15559990001")
    t = simulate([say("agent"), press("6"), press("1")], caller="+15559990002", wait_loops=3)
    late = waiting_caller(simulate, caller="+15559990003")
    sessions = {s.call_id: s for s in db.session.scalars(select(HoldSession))}
    callback = db.session.scalar(select(CallbackRequest))
    base = utcnow() - timedelta(minutes=30)
    sessions[early.id].joined_at = base
    callback.joined_at = base + timedelta(minutes=5)  # kept from when they first joined
    sessions[late.id].joined_at = base + timedelta(minutes=10)
    db.session.commit()
    andy = agent()
    order = []
    for _ in range(3):
        assignment = service.take_next(andy)
        order.append((assignment.kind, assignment.call.from_number))
    assert order == [("caller", "+15559990001"), ("callback", "+15559990002"),
                     ("caller", "+15559990003")]
    assert "keep your place in line. Goodbye." in t.ivr_text


def test_console_lists_waiting_callers_with_context(simulate, agent, client, login):
    waiting_caller(simulate)
    agent()
    login("andy")
    page = client.get("/agent/").get_data(as_text=True)
    assert "Take next caller" in page
    [row] = client.get("/agent/line.json").get_json()
    assert row["name"] == "Maria Lopez" and row["reason"] == "asked for a person"
    assert row["queue"] == "general" and row["position"] == 1


def test_forged_console_posts_are_refused(simulate, agent, client, login, make_user):
    waiting_caller(simulate)
    agent()
    login("andy")
    assert client.post("/agent/take-next").status_code == 400  # no CSRF token
    assert db.session.scalar(select(Assignment)) is None
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/agent/").get_data(
        as_text=True))})
    assert client.get("/agent/line.json").status_code == 302
    make_user("olive", "operator")
    login("olive")
    assert client.get("/agent/").status_code == 403


def test_screen_pop_shows_who_why_and_what_was_done_then_saves_a_disposition(
        simulate, agent, client, login, library):  # noqa: F811
    call = waiting_caller(simulate, script=[press("1"),
                                            say("I'd like to speak to a representative")])
    session = db.session.scalar(select(HoldSession).where(HoldSession.call_id == call.id))
    session.joined_at = utcnow() - timedelta(minutes=4)
    agent()
    login("andy")
    token = csrf_from(client.get("/agent/").get_data(as_text=True))
    screen_url = client.post("/agent/take-next", data={"csrf_token": token}).location
    html = client.get(screen_url).get_data(as_text=True)
    assert "Maria Lopez" in html and "number matches a customer" in html
    assert "asked for a person" in html and "looked up account" in html
    assert re.search(r"I&#39;d like to speak to a representative", html)
    assert "4.0 minutes, listening to jazz" in html
    token = csrf_from(html)
    done = client.post(screen_url, data={"csrf_token": token, "disposition": "resolved",
                                         "note": "Explained the balance."})
    assert done.status_code == 302
    assignment = db.session.scalar(select(Assignment))
    assert (assignment.disposition, assignment.note) == ("resolved", "Explained the balance.")
    assert assignment.agent.status == "available"


def test_outside_business_hours_the_caller_is_offered_a_callback(app, simulate):
    from datetime import UTC, datetime

    from app.agents.hours import is_open

    hour = datetime.now(UTC).hour
    window = "13:00-14:00" if hour < 12 else "01:00-02:00"  # a window that excludes now
    app.config["QUEUE_HOURS"] = f"general={window},billing=00:00-24:00"
    assert not is_open("general") and is_open("billing")
    t = simulate([say("agent"), press("1")], wait_loops=2)
    assert "We're closed right now." in t.ivr_text
    assert "We can call you back" in t.ivr_text
    assert db.session.scalar(select(CallbackRequest)).queue == "general"


def test_with_every_agent_away_the_caller_is_offered_a_callback(simulate, agent):
    profile = agent()
    profile.status = "away"
    db.session.commit()
    t = simulate([say("agent"), press("*")], wait_loops=2)
    assert "Everyone who could help is away right now." in t.ivr_text
    assert "Here are the choices." in t.ivr_text  # declining keeps them in the queue
