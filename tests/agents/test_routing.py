"""Push routing: who is offered whom, offers that time out, accepting what is no longer
there, language, and one caller per agent across two app servers at once."""

from __future__ import annotations

import html as htmllib
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import jobs
from app.agents import presence, routing, service
from app.agents.models import AgentProfile, Assignment, Offer, QueueRouting
from app.hold.models import CallbackRequest, HoldSession
from app.models import Message, db, utcnow
from app.simulator import press
from tests.agents.test_agents import callback_request, waiting_caller
from tests.conftest import csrf_from
from tests.providers.twilio.test_hold_twiml import korean  # noqa: F401  (in-process Korean)

KOREAN_AGENT = [press("9"), press("4")]  # 한국어, then 상담원 (a person): queue general


def idle_for(profile: AgentProfile, minutes: int) -> AgentProfile:
    profile.status_since = utcnow() - timedelta(minutes=minutes)
    db.session.commit()
    return profile


def offered_to(profile: AgentProfile) -> Offer | None:
    return db.session.scalar(select(Offer).where(Offer.agent_id == profile.id,
                                                 Offer.status == "open"))


def time_passes(seconds: int) -> None:
    """Offers made so far are `seconds` older (what the clock would do)."""
    for offer in db.session.scalars(select(Offer).where(Offer.status == "open")):
        offer.expires_at -= timedelta(seconds=seconds)
    db.session.commit()


def test_the_longest_waiting_caller_goes_to_the_longest_idle_agent(simulate, agent):
    early = waiting_caller(simulate, caller="+15559990001")
    late = waiting_caller(simulate, caller="+15559990002")
    db.session.scalar(select(HoldSession).where(HoldSession.call_id == early.id)).joined_at = \
        utcnow() - timedelta(minutes=9)
    fresh, idle = agent("fresh", "+15550000001"), agent("idle", "+15550000002")
    idle_for(fresh, 1), idle_for(idle, 30)
    made = routing.route()
    assert [(o.agent_id, o.call_id) for o in made] == [(idle.id, early.id), (fresh.id, late.id)]
    assert (fresh.status, idle.status) == ("offered", "offered")
    assert service.line(["general"]) == []  # both reserved: nobody else is offered them


def test_a_higher_priority_queue_is_offered_first_and_callbacks_keep_their_place(
        simulate, agent):
    callback = callback_request(simulate, "+15559990003")
    general = waiting_caller(simulate, caller="+15559990001")
    callback.joined_at = utcnow() - timedelta(minutes=20)  # joined long before asking
    db.session.scalar(select(HoldSession).where(HoldSession.call_id == general.id)).joined_at = \
        utcnow() - timedelta(minutes=5)
    db.session.commit()
    andy = agent(skills=("general", "billing"))
    [first] = routing.route()
    assert first.kind == "callback" and first.callback_id == callback.id  # its original place
    assert db.session.get(CallbackRequest, callback.id).status == "offered"
    routing.withdraw(andy)
    presence.move(andy, presence.AVAILABLE)
    billing = waiting_caller(simulate, caller="+15559990002")  # the newest caller
    db.session.scalar(select(HoldSession).where(
        HoldSession.call_id == billing.id)).queue = "billing"
    routing.withdraw(andy)
    presence.move(andy, presence.AVAILABLE)
    db.session.add(QueueRouting(queue="billing", priority=5))
    db.session.commit()
    [first] = routing.route()
    assert first.call_id == billing.id  # the newest caller, but of the team's first queue


def test_an_offer_nobody_accepts_goes_to_the_next_agent_and_the_first_is_away(
        simulate, agent, app):
    call = waiting_caller(simulate)
    joined = db.session.scalar(select(HoldSession)).joined_at
    slow = idle_for(agent("slow", "+15550000001"), 30)
    [offer] = routing.route()
    assert offer.agent_id == slow.id
    quick = agent("quick", "+15550000002")
    time_passes(app.config["AGENT_OFFER_S"] - 1)
    assert routing.route() == [] and offered_to(slow) is not None  # not yet
    time_passes(2)
    [again] = routing.route()
    assert (again.agent_id, again.call_id) == (quick.id, call.id)
    assert (slow.status, slow.status_reason) == ("away", "missed offer")
    session = db.session.scalar(select(HoldSession))
    assert session.joined_at == joined and session.claimed_by == quick.id  # same place


def test_a_closed_browser_mid_offer_is_made_away_by_the_minutely_job(simulate, agent):
    """Nobody polls any console: the background job is the clock."""
    andy = agent()
    waiting_caller(simulate)
    assert offered_to(andy) is not None
    time_passes(60)
    jobs.route_callers.call_local()
    db.session.expire_all()
    assert (andy.status, andy.status_reason) == ("away", "missed offer")
    [waiting] = service.line(["general"])
    assert waiting.position == 1 and waiting.call.from_number == "+15551230001"  # Maria


def accept_in_console(client, offer_id: int) -> str:
    token = csrf_from(client.get("/agent/").get_data(as_text=True))
    client.post(f"/agent/offer/{offer_id}/accept", data={"csrf_token": token})
    return htmllib.unescape(client.get("/agent/").get_data(as_text=True))


def nothing_was_rung() -> bool:
    return db.session.scalar(select(Message).where(Message.body.startswith("call "))) is None


def test_accepting_an_expired_offer_changes_nothing_and_rings_nobody(
        simulate, agent, client, login):
    andy = agent()
    login("andy")
    waiting_caller(simulate)
    offer = offered_to(andy)
    time_passes(60)
    page = accept_in_console(client, offer.id)
    assert "This offer expired; the caller keeps their place in line." in page
    assert db.session.scalar(select(Assignment)) is None and nothing_was_rung()
    assert len(service.line(["general"])) == 1


def test_accepting_another_agents_offer_is_refused(simulate, agent, client, login):
    bea = agent("bea", "+15550000002")
    waiting_caller(simulate)
    offer = offered_to(bea)
    agent()
    login("andy")
    page = accept_in_console(client, offer.id)
    assert "That caller was offered to another agent." in page
    db.session.expire_all()
    assert db.session.get(Offer, offer.id).status == "open" and bea.status == "offered"
    assert db.session.scalar(select(Assignment)) is None and nothing_was_rung()


def test_accepting_a_caller_who_hung_up_rings_nobody(simulate, agent, client, login, signed):
    andy = agent()
    login("andy")
    call = waiting_caller(simulate)
    offer = offered_to(andy)
    signed("/voice/status", {"CallSid": call.call_sid, "CallStatus": "completed",
                             "CallDuration": "40"})
    page = accept_in_console(client, offer.id)
    assert "The caller hung up before you accepted." in page
    db.session.expire_all()
    assert andy.status == "available" and db.session.scalar(select(Assignment)) is None
    assert nothing_was_rung()


def test_a_korean_caller_is_offered_only_to_an_agent_who_speaks_korean(
        simulate, agent, korean):  # noqa: F811
    english = idle_for(agent("andy", "+15550000001"), 30)  # idle the longest
    korean_call = waiting_caller(simulate, script=KOREAN_AGENT)
    assert offered_to(english) is None and service.take_next(english) is None
    assert [w.call.id for w in service.line(["general"])] == [korean_call.id]
    minji = agent("minji", "+15550000002")
    minji.languages = ["ko"]
    db.session.commit()
    [offer] = routing.route()
    assert (offer.agent_id, offer.call_id) == (minji.id, korean_call.id)
    english_call = waiting_caller(simulate, caller="+15559990002")
    assert offered_to(english).call_id == english_call.id  # English: any agent


def test_an_offered_caller_stays_listed_in_place_and_cannot_be_taken_by_another(
        simulate, agent, client, login):
    bea = agent("bea", "+15550000002")
    waiting_caller(simulate)
    assert offered_to(bea) is not None
    andy = agent()
    login("andy")
    [row] = client.get("/agent/line.json").get_json()["line"]
    assert (row["name"], row["position"], row["offered"]) == ("Maria Lopez", 1, True)
    token = csrf_from(client.get("/agent/").get_data(as_text=True))
    client.post(f"/agent/take/caller/{row['id']}", data={"csrf_token": token})
    page = htmllib.unescape(client.get("/agent/").get_data(as_text=True))
    assert "That caller is being offered to an agent right now" in page
    db.session.expire_all()
    assert andy.status == "available" and db.session.scalar(select(Assignment)) is None
    assert nothing_was_rung()


@pytest.mark.parametrize("button", ["take", "take next"])
def test_take_on_the_caller_offered_to_you_accepts_the_offer(simulate, agent, client, login,
                                                             button):
    andy = agent()
    waiting_caller(simulate)
    offer = offered_to(andy)
    login("andy")
    token = csrf_from(client.get("/agent/").get_data(as_text=True))
    url = f"/agent/take/caller/{offer.ident}" if button == "take" else "/agent/take-next"
    answer = client.post(url, data={"csrf_token": token})
    assert "/agent/assignment/" in answer.headers["Location"]  # the screen pop
    db.session.expire_all()
    assert (andy.status, db.session.get(Offer, offer.id).status) == ("on-call", "accepted")
    assert db.session.scalar(select(Assignment)).agent_id == andy.id


def test_a_queues_priority_and_wrap_up_are_set_from_the_command_line(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["routing", "queue", "billing", "--priority", "5",
                                 "--wrap-up-s", "60"])
    assert result.exit_code == 0 and "billing: priority 5, wrap-up 60 s" in result.output
    shown = runner.invoke(args=["routing", "show"]).output
    assert shown.strip() == "billing: priority 5, wrap-up 60 s"
    assert presence.wrap_up_s("general") == app.config["WRAP_UP_S"]  # no row of its own
    assert routing.queue_priorities() == {"billing": 5}
    bad = runner.invoke(args=["routing", "queue", "billing", "--wrap-up-s", "-1"])
    assert bad.exit_code == 2 and presence.wrap_up_s("billing") == 60


def test_taking_a_caller_who_hung_up_rings_nobody(simulate, agent, client, login, signed):
    call = waiting_caller(simulate)
    session = db.session.scalar(select(HoldSession).where(HoldSession.call_id == call.id))
    andy = agent()
    login("andy")
    signed("/voice/status", {"CallSid": call.call_sid, "CallStatus": "completed"})
    token = csrf_from(client.get("/agent/").get_data(as_text=True))
    client.post(f"/agent/take/caller/{session.id}", data={"csrf_token": token})
    page = htmllib.unescape(client.get("/agent/").get_data(as_text=True))
    assert "That caller is no longer waiting (they hung up or another agent took them)." in page
    db.session.expire_all()
    assert andy.status == "available" and db.session.scalar(select(Assignment)) is None
    assert nothing_was_rung()
