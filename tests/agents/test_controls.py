"""In-call controls, each through the console's route and the real twilio library against
the local fake of Twilio's REST API (tests/providers/twilio/kit.py): what it asked of the
provider (path and form fields), what the agent sees, and what it refuses asking nothing."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET

import pytest
import requests
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from app import menus
from app.agents import presence, service
from app.agents.models import AgentProfile, Assignment
from app.hold.models import HoldSession
from app.models import CallEvent, db
from tests.agents.test_agents import post_signed, waiting_caller
from tests.agents.test_live import read
from tests.conftest import csrf_from
from tests.hold.test_hold import library  # noqa: F401  (segments on disk, so hold plays music)
from tests.providers.twilio import kit

JSON = {"Accept": "application/json"}
BASE = "https://ivr.example.test"


@pytest.fixture
def api(app):
    with kit.fake_api(app.config) as state:
        yield state


def seat(api, twiml: str, leg: str) -> str:
    """Twilio runs our <Dial><Conference>: the leg is in that room. Returns its id."""
    conference = ET.fromstring(twiml).find("Dial/Conference")
    room = api.rooms.setdefault(conference.text, "CF" + uuid.uuid4().hex)
    api.members.setdefault(room, {})[leg] = conference.get("endConferenceOnExit") == "true"
    api.calls[leg] = kit.LIVE
    return room


def webhook(live_server, app, url: str, **params) -> str:
    """Twilio's signed request, over HTTP to the live server (the test's own thread keeps
    off the database the server is using)."""
    path = url.removeprefix(app.config["PUBLIC_BASE_URL"])
    signature = RequestValidator(app.config["TWILIO_AUTH_TOKEN"]).compute_signature(
        app.config["PUBLIC_BASE_URL"] + path, params)
    answer = requests.post(live_server + path, data=params, timeout=10,
                           headers={"X-Twilio-Signature": signature})
    assert answer.status_code == 200, answer.text
    return answer.text


def answered_over_http(live_server, app, api, assignment: int, caller_leg: str) -> None:
    """Twilio's side for a browser test: the agent's phone answers, and the caller is
    brought into the agent's room. The fake's request log starts empty after that."""
    agent_leg = next(sid for sid in api.calls if sid != caller_leg)
    api.calls[agent_leg] = kit.LIVE
    whisper = ET.fromstring(webhook(live_server, app, f"/voice/agent-leg?a={assignment}",
                                    CallSid=agent_leg))
    seat(api, webhook(live_server, app, whisper.find("Redirect").text, CallSid=agent_leg),
         agent_leg)
    seat(api, webhook(live_server, app, f"/voice/caller-join?a={assignment}",
                      CallSid=caller_leg), caller_leg)
    api.requests.clear()


@pytest.fixture
def on_call(simulate, agent, client, login, signed, api):
    """Maria Lopez waits; Andy takes her through the console, answers his phone and she is
    brought into his room. The fake's request log starts empty after that."""
    call = waiting_caller(simulate)
    api.calls[call.call_sid] = kit.LIVE
    andy = agent()
    login("andy")
    token = csrf_from(client.get("/agent/").get_data(as_text=True))
    client.post("/agent/take-next", data={"csrf_token": token})
    assignment = db.session.scalar(select(Assignment))
    agent_leg = next(sid for sid in api.calls if sid != call.call_sid)
    api.calls[agent_leg] = kit.LIVE
    leg = f"/voice/agent-leg?a={assignment.id}"
    whisper = ET.fromstring(signed(leg, {"CallSid": agent_leg}).get_data(as_text=True))
    connected = post_signed(signed, whisper.find("Redirect").text, CallSid=agent_leg)
    room = seat(api, connected.get_data(as_text=True), agent_leg)
    joined = signed(f"/voice/caller-join?a={assignment.id}", {"CallSid": call.call_sid})
    assert seat(api, joined.get_data(as_text=True), call.call_sid) == room
    api.requests.clear()
    db.session.expire_all()
    return {"assignment": db.session.get(Assignment, assignment.id), "andy": andy,
            "caller": call.call_sid, "agent_leg": agent_leg, "room": room,
            "token": csrf_from(client.get(f"/agent/assignment/{assignment.id}")
                               .get_data(as_text=True))}


def press(client, on_call, action: str, **form):
    """The console's button, as controls.js sends it."""
    response = client.post(f"/agent/assignment/{on_call['assignment'].id}/control/{action}",
                           data={"csrf_token": on_call["token"], **form}, headers=JSON)
    db.session.expire_all()
    return response


def participant(api, on_call, leg: str) -> tuple[str, dict]:
    method, path, form = api.requests[-1]
    assert (method, path) == ("POST", f"/2010-04-01/Accounts/{kit.ACCOUNT}/Conferences/"
                                      f"{on_call['room']}/Participants/{leg}.json")
    return method, form


def controls_logged(call_id: int) -> list[dict]:
    return [e.detail for e in db.session.scalars(select(CallEvent).where(
        CallEvent.call_id == call_id, CallEvent.kind == "agent_control")
        .order_by(CallEvent.id))]


# -- hold, resume, mute -------------------------------------------------------------------
def test_hold_plays_our_music_to_the_caller_and_resume_brings_her_back(client, on_call, api):
    held = press(client, on_call, "hold")
    assert held.status_code == 200 and held.get_json()["state"]["label"] == "On hold"
    lookup, update = api.requests
    assert lookup == ("GET", f"/2010-04-01/Accounts/{kit.ACCOUNT}/Conferences.json", {
        "FriendlyName": f"holdline-{on_call['assignment'].id}", "Status": "in-progress",
        "PageSize": "1"})
    assert update[1].endswith(f"/Conferences/{on_call['room']}/Participants/"
                              f"{on_call['caller']}.json")
    assert update[2] == {"Hold": "true", "HoldUrl": f"{BASE}/voice/hold-music.wav",
                         "HoldMethod": "GET"}
    assert client.get("/voice/hold-music.wav").status_code == 200  # what Twilio will fetch
    assert "resume" in held.get_json()["state"]["allowed"]

    resumed = press(client, on_call, "resume")
    assert resumed.get_json()["state"]["label"] == "Connected"
    assert len(api.requests) == 3  # the room's id was looked up once
    assert participant(api, on_call, on_call["caller"])[1] == {"Hold": "false"}
    assert [e["action"] for e in controls_logged(on_call["assignment"].call_id)] == [
        "hold", "resume"]


def test_mute_and_unmute_the_agent_not_the_caller(client, on_call, api):
    muted = press(client, on_call, "mute").get_json()
    assert muted["state"]["label"] == "Connected · muted"
    assert participant(api, on_call, on_call["agent_leg"])[1] == {"Muted": "true"}
    press(client, on_call, "unmute")
    assert participant(api, on_call, on_call["agent_leg"])[1] == {"Muted": "false"}
    assert db.session.get(Assignment, on_call["assignment"].id).muted is False


def test_controls_that_do_not_apply_now_are_refused_without_asking_the_provider(
        client, on_call, api, agent):
    busy = agent("bea", "+14155550177")
    busy.status = presence.ON_CALL
    db.session.commit()
    press(client, on_call, "hold")
    asked = len(api.requests)
    again = press(client, on_call, "hold")
    assert (again.status_code, again.get_json()["message"]) == (
        409, "The caller is on hold already.")
    consulted = press(client, on_call, "consult", colleague=str(busy.id))
    assert consulted.get_json()["message"] == "bea is on-call: choose someone else."
    assert press(client, on_call, "join").get_json()["message"] == (
        "No colleague is waiting to join: add one first.")
    assert len(api.requests) == asked


# -- cold transfer ------------------------------------------------------------------------
def test_cold_transfer_to_a_queue_keeps_the_callers_context_for_the_next_agent(
        client, on_call, api, agent, signed):
    bea = agent("bea", "+14155550177", skills=("billing",))
    answer = press(client, on_call, "transfer", queue="billing")
    assert answer.status_code == 200
    assert answer.get_json()["message"] == ("Transferred to the billing queue. "
                                            "Wrap-up has started.")
    [(method, path, form)] = api.requests
    assert (method, path) == ("POST", f"/2010-04-01/Accounts/{kit.ACCOUNT}/Calls/"
                                      f"{on_call['caller']}.json")
    assert form == {"Url": f"{BASE}/voice/transferred?a={on_call['assignment'].id}",
                    "Method": "POST"}
    # She left the room, which closed it: the agent's phone was hung up with it.
    assert api.calls[on_call["agent_leg"]] == kit.ENDED
    assignment = db.session.get(Assignment, on_call["assignment"].id)
    assert (assignment.status, assignment.agent.status) == ("transferred", presence.WRAP_UP)

    twiml = ET.fromstring(post_signed(signed, form["Url"], CallSid=on_call["caller"])
                          .get_data(as_text=True))
    assert twiml.find("Say").text == "Please hold while I transfer your call."
    assert twiml.find("Enqueue").text == "billing"
    session = db.session.scalar(select(HoldSession).where(
        HoldSession.call_id == assignment.call_id))
    assert (session.queue, session.outcome, session.claimed_by) == ("billing", None, None)
    taken = service.take_next(bea)  # the billing agent gets her, with all she told us
    assert taken.call_id == assignment.call_id
    assert service.context(taken.call)["name"] == "Maria Lopez"
    assert controls_logged(assignment.call_id)[-1]["to"] == "to the billing queue"


def test_cold_transfer_to_a_number_dials_it(client, on_call, api, signed):
    answer = press(client, on_call, "transfer", number="+14155550123")
    assert answer.get_json()["state"]["label"] == "Transferred to +1******0123"
    url = api.requests[-1][2]["Url"]
    twiml = ET.fromstring(post_signed(signed, url, CallSid=on_call["caller"])
                          .get_data(as_text=True))
    assert twiml.find("Dial").text == "+14155550123"


ODD_NUMBERS = [
    ("4155550123", "is not a full international number"),
    ("+1555123", "is not a full international number"),
    ("+15551230001", "is not a full international number"),  # no such area code
    ("+19005550123", "is a premium-rate or special number"),
    ("+14155550100", "is one of our own lines"),
    ("+14155550177", "is an agent's phone: add them as a colleague"),
]


def test_odd_or_internal_numbers_are_refused_with_a_reason(client, on_call, api, agent):
    agent("bea", "+14155550177")
    menus.route_number("+14155550100", "brightsmile-dental")
    db.session.commit()
    for number, why in ODD_NUMBERS:
        answer = press(client, on_call, "transfer", number=number)
        assert answer.status_code == 409 and why in answer.get_json()["message"], number
        if "agent's phone" not in why:  # (as a colleague, that phone is the agent's)
            consulted = press(client, on_call, "consult", number=number)
            assert why in consulted.get_json()["message"], number
    assert api.requests == []
    assignment = db.session.get(Assignment, on_call["assignment"].id)
    assert (assignment.status, assignment.on_hold, assignment.consult) == (
        "connected", False, None)


def test_a_queue_nobody_serves_is_refused(client, on_call, api):
    answer = press(client, on_call, "transfer", queue="nowhere")
    assert answer.status_code == 409 and "no queue named 'nowhere'" in answer.get_json()[
        "message"]
    assert api.requests == []


# -- warm transfer ------------------------------------------------------------------------
def consult_bea(client, on_call, api, agent, *, by_phone=False) -> tuple[AgentProfile, str]:
    bea = agent("bea", "+14155550177")
    chosen = {"number": bea.phone} if by_phone else {"colleague": str(bea.id)}
    answer = press(client, on_call, "consult", **chosen)
    assert answer.get_json()["state"]["label"] == "On hold · talking to bea"
    hold, (method, path, form) = api.requests[-2], api.requests[-1]
    assert hold[2]["Hold"] == "true"
    assert (method, path) == ("POST", f"/2010-04-01/Accounts/{kit.ACCOUNT}/Conferences/"
                                      f"{on_call['room']}/Participants.json")
    assert form["To"] == "+14155550177" and form["From"] == "+15005550006"
    assert form["EndConferenceOnExit"] == "false"  # she may hang up: the caller stays
    assert form["StatusCallback"] == (f"{BASE}/voice/colleague-status?"
                                      f"a={on_call['assignment'].id}&agent={bea.id}")
    leg = db.session.get(Assignment, on_call["assignment"].id).colleague_leg
    assert api.members[on_call["room"]][leg] is False
    assert db.session.get(AgentProfile, bea.id).status == presence.ON_CALL  # not offered
    return bea, leg


def colleague_hung_up(signed, on_call, bea, leg, status="completed") -> AgentProfile:
    """Twilio reports the colleague's leg ended; returns the colleague as they are now."""
    signed(f"/voice/colleague-status?a={on_call['assignment'].id}&agent={bea.id}",
           {"CallSid": leg, "CallStatus": status})
    db.session.expire_all()
    return db.session.get(AgentProfile, bea.id)


def test_warm_transfer_join_then_the_first_agent_leaves_and_the_caller_stays(
        client, on_call, api, agent):
    bea, leg = consult_bea(client, on_call, api, agent)
    api.requests.clear()
    joined = press(client, on_call, "join").get_json()
    assert joined["state"]["label"] == "Three-way with bea"
    ends = [(path.rsplit("/", 1)[-1], form) for _, path, form in api.requests]
    # the caller back first, the agent's leg let go of the room last (safe if cut short)
    assert ends == [(f"{on_call['caller']}.json", {"Hold": "false"}),
                    (f"{leg}.json", {"EndConferenceOnExit": "true"}),
                    (f"{on_call['agent_leg']}.json", {"EndConferenceOnExit": "false"})]

    left = press(client, on_call, "leave")
    assert left.get_json()["message"] == "You left the caller with bea. Wrap-up has started."
    method, path, _ = api.requests[-1]
    assert method == "DELETE" and path.endswith(f"/Participants/{on_call['agent_leg']}.json")
    assert api.calls[on_call["caller"]] == kit.LIVE  # the room outlived the first agent
    assert set(api.members[on_call["room"]]) == {on_call["caller"], leg}
    assignment = db.session.get(Assignment, on_call["assignment"].id)
    assert (assignment.status, assignment.agent.status) == ("transferred", presence.WRAP_UP)
    assert [e["action"] for e in controls_logged(assignment.call_id)] == [
        "consult", "join", "handed-over", "leave"]  # Bea is an agent: the call is hers


def test_after_a_join_the_first_agent_may_just_hang_up(client, on_call, api, agent, signed):
    bea, leg = consult_bea(client, on_call, api, agent)
    press(client, on_call, "join")
    kit.hang_up(api, on_call["agent_leg"])  # Andy puts his phone down
    signed(f"/voice/agent-status?a={on_call['assignment'].id}&leg=agent",
           {"CallSid": on_call["agent_leg"], "CallStatus": "completed"})
    assert api.calls[on_call["caller"]] == api.calls[leg] == kit.LIVE
    assignment = db.session.get(Assignment, on_call["assignment"].id)
    assert (assignment.status, assignment.agent.status) == ("transferred", presence.WRAP_UP)
    kit.hang_up(api, leg)  # and when Bea hangs up, the room closes: nobody is left alone
    assert api.calls[on_call["caller"]] == kit.ENDED
    assert colleague_hung_up(signed, on_call, bea, leg).status == presence.WRAP_UP


def test_warm_transfer_drop_removes_the_colleague_and_resumes_the_caller(
        client, on_call, api, agent, signed):
    bea, leg = consult_bea(client, on_call, api, agent, by_phone=True)
    dropped = press(client, on_call, "drop").get_json()
    assert dropped["state"]["label"] == "Connected"
    (remove, _, _), (_, path, form) = api.requests[-2][:3], api.requests[-1]
    assert remove == "DELETE" and api.requests[-2][1].endswith(f"/Participants/{leg}.json")
    assert path.endswith(f"/Participants/{on_call['caller']}.json") and form == {
        "Hold": "false"}
    assert api.calls[on_call["caller"]] == kit.LIVE and api.calls[leg] == kit.ENDED
    assert colleague_hung_up(signed, on_call, bea, leg).status == presence.AVAILABLE


def test_a_colleague_who_does_not_answer_leaves_the_caller_on_hold_with_the_agent(
        client, on_call, api, agent, signed):
    bea, leg = consult_bea(client, on_call, api, agent)
    assert colleague_hung_up(signed, on_call, bea, leg, "no-answer").status == \
        presence.AVAILABLE
    state = client.get(f"/agent/assignment/{on_call['assignment'].id}/controls.json")
    assert state.get_json()["state"]["label"] == "On hold"
    assert state.get_json()["state"]["allowed"][0] == "resume"


def test_the_screen_pops_stream_sends_the_calls_state_and_then_its_changes(
        app, client, on_call, api, agent, login):
    """What controls.js listens to (app/live.py, as the console's stream): the state first,
    then again only when it changed, e.g. after the provider's side or a button moved it."""
    app.config.update(LIVE_TICK_S=0.05, LIVE_STREAM_S=0.5)
    url = f"/agent/assignment/{on_call['assignment'].id}/controls/live"
    first = read(client.get(url))[1]
    assert [e["state"]["label"] for e in first] == ["Connected"]  # ten ticks, one event
    assert "hold" in first[0]["state"]["allowed"]
    press(client, on_call, "hold")
    [held] = read(client.get(url))[1]
    assert held["state"]["label"] == "On hold" and held["state"]["allowed"][0] == "resume"
    agent("bea", "+14155550177")
    login("bea")
    assert client.get(url).status_code == 404  # not her call: no stream


def test_cold_transfer_during_a_consultation_is_refused(client, on_call, api, agent):
    consult_bea(client, on_call, api, agent)
    asked = len(api.requests)
    answer = press(client, on_call, "transfer", queue="general")
    assert answer.get_json()["message"] == ("Finish the warm transfer first: join or drop "
                                            "your colleague.")
    assert len(api.requests) == asked


# -- end ----------------------------------------------------------------------------------
def test_end_closes_the_room_and_starts_the_queues_wrap_up(client, on_call, api, signed):
    answer = press(client, on_call, "end")
    assert answer.get_json()["message"] == "The call has ended. Wrap-up has started."
    [_lookup, (method, path, form)] = api.requests
    assert (method, path, form) == ("POST", f"/2010-04-01/Accounts/{kit.ACCOUNT}/"
                                            f"Conferences/{on_call['room']}.json",
                                    {"Status": "completed"})
    assert api.calls[on_call["caller"]] == api.calls[on_call["agent_leg"]] == kit.ENDED
    andy = db.session.get(AgentProfile, on_call["andy"].id)
    assert andy.status == presence.WRAP_UP and andy.wrap_up_until is not None
    # The agent's phone then reports its end: no second wrap-up
    signed(f"/voice/agent-status?a={on_call['assignment'].id}&leg=agent",
           {"CallSid": on_call["agent_leg"], "CallStatus": "completed"})
    assert len(presence.history(db.session.get(AgentProfile, andy.id))) == len(
        presence.history(andy))


# -- bad input: a clear message, no provider request, nothing changed --------------------
def test_another_agents_call_is_refused(client, on_call, api, agent, login):
    agent("bea", "+14155550177")
    login("bea")
    token = csrf_from(client.get("/agent/").get_data(as_text=True))
    url = f"/agent/assignment/{on_call['assignment'].id}/control/hold"
    answer = client.post(url, data={"csrf_token": token}, headers=JSON)
    assert (answer.status_code, answer.get_json()) == (409, {
        "message": "That call is not yours: nothing was changed.", "ok": False,
        "state": None})
    plain = client.post(url, data={"csrf_token": token})  # without the script: a flash
    assert plain.status_code == 302 and plain.location.endswith("/agent/")
    assert "That call is not yours" in client.get("/agent/").get_data(as_text=True)
    assert api.requests == []
    assert db.session.get(Assignment, on_call["assignment"].id).on_hold is False


def test_a_caller_who_hung_up_cannot_be_held(client, on_call, api, signed):
    signed("/voice/status", {"CallSid": on_call["caller"], "CallStatus": "completed",
                             "CallDuration": "60"})
    answer = press(client, on_call, "hold")
    assert (answer.status_code, answer.get_json()["message"]) == (
        409, "The caller has hung up: nothing was changed.")
    assert answer.get_json()["state"]["allowed"] == []
    assert api.requests == [] and controls_logged(on_call["assignment"].call_id) == []


def test_after_a_transfer_the_controls_are_closed(client, on_call, api):
    press(client, on_call, "transfer", number="+14155550123")
    asked = len(api.requests)
    for action in ("hold", "end", "consult"):
        answer = press(client, on_call, action)
        assert answer.status_code == 409
        assert answer.get_json()["message"] == ("This call was transferred (to "
                                                "+1******0123): its controls are closed.")
    assert len(api.requests) == asked


def test_a_provider_failure_changes_nothing(client, on_call, api):
    press(client, on_call, "mute")  # the room's id is known from here on
    api.fail_next = True
    answer = press(client, on_call, "hold")
    assert answer.status_code == 502
    assert answer.get_json()["message"] == ("The phone provider did not respond: nothing "
                                            "was changed. Please try again.")
    assignment = db.session.get(Assignment, on_call["assignment"].id)
    assert (assignment.on_hold, assignment.muted) == (False, True)
    assert [e["action"] for e in controls_logged(assignment.call_id)] == ["mute"]
    assert press(client, on_call, "hold").status_code == 200  # and it works once it is back


def test_a_colleague_the_provider_cannot_ring_leaves_the_call_as_it_was(
        client, on_call, api, agent):
    bea = agent("bea", "+14155550177")
    api.fail_path = "/Participants.json"  # the caller is held, then adding the leg fails
    answer = press(client, on_call, "consult", colleague=str(bea.id))
    assert answer.status_code == 502 and answer.get_json()["state"]["label"] == "Connected"
    held, _add, resumed = api.requests[-3:]
    assert (held[2]["Hold"], resumed[2]) == ("true", {"Hold": "false"})  # back with Andy
    assignment = db.session.get(Assignment, on_call["assignment"].id)
    assert (assignment.consult, assignment.colleague_leg, assignment.on_hold) == (
        None, None, False)
    assert db.session.get(AgentProfile, bea.id).status == presence.AVAILABLE


def test_without_provider_credentials_controls_go_to_the_local_outbox(
        simulate, agent, client, login, signed):
    """`flask run` with no Twilio account: the buttons still work, their requests are kept
    in the outbox (/outbox lists them) as the other call requests are."""
    from app.models import Message
    from tests.agents.test_agents import answer_as_agent

    waiting_caller(simulate)
    assignment = service.take_next(agent())
    db.session.commit()
    assert answer_as_agent(signed, assignment).find("Dial/Conference") is not None
    login("andy")
    token = csrf_from(client.get(f"/agent/assignment/{assignment.id}").get_data(as_text=True))
    answer = client.post(f"/agent/assignment/{assignment.id}/control/hold",
                         data={"csrf_token": token}, headers=JSON)
    assert answer.get_json()["state"]["label"] == "On hold"
    kept = db.session.scalars(select(Message.body).where(
        Message.body.startswith("control "))).all()
    assert kept[0] == f"control find holdline-{assignment.id}"
    assert "hold=True" in kept[1] and "hold-music.wav" in kept[1]
