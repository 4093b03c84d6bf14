"""Agent presence through the console's routes: every state change, who may make it, and
the history kept of each one."""

from __future__ import annotations

import html as htmllib
from datetime import timedelta

from sqlalchemy import select

from app.agents import presence
from app.agents.models import Assignment, Offer, PresenceChange, QueueRouting
from app.models import Message, db, utcnow
from tests.agents.test_agents import AGENT_LEG, answer_as_agent, waiting_caller
from tests.conftest import csrf_from


def console(client) -> str:
    """The console page as the agent reads it (flashed messages included)."""
    return htmllib.unescape(client.get("/agent/").get_data(as_text=True))


def set_state(client, state: str, reason: str = "", agent_id=None):
    page = client.get("/agent/").get_data(as_text=True)
    shown_for = agent_id if agent_id is not None else _agent_id(page)
    return client.post("/agent/presence", data={"csrf_token": csrf_from(page), "state": state,
                                                "reason": reason, "agent_id": shown_for})


def _agent_id(page: str) -> str:
    return page.split('name="agent_id" value="', 1)[1].split('"', 1)[0]


def changes(profile) -> list[tuple[str, str, str]]:
    return [(c.from_state, c.to_state, c.reason) for c in presence.history(profile)]


def test_agent_goes_away_with_a_reason_and_back_and_each_change_is_recorded(
        agent, client, login):
    andy = agent()
    login("andy")
    assert set_state(client, "away", "lunch").status_code == 302
    state = client.get("/agent/presence.json").get_json()
    assert (state["state"], state["reason"], state["offer"]) == ("away", "lunch", None)
    set_state(client, "available")
    assert client.get("/agent/presence.json").get_json()["state"] == "available"
    assert changes(andy) == [("available", "away", "lunch"), ("away", "available", "")]
    assert all(c.at <= utcnow() for c in presence.history(andy))


def test_away_needs_a_reason_and_unknown_states_are_refused(agent, client, login):
    andy = agent()
    login("andy")
    set_state(client, "away", "")
    assert "Choose why you are away." in console(client)
    set_state(client, "on-call")  # only the system puts an agent on a call
    assert "Choose available or away." in console(client)
    db.session.expire_all()
    assert andy.status == "available" and changes(andy) == []


def test_a_status_form_shown_to_another_agent_changes_nothing(agent, client, login):
    andy, bea = agent(), agent("bea", "+15550000002")
    login("andy")
    set_state(client, "away", "break", agent_id=bea.id)
    assert "That status form was for another agent: nothing changed." in console(client)
    set_state(client, "away", "break", agent_id="999999")  # no such agent at all
    db.session.expire_all()
    assert (andy.status, bea.status) == ("available", "available")
    assert db.session.scalar(select(PresenceChange)) is None


def test_offer_answer_hang_up_wrap_up_then_available(
        simulate, agent, client, login, signed, app):
    """The system's changes: offered on a waiting caller, on a call when accepted, wrap-up
    for the queue's own time when the agent hangs up, then available again."""
    db.session.add(QueueRouting(queue="general", wrap_up_s=45))
    andy = agent()
    login("andy")
    call = waiting_caller(simulate)  # joining the queue routes: Andy is idle
    offer = client.get("/agent/presence.json").get_json()["offer"]
    assert offer["name"] == "Maria Lopez" and offer["queue"] == "general"
    assert 0 < offer["expires_in_s"] <= app.config["AGENT_OFFER_S"]
    assert "Accept" in console(client)
    token = csrf_from(client.get("/agent/").get_data(as_text=True))
    accepted = client.post(offer["accept_url"], data={"csrf_token": token})
    assignment = db.session.scalar(select(Assignment))
    assert accepted.status_code == 302 and assignment.call_id == call.id
    assert db.session.scalar(select(Message).where(Message.to_number == andy.phone))  # rung
    answer_as_agent(signed, assignment)
    assert db.session.get(Assignment, assignment.id).status == "connected"
    signed(f"/voice/agent-status?a={assignment.id}&leg=agent",
           {"CallSid": AGENT_LEG, "CallStatus": "completed"})
    state = client.get("/agent/presence.json").get_json()
    assert state["state"] == "wrap-up" and 40 <= state["wrap_up_left_s"] <= 45
    signed(f"/voice/agent-status?a={assignment.id}&leg=agent",  # repeated: counted once
           {"CallSid": AGENT_LEG, "CallStatus": "completed"})
    db.session.expire_all()
    andy.wrap_up_until = utcnow() - timedelta(seconds=1)  # 45 s later
    db.session.commit()
    assert client.get("/agent/presence.json").get_json()["state"] == "available"
    assert changes(andy) == [("available", "offered", "offer"),
                             ("offered", "on-call", "accepted an offer"),
                             ("on-call", "wrap-up", "call ended"),
                             ("wrap-up", "available", "wrap-up over")]


def talked_and_hung_up(simulate, client, signed) -> Assignment:
    """The agent accepts the offered caller, talks, hangs up: in wrap-up now."""
    waiting_caller(simulate)
    offer = client.get("/agent/presence.json").get_json()["offer"]
    client.post(offer["accept_url"], data={"csrf_token": csrf_from(console(client))})
    assignment = db.session.scalar(select(Assignment))
    answer_as_agent(signed, assignment)
    signed(f"/voice/agent-status?a={assignment.id}&leg=agent",
           {"CallSid": AGENT_LEG, "CallStatus": "completed"})
    return assignment


def test_an_agent_in_wrap_up_can_be_ready_or_away_before_it_ends(
        simulate, agent, client, login, signed):
    andy = agent()
    login("andy")
    talked_and_hung_up(simulate, client, signed)
    set_state(client, "away", "training")
    assert client.get("/agent/presence.json").get_json()["state"] == "away"
    assert changes(andy)[-2:] == [("on-call", "wrap-up", "call ended"),
                                  ("wrap-up", "away", "training")]


def test_saving_the_disposition_ends_wrap_up_early(simulate, agent, client, login, signed):
    andy = agent()
    login("andy")
    assignment = talked_and_hung_up(simulate, client, signed)
    screen = f"/agent/assignment/{assignment.id}"
    token = csrf_from(client.get(screen).get_data(as_text=True))
    client.post(screen, data={"csrf_token": token, "disposition": "resolved", "note": ""})
    db.session.expire_all()
    assert andy.status == "available" and changes(andy)[-1] == (
        "wrap-up", "available", "disposition saved")


def test_an_agent_on_a_call_cannot_go_away_or_take_a_second_caller(
        simulate, agent, client, login):
    waiting_caller(simulate, caller="+15559990001")
    andy = agent()
    login("andy")
    token = csrf_from(console(client))
    client.post("/agent/take-next", data={"csrf_token": token})
    waiting_caller(simulate, caller="+15559990002")
    client.post("/agent/take-next", data={"csrf_token": token})
    assert "You are on a call already: finish it before taking another caller." in console(
        client)
    set_state(client, "away", "break")
    assert "You are on a call: your status changes when it ends." in console(client)
    db.session.expire_all()
    assert andy.status == "on-call"
    assert len(db.session.scalars(select(Assignment)).all()) == 1
    assert len(db.session.scalars(select(Message).where(
        Message.to_number == andy.phone)).all()) == 1  # one ring only


def test_going_away_during_an_offer_withdraws_it_and_the_caller_keeps_their_place(
        simulate, agent, client, login):
    andy = agent()
    login("andy")
    waiting_caller(simulate)
    assert client.get("/agent/presence.json").get_json()["offer"] is not None
    set_state(client, "away", "meeting")
    state = client.get("/agent/presence.json").get_json()
    assert (state["state"], state["offer"]) == ("away", None)
    assert db.session.scalar(select(Offer)).status == "withdrawn"
    [row] = client.get("/agent/line.json").get_json()["line"]
    assert (row["name"], row["position"]) == ("Maria Lopez", 1)
    assert changes(andy) == [("available", "offered", "offer"),
                             ("offered", "away", "meeting")]
