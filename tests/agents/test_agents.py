"""Hand-off to live agents with context: take next, whisper, bridge, fairness, failures."""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from datetime import timedelta
from urllib.parse import parse_qs

import pytest
from sqlalchemy import select

from app.agents import presence, service
from app.agents.models import AgentProfile, Assignment
from app.hold.models import CallbackRequest, HoldSession
from app.lookups import money
from app.models import Call, CallEvent, Customer, Message, db, utcnow
from app.phone import mask
from app.simulator import press, say
from tests.conftest import ProviderHandler, csrf_from, fake_provider
from tests.hold.test_hold import library  # noqa: F401  (segments on disk, so hold plays music)

MARIA = "+15551230001"


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
    # The queue reports the caller "redirected" (out to the room), maybe twice: one answer.
    for _ in range(2):
        post_signed(signed, "/voice/queue-done", CallSid=call.call_sid,
                    QueueResult="redirected", QueueTime="95")
    session = db.session.scalar(select(HoldSession).where(HoldSession.call_id == call.id))
    assert (session.outcome, session.wait_s) == ("answered", 95)
    ended = db.session.scalars(select(CallEvent.kind).where(
        CallEvent.call_id == call.id, CallEvent.kind.startswith("hold_"))).all()
    assert ended.count("hold_answered") == 1 and "hold_abandoned" not in ended


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
        # One caller at a time: the call is over before Andy takes the next one.
        assert service.take_next(andy) is None
        presence.move(andy, presence.AVAILABLE, "disposition saved")
    assert order == [("caller", "+15559990001"), ("callback", "+15559990002"),
                     ("caller", "+15559990003")]
    assert "keep your place in line. Goodbye." in t.ivr_text


def test_console_lists_waiting_callers_with_context(simulate, agent, client, login):
    waiting_caller(simulate)
    agent()
    login("andy")
    page = client.get("/agent/").get_data(as_text=True)
    assert "Take next caller" in page
    [row] = client.get("/agent/line.json").get_json()["line"]
    assert row["name"] == "Maria Lopez" and row["reason"] == "asked for a person"
    assert row["queue"] == "general" and row["position"] == 1


def test_the_line_finds_callers_whatever_came_before_them(simulate, agent):
    """Hold sessions and calls are numbered apart once a call ends without holding."""
    simulate([press("4"), say("one oh four two one seven"), say("yes"), say("no")])
    assert db.session.scalar(select(HoldSession)) is None  # that call was self-service
    call = waiting_caller(simulate)
    [waiting] = service.line(["general"])
    assert waiting.call.id == call.id
    assert service.take_next(agent()).call_id == call.id


def test_forged_console_posts_are_refused(simulate, agent, client, login, make_user):
    waiting_caller(simulate)
    agent()
    anonymous = csrf_from(client.get("/login").get_data(as_text=True))
    refused = client.post("/agent/take-next", data={"csrf_token": anonymous})  # not signed in
    assert refused.status_code == 302 and "/login" in refused.location
    login("andy")
    assert client.post("/agent/take-next").status_code == 400  # no CSRF token
    assert db.session.scalar(select(Assignment)) is None
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/agent/").get_data(
        as_text=True))})
    assert client.get("/agent/line.json").status_code == 302
    make_user("olive", "operator")
    login("olive")
    assert client.get("/agent/").status_code == 403
    token = csrf_from(client.get("/admin/").get_data(as_text=True))
    assert client.post("/agent/take-next", data={"csrf_token": token}).status_code == 403
    assert db.session.scalar(select(Assignment)) is None
    assert len(service.line(["general"])) == 1  # still waiting for a real agent


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
    assert "Line: Northwind Energy" in html  # agents may serve several lines
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


def test_screen_pop_shows_the_masked_number_balance_language_and_earlier_calls(
        simulate, agent, client, login, library):  # noqa: F811
    andy = agent()
    earlier = Call(call_sid="CA" + "e" * 32, from_number=MARIA, to_number="+15005550006",
                   outcome="escalated", handoff_reason="asked for a person",
                   started_at=utcnow() - timedelta(days=3))
    too_old = Call(call_sid="CA" + "f" * 32, from_number=MARIA, to_number="+15005550006",
                   outcome="self_service", started_at=utcnow() - timedelta(days=31))
    db.session.add_all([earlier, too_old])
    db.session.flush()
    db.session.add(Assignment(agent=andy, call=earlier, kind="caller", status="done",
                              disposition="resolved", note="Explained the late fee."))
    db.session.commit()
    waiting_caller(simulate)
    login("andy")
    token = csrf_from(client.get("/agent/").get_data(as_text=True))
    html = client.get(client.post("/agent/take-next", data={"csrf_token": token}).location
                      ).get_data(as_text=True)
    customer = db.session.scalar(select(Customer).where(Customer.phone == MARIA))
    assert f"Calling from <span class=\"number\">{mask(MARIA)}</span>" in html
    assert MARIA not in html  # the full number is not on the agent's screen
    assert f"balance {money(customer.balance_cents)}" in html
    assert 'Language: <span class="language">en-US</span>' in html
    rows = re.findall(r"<tr><td>(\d{4}-\d\d-\d\d) \d\d:\d\d</td><td>(.*?)</td>"
                      r"<td>(.*?)</td><td>(.*?)</td></tr>", html)
    assert rows == [(earlier.started_at.strftime("%Y-%m-%d"), "escalated (asked for a person)",
                     "resolved", "Explained the late fee.")]  # 31 days ago: not shown


def test_a_callbacks_screen_pop_says_when_it_was_asked_for_and_how_long_they_had_waited(
        simulate, agent, client, login, library):  # noqa: F811
    callback = callback_request(simulate, "+15559990002")
    callback.joined_at = callback.requested_at - timedelta(minutes=6)
    db.session.commit()
    agent()
    login("andy")
    token = csrf_from(client.get("/agent/").get_data(as_text=True))
    html = client.get(client.post("/agent/take-next", data={"csrf_token": token}).location
                      ).get_data(as_text=True)
    asked = callback.requested_at.strftime("%H:%M")
    assert f"Asked for a callback at {asked} UTC after waiting 6.0 minutes" in html
    assert "did not wait" not in html


def test_outside_business_hours_the_caller_is_offered_a_callback(app, simulate):
    from datetime import UTC, datetime

    from app.hold.hours import is_open

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


# --- callbacks: retried on a schedule, failed ones listed ----------------------------

AGENT_LEG = "CA" + "a" * 32  # the agent's phone leg, as the provider names it


def callback_request(simulate, number: str) -> CallbackRequest:
    simulate([say("agent"), press("6"), press("1")], caller=number, wait_loops=3)
    return db.session.scalar(select(CallbackRequest).where(CallbackRequest.number == number))


def answer_as_agent(signed, assignment: Assignment) -> ET.Element:
    """The agent picks up: the whisper, then (if there is one) the connect step."""
    heard = ET.fromstring(signed(f"/voice/agent-leg?a={assignment.id}", {
        "CallSid": AGENT_LEG}).get_data(as_text=True))
    if heard.find("Redirect") is not None:
        heard = ET.fromstring(post_signed(signed, heard.find("Redirect").text,
                                          CallSid=AGENT_LEG).get_data(as_text=True))
    db.session.expire_all()  # the webhooks changed rows this session already holds
    return heard


def miss_callback(signed, agent: AgentProfile, provider, result: str) -> str:
    """An agent takes the next callback and waits in the room; the customer's phone
    ends with `result`. Returns what the agent is told."""
    assignment = service.take_next(agent)
    db.session.commit()
    assert answer_as_agent(signed, assignment).find("Dial/Conference") is not None
    dialled = provider.created[-1]
    assert dialled["To"] == [assignment.call.from_number]
    post_signed(signed, dialled["StatusCallback"][0], CallSid="CA" + "c" * 32,
                CallStatus=result)
    path, fields = provider.updated[-1]
    assert path.endswith(f"/Calls/{AGENT_LEG}.json")  # the agent is taken out of the room
    notice = ET.fromstring(post_signed(signed, fields["Url"][0], CallSid=AGENT_LEG)
                           .get_data(as_text=True))
    assert notice.find("Hangup") is not None
    db.session.expire_all()
    return notice.find("Say").text


def console(client) -> dict:
    return client.get("/agent/line.json").get_json()


def test_a_callback_nobody_answers_is_tried_again_later_in_its_place(
        simulate, agent, signed, provider, client, login):
    callback = callback_request(simulate, "+15559990002")
    later = waiting_caller(simulate, caller="+15559990003")
    callback.joined_at = utcnow() - timedelta(minutes=20)  # joined the line first
    db.session.scalar(select(HoldSession).where(HoldSession.call_id == later.id)).joined_at = \
        utcnow() - timedelta(minutes=10)
    db.session.commit()
    andy = agent()

    heard = miss_callback(signed, andy, provider, "no-answer")
    assert heard == "The customer did not answer; we will try again later."
    callback = db.session.get(CallbackRequest, callback.id)
    assert (callback.status, callback.attempts, callback.last_result) == (
        "pending", 1, "no-answer")
    assert abs(callback.next_attempt_at - (utcnow() + timedelta(seconds=300))) < \
        timedelta(seconds=30)
    assert andy.status == "available"
    assert [w.kind for w in service.line(["general"])] == ["caller"]  # not before its time
    login("andy")
    [retry] = console(client)["retrying"]
    assert (retry["name"], retry["attempt"], retry["of"], retry["last_result"]) == (
        "Unknown caller", 2, 3, "no-answer")
    assert 240 < retry["retry_in_s"] <= 300

    callback.next_attempt_at = utcnow() - timedelta(seconds=1)  # its time has come
    db.session.commit()
    assert [(w["kind"], w["position"], w.get("attempt")) for w in console(client)["line"]] == [
        ("callback", 1, 2), ("caller", 2, None)]
    assert console(client)["retrying"] == []
    again = service.take_next(andy)
    assert (again.kind, again.callback_id) == ("callback", callback.id)


def test_after_the_last_attempt_the_callback_is_listed_as_failed(
        app, simulate, agent, signed, provider, client, login):
    app.config["CALLBACK_ATTEMPTS"] = 2
    callback = callback_request(simulate, "+15559990002")
    andy = agent()
    miss_callback(signed, andy, provider, "busy")
    db.session.get(CallbackRequest, callback.id).next_attempt_at = utcnow()
    db.session.commit()

    heard = miss_callback(signed, andy, provider, "busy")
    assert heard == ("The customer did not answer. That was the last attempt; "
                     "it is listed as failed on your console.")
    assert len(provider.created) == 2  # rung twice, and no more
    assert db.session.get(CallbackRequest, callback.id).status == "failed"
    assert service.line(["general"]) == [] and service.take_next(andy) is None
    login("andy")
    lists = console(client)
    assert lists["line"] == [] and lists["retrying"] == []
    [failed] = lists["failed"]
    assert (failed["number"], failed["tried"], failed["of"], failed["last_result"]) == (
        "+15559990002", 2, 2, "busy")


def test_an_agent_who_misses_a_callback_does_not_use_up_the_customers_tries(
        simulate, agent, signed):
    callback = callback_request(simulate, "+15559990002")
    assignment = service.take_next(agent())
    db.session.commit()
    signed(f"/voice/agent-status?a={assignment.id}&leg=agent",
           {"CallSid": AGENT_LEG, "CallStatus": "no-answer"})
    db.session.expire_all()
    callback = db.session.get(CallbackRequest, callback.id)
    assert (callback.status, callback.attempts, callback.next_attempt_at) == ("pending", 0, None)
    [waiting] = service.line(["general"])  # offered again at once, in its place
    assert waiting.ident == callback.id and assignment.agent.status == "available"


# --- a caller who hangs up while being bridged ---------------------------------------


class CallsApi(ProviderHandler):
    """The provider's Calls API: places legs, and answers an update of a call with the
    error set for it in `errors` (status, code), as it does for a call that has ended."""

    created: list = []
    updated: list = []
    errors: dict = {}

    def do_POST(self):  # noqa: N802 (http.server's naming)
        fields = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        sid = self.path.rsplit("/", 1)[1].removesuffix(".json")
        if sid == "Calls":
            CallsApi.created.append(fields)
            self.reply(201, {"sid": "CA" + uuid.uuid4().hex, "status": "queued"})
            return
        CallsApi.updated.append((self.path, fields))
        status, code = CallsApi.errors.get(sid, (200, None))
        self.reply(status, {"sid": sid, "status": "in-progress"} if status == 200 else {
            "code": code, "message": "Call is not in-progress. Cannot redirect.",
            "status": status})


@pytest.fixture
def provider(app):
    """The real twilio library, pointed at a local fake of the Calls API."""
    CallsApi.created, CallsApi.updated, CallsApi.errors = [], [], {}
    server = fake_provider(app, CallsApi)
    yield CallsApi
    server.shutdown()


@pytest.mark.parametrize("status, code, gone", [
    (404, 20404, True),  # the call no longer exists
    (400, 21220, True),  # "Call is not in-progress. Cannot redirect."
    (500, 20500, False),  # the provider failed: the caller may well still be waiting
])
def test_caller_who_hung_up_before_the_bridge_is_reported_to_the_agent(
        simulate, agent, client, login, signed, provider, status, code, gone):
    call = waiting_caller(simulate)
    andy = agent()
    login("andy")
    token = csrf_from(client.get("/agent/").get_data(as_text=True))
    client.post("/agent/take-next", data={"csrf_token": token})
    [ring] = provider.created
    assert ring["To"] == [andy.phone] and "/voice/agent-leg" in ring["Url"][0]
    provider.errors[call.call_sid] = (status, code)

    heard = answer_as_agent(signed, db.session.scalar(select(Assignment)))
    [(path, fields)] = provider.updated
    assert path.endswith(f"/Calls/{call.call_sid}.json") and "caller-join" in fields["Url"][0]
    assert heard.find("Hangup") is not None and heard.find("Dial") is None
    assignment = db.session.scalar(select(Assignment))
    session = db.session.scalar(select(HoldSession).where(HoldSession.call_id == call.id))
    assert assignment.agent.status == "available"
    if gone:
        assert heard.find("Say").text == "Sorry, the caller hung up before we could connect you."
        assert (assignment.status, session.outcome) == ("caller-gone", "abandoned")
        assert service.line(["general"]) == []
    else:
        assert "They keep their place in line." in heard.find("Say").text
        assert (assignment.status, session.outcome, session.claimed_by) == ("failed", None, None)
        assert [w.ident for w in service.line(["general"])] == [session.id]


def test_caller_who_hangs_up_while_the_agents_phone_rings_is_not_bridged(
        simulate, agent, signed):
    call = waiting_caller(simulate)
    assignment = service.take_next(agent())
    db.session.commit()
    signed("/voice/status", {"CallSid": call.call_sid, "CallStatus": "completed",
                             "CallDuration": "95"})
    assert service.line(["general"]) == []  # no other agent is offered them

    heard = answer_as_agent(signed, assignment)
    assert heard.find("Say").text == "Sorry, the caller hung up before we could connect you."
    assert heard.find("Redirect") is None  # no whisper, no bridge
    assert db.session.scalar(select(Message).where(Message.body.startswith("redirect"))) is None
    assignment = db.session.get(Assignment, assignment.id)
    assert (assignment.status, assignment.agent.status) == ("caller-gone", "available")
    session = db.session.scalar(select(HoldSession).where(HoldSession.call_id == call.id))
    assert session.outcome == "abandoned" and session.ended_at is not None


def test_caller_who_hung_up_is_not_offered_again_when_the_agent_misses_them(
        simulate, agent, signed):
    call = waiting_caller(simulate)
    assignment = service.take_next(agent())
    db.session.commit()
    signed("/voice/status", {"CallSid": call.call_sid, "CallStatus": "completed"})
    signed(f"/voice/agent-status?a={assignment.id}&leg=agent",
           {"CallSid": AGENT_LEG, "CallStatus": "no-answer"})
    db.session.expire_all()
    assert db.session.get(Assignment, assignment.id).agent.status == "available"
    assert service.line(["general"]) == []
