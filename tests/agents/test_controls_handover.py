"""A warm transfer's colleague takes the call over (app/agents/handover.py), and join and
drop cut short by the provider leave a call the agent can carry on with. Through the
routes and the real twilio library against the local fake of Twilio's REST API."""

from __future__ import annotations

from sqlalchemy import select

from app.agents import presence
from app.agents.models import AgentProfile, Assignment
from app.models import db
from tests.agents import test_controls
from tests.agents.test_controls import JSON, colleague_hung_up, consult_bea, controls_logged, press
from tests.conftest import csrf_from
from tests.providers.twilio import kit

# the fixtures: the fake provider API, Andy on a call with Maria, the hold music on disk
api, on_call, library = test_controls.api, test_controls.on_call, test_controls.library

WHY = "Wants to dispute the March invoice"


def handed_to_bea(client, on_call, api, agent):
    """Andy adds Bea with a note, joins her and leaves. Returns Bea, her leg, her call."""
    bea, leg = consult_bea(client, on_call, api, agent)
    db.session.expire_all()
    assert press(client, on_call, "join").status_code == 200
    assert press(client, on_call, "leave").status_code == 200
    taken = db.session.scalar(select(Assignment).where(Assignment.agent_id == bea.id))
    return bea, leg, taken


def bea_presses(client, taken, action: str, token: str, **form):
    answer = client.post(f"/agent/assignment/{taken.id}/control/{action}",
                         data={"csrf_token": token, **form}, headers=JSON)
    db.session.expire_all()
    return answer


def test_the_colleague_agent_gets_the_call_with_the_callers_context_and_the_note(
        client, on_call, api, agent, login, signed):
    bea = agent("bea", "+14155550177")
    press(client, on_call, "consult", colleague=str(bea.id), reason=WHY)
    press(client, on_call, "join")
    press(client, on_call, "leave")
    taken = db.session.scalar(select(Assignment).where(Assignment.agent_id == bea.id))
    assert (taken.status, taken.call_id, taken.agent_leg) == (
        "connected", on_call["assignment"].call_id,
        db.session.get(Assignment, on_call["assignment"].id).colleague_leg)
    assert db.session.get(AgentProfile, bea.id).status == presence.ON_CALL

    login("bea")
    console = client.get("/agent/presence.json").get_json()
    assert console["state"] == presence.ON_CALL
    assert console["call"] == {"name": "Maria Lopez", "url": f"/agent/assignment/{taken.id}",
                               "new_tab": False}  # on her phone: no softphone to keep
    assert f'href="/agent/assignment/{taken.id}">Open your call with Maria Lopez' in \
        client.get("/agent/").get_data(as_text=True)  # without the script too
    page = client.get(console["call"]["url"]).get_data(as_text=True)
    assert "Maria Lopez" in page and "Calling from" in page  # the caller's screen pop
    assert f"Transferred to you by andy: “{WHY}”" in page
    assert "Call with Maria Lopez" in page and 'id="call-state" role="status">Connected' in page

    api.requests.clear()  # her controls act on the same room, on the caller's leg
    held = bea_presses(client, taken, "hold", csrf_from(page))
    assert held.status_code == 200 and held.get_json()["state"]["label"] == "On hold"
    _, path, form = api.requests[-1]
    assert path.endswith(f"/Conferences/{on_call['room']}/Participants/"
                         f"{on_call['caller']}.json") and form["Hold"] == "true"

    leg = taken.agent_leg  # Bea hangs up: her call ends and her wrap-up starts
    kit.hang_up(api, leg)
    assert colleague_hung_up(signed, on_call, bea, leg).status == presence.WRAP_UP
    assert db.session.get(Assignment, taken.id).status == "ended"
    assert client.get("/agent/presence.json").get_json()["call"] is None


def test_the_first_agent_hanging_up_after_a_join_hands_the_call_over_too(
        client, on_call, api, agent, signed):
    bea, leg = consult_bea(client, on_call, api, agent)
    press(client, on_call, "join")
    kit.hang_up(api, on_call["agent_leg"])
    signed(f"/voice/agent-status?a={on_call['assignment'].id}&leg=agent",
           {"CallSid": on_call["agent_leg"], "CallStatus": "completed"})
    taken = db.session.scalar(select(Assignment).where(Assignment.agent_id == bea.id))
    assert (taken.status, taken.agent_leg) == ("connected", leg)


def test_a_colleague_who_is_a_plain_number_gets_nothing_in_the_app(
        client, on_call, api, agent):
    press(client, on_call, "consult", number="+14155550123", reason=WHY)
    press(client, on_call, "join")
    left = press(client, on_call, "leave")
    assert left.status_code == 200
    assert db.session.scalars(select(Assignment)).all() == [
        db.session.get(Assignment, on_call["assignment"].id)]
    assert "handed-over" not in [e["action"] for e in controls_logged(
        on_call["assignment"].call_id)]


# -- bad input on the taken-over call: a clear message, no provider request -------------
def test_the_first_agent_cannot_control_the_call_once_handed_over(
        client, on_call, api, agent):
    bea, leg, taken = handed_to_bea(client, on_call, api, agent)
    asked = len(api.requests)
    theirs = client.post(f"/agent/assignment/{taken.id}/control/hold",
                         data={"csrf_token": on_call["token"]}, headers=JSON)
    assert (theirs.status_code, theirs.get_json()["message"]) == (
        409, "That call is not yours: nothing was changed.")
    mine = press(client, on_call, "end")
    assert (mine.status_code, mine.get_json()["message"]) == (
        409, "This call was transferred (to bea): its controls are closed.")
    assert len(api.requests) == asked and api.calls[on_call["caller"]] == kit.LIVE
    assert db.session.get(Assignment, taken.id).on_hold is False


def test_the_colleague_cannot_hold_a_caller_who_hung_up(
        client, on_call, api, agent, login, signed):
    bea, leg, taken = handed_to_bea(client, on_call, api, agent)
    signed("/voice/status", {"CallSid": on_call["caller"], "CallStatus": "completed",
                             "CallDuration": "60"})
    login("bea")
    token = csrf_from(client.get(f"/agent/assignment/{taken.id}").get_data(as_text=True))
    api.requests.clear()
    answer = bea_presses(client, taken, "hold", token)
    assert (answer.status_code, answer.get_json()["message"]) == (
        409, "The caller has hung up: nothing was changed.")
    assert api.requests == [] and db.session.get(Assignment, taken.id).on_hold is False


# -- a join or drop cut short ------------------------------------------------------------
def test_a_join_cut_short_leaves_the_caller_with_the_agent_still_in_charge(
        client, on_call, api, agent):
    bea, leg = consult_bea(client, on_call, api, agent)
    api.fail_path = f"/Participants/{on_call['agent_leg']}.json"  # the last step fails
    answer = press(client, on_call, "join")
    assert answer.status_code == 502
    assert answer.get_json()["message"].startswith("The phone provider did not finish the "
                                                   "join. The caller is back with you")
    state = answer.get_json()["state"]
    assert state["label"] == "With bea · not handed over yet"
    assert "leave" not in state["allowed"] and {"join", "drop", "end"} <= set(
        state["allowed"])
    assert api.members[on_call["room"]][on_call["agent_leg"]] is True  # his room still
    assert db.session.get(Assignment, on_call["assignment"].id).on_hold is False
    # the call's log keeps the join cut short, and why, as it keeps its kept steps
    last = controls_logged(on_call["assignment"].call_id)[-1]
    assert last["action"] == "join" and last["partial"].startswith(
        "The phone provider did not finish the join")

    api.fail_path = None  # dropping her now must not close the room on the caller
    api.requests.clear()
    dropped = press(client, on_call, "drop")
    assert dropped.get_json()["state"]["label"] == "Connected"
    assert [(m, p.rsplit("/", 1)[-1], f) for m, p, f in api.requests] == [
        ("POST", f"{on_call['agent_leg']}.json", {"EndConferenceOnExit": "true"}),
        ("POST", f"{leg}.json", {"EndConferenceOnExit": "false"}),
        ("DELETE", f"{leg}.json", {})]
    assert api.calls[on_call["caller"]] == kit.LIVE and api.calls[leg] == kit.ENDED


def test_a_join_retried_after_a_cut_short_one_completes(client, on_call, api, agent):
    bea, leg = consult_bea(client, on_call, api, agent)
    api.fail_path = f"/Participants/{on_call['agent_leg']}.json"
    press(client, on_call, "join")
    api.fail_path = None
    again = press(client, on_call, "join")
    assert again.status_code == 200 and again.get_json()["state"]["label"] == \
        "Three-way with bea"
    room = api.members[on_call["room"]]
    assert (room[on_call["agent_leg"]], room[leg]) == (False, True)  # the room is hers


def test_a_drop_cut_short_gives_the_room_back_to_the_agent(client, on_call, api, agent):
    bea, leg = consult_bea(client, on_call, api, agent)
    press(client, on_call, "join")
    api.fail_path = f"/Participants/{leg}.json"  # the room is Andy's again, then it fails
    answer = press(client, on_call, "drop")
    assert answer.status_code == 502
    assert answer.get_json()["state"]["label"] == "With bea · not handed over yet"
    assert "leave" not in answer.get_json()["state"]["allowed"]  # leaving would end it
    assert api.members[on_call["room"]][on_call["agent_leg"]] is True


def test_a_drop_whose_resume_fails_leaves_the_caller_held_for_the_agent_to_resume(
        client, on_call, api, agent):
    bea, leg = consult_bea(client, on_call, api, agent)
    api.fail_path = f"/Participants/{on_call['caller']}.json"  # Bea goes, then it fails
    answer = press(client, on_call, "drop")
    assert (answer.status_code, answer.get_json()["message"]) == (
        502, "bea left the call, but the phone provider did not take the caller off hold: "
             "press Resume.")
    assert answer.get_json()["state"]["label"] == "On hold"
    assert answer.get_json()["state"]["allowed"][0] == "resume"
    assert api.calls[leg] == kit.ENDED and api.calls[on_call["caller"]] == kit.LIVE
    api.fail_path = None
    assert press(client, on_call, "resume").get_json()["state"]["label"] == "Connected"
