"""The browser softphone: the signed-in agent's own access token (identity, Voice grant,
expiry, signature), 503 while unconfigured, where offered calls ring, and the page's
policy letting the Voice SDK reach only its own hosts."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET

import jwt
import pytest
from sqlalchemy import select

from app.agents import service
from app.agents.models import AgentProfile, Assignment
from app.hold.models import HoldSession
from app.models import Message, db
from tests.agents.test_agents import post_signed, waiting_caller
from tests.conftest import csrf_from
from tests.hold.test_hold import library  # noqa: F401

SECRET = "softphone-api-secret-0123456789abcdef"


@pytest.fixture
def configured(app):
    app.config.update(TWILIO_ACCOUNT_SID="AC" + "1" * 32, TWILIO_API_KEY="SK" + "2" * 32,
                      TWILIO_API_SECRET=SECRET, TWILIO_TWIML_APP_SID="AP" + "3" * 32)
    return app


def browser_agent(make_agent, name="andy") -> AgentProfile:
    profile = make_agent(name)
    profile.delivery = "browser"
    db.session.commit()
    return profile


def test_an_agent_gets_a_signed_one_hour_voice_token_for_their_own_identity(
        configured, agent, client, login):  # noqa: F811
    andy, _ = agent(), agent("bea", "+15550008888")
    login("andy")
    before = int(time.time())
    response = client.get("/agent/softphone/token")
    assert response.status_code == 200
    body = response.get_json()
    claims = jwt.decode(body["token"], SECRET, algorithms=["HS256"])
    assert claims["grants"]["identity"] == body["identity"] == f"agent-{andy.id}"
    assert claims["grants"]["voice"]["incoming"] == {"allow": True}
    assert claims["grants"]["voice"]["outgoing"]["application_sid"] == "AP" + "3" * 32
    assert (claims["iss"], claims["sub"]) == ("SK" + "2" * 32, "AC" + "1" * 32)
    assert before <= claims["nbf"] <= before + 5
    assert claims["exp"] - claims["nbf"] == 3600 == body["expires_in"]
    with pytest.raises(jwt.InvalidSignatureError):  # signed with the secret, nothing else
        jwt.decode(body["token"], "another-secret-of-the-same-length-000", algorithms=["HS256"])


def test_no_token_without_login_or_an_agent_profile(configured, client, login, make_user):
    response = client.get("/agent/softphone/token")
    assert response.status_code == 302 and "/login" in response.location
    make_user("olga", "operator")
    login("olga")
    assert client.get("/agent/softphone/token").status_code == 403
    client.post("/logout")
    make_user("root", "admin")  # may open the console, but has no phone or identity
    login("root")
    response = client.get("/agent/softphone/token")
    assert response.status_code == 403 and b"token" not in response.data


@pytest.mark.parametrize("missing",
                         ["TWILIO_ACCOUNT_SID", "TWILIO_API_KEY", "TWILIO_API_SECRET"])
def test_an_unconfigured_softphone_answers_503_with_a_reason(configured, agent, client,  # noqa: F811
                                                            login, missing):
    configured.config[missing] = None
    agent()
    login("andy")
    response = client.get("/agent/softphone/token")
    assert response.status_code == 503
    assert response.get_json()["error"] == "not-configured"
    assert "not configured" in response.get_json()["message"]


def test_the_agent_chooses_where_calls_ring(agent, client, login):  # noqa: F811
    andy = agent()
    login("andy")
    page = client.get("/agent/").get_data(as_text=True)
    assert "softphone.js" not in page  # a phone agent loads no SDK
    token = csrf_from(page)
    client.post("/agent/delivery", data={"csrf_token": token, "delivery": "browser"})
    assert db.session.get(AgentProfile, andy.id).delivery == "browser"
    page = client.get("/agent/").get_data(as_text=True)
    assert "vendor/twilio.min.js" in page and "softphone.js" in page
    response = client.post("/agent/delivery", data={"csrf_token": token, "delivery": "pager"},
                           follow_redirects=True)
    assert b"Choose your phone or this browser." in response.data
    assert db.session.get(AgentProfile, andy.id).delivery == "browser"
    client.post("/agent/delivery", data={"csrf_token": token, "delivery": "phone"})
    assert db.session.get(AgentProfile, andy.id).delivery == "phone"


def test_only_softphone_pages_may_reach_the_voice_sdk_hosts(agent, client, login):  # noqa: F811
    agent()
    login("andy")
    console = client.get("/agent/").headers["Content-Security-Policy"]
    assert "wss://voice-js.roaming.twilio.com" in console
    assert "script-src 'self'" in console  # the SDK is served from here, no CDN
    other = client.get("/login").headers["Content-Security-Policy"]
    assert "twilio" not in other and "connect-src 'self'" in other


def take_as_browser_agent(simulate, make_agent, client, login):
    """A waiting caller, taken by a browser agent: their screen pop is where it rings."""
    call = waiting_caller(simulate)
    andy = browser_agent(make_agent)
    login("andy")
    token = csrf_from(client.get("/agent/").get_data(as_text=True))
    screen = client.post("/agent/take-next", data={"csrf_token": token},
                         follow_redirects=True).get_data(as_text=True)
    assignment = db.session.scalar(select(Assignment))
    return call, andy, assignment, screen, csrf_from(screen)


def calls_placed() -> list[Message]:
    return list(db.session.scalars(select(Message).where(Message.body.startswith("call "))))


def test_a_browser_agent_is_rung_once_their_softphone_is_ready_then_meets_the_caller(
        simulate, agent, client, login, signed, library):  # noqa: F811
    call, andy, assignment, screen, token = take_as_browser_agent(simulate, agent, client,
                                                                  login)
    ring_url = f"/agent/assignment/{assignment.id}/ring"
    assert f'data-ring-url="{ring_url}"' in screen and "softphone.js" in screen
    assert calls_placed() == []  # not while the page that took the call is being left
    assert client.post(ring_url, data={"csrf_token": token, "ready": "1"}).status_code == 200
    again = client.post(ring_url, data={"csrf_token": token, "ready": "1"})  # a reload
    assert again.status_code == 409 and len(calls_placed()) == 1
    assert "data-ring-url" not in client.get(f"/agent/assignment/{assignment.id}").get_data(
        as_text=True)
    (ring,) = calls_placed()
    assert ring.to_number == f"client:agent-{andy.id}"
    # the browser's leg hears the same whisper, then meets the caller in one room
    whisper = ET.fromstring(post_signed(signed, ring.body.removeprefix("call "),
                                        CallSid=ring.sid).get_data(as_text=True))
    assert "Maria Lopez, known customer" in whisper.find("Say").text
    connect = ET.fromstring(post_signed(signed, whisper.find("Redirect").text,
                                        CallSid=ring.sid).get_data(as_text=True))
    moved = db.session.scalar(select(Message).where(Message.body.startswith("redirect ")))
    assert moved.to_number == call.call_sid[:20]  # the caller left the queue only now
    joined = ET.fromstring(post_signed(signed, moved.body.removeprefix("redirect "),
                                       CallSid=call.call_sid).get_data(as_text=True))
    assert joined.find("Dial/Conference").text == connect.find("Dial/Conference").text


def test_a_softphone_that_cannot_reach_the_service_gives_the_caller_back(
        simulate, agent, client, login, library):  # noqa: F811
    call, andy, assignment, _, token = take_as_browser_agent(simulate, agent, client, login)
    response = client.post(f"/agent/assignment/{assignment.id}/ring",
                           data={"csrf_token": token, "ready": "0"})
    assert response.status_code == 409 and "keeps their place" in response.get_json()["message"]
    assert calls_placed() == []
    session = db.session.scalar(select(HoldSession).where(HoldSession.call_id == call.id))
    assert session.claimed_by is None and session.outcome is None
    assert db.session.get(AgentProfile, andy.id).status == "available"
    assert [w.call.id for w in service.line(["general"])] == [call.id]  # first in line again


def test_only_the_agent_who_took_the_call_can_ring_it(simulate, agent, client, login,  # noqa: F811
                                                      library):  # noqa: F811
    _, _, assignment, _, _ = take_as_browser_agent(simulate, agent, client, login)
    client.post("/logout")
    agent("bea", "+15550008888")
    login("bea")
    token = csrf_from(client.get("/agent/").get_data(as_text=True))
    for ready in ("1", "0"):
        response = client.post(f"/agent/assignment/{assignment.id}/ring",
                               data={"csrf_token": token, "ready": ready})
        assert response.status_code == 404
    assert calls_placed() == []
    assert db.session.get(Assignment, assignment.id).status == "ringing"


def test_a_phone_agent_is_still_rung_at_their_number(simulate, agent, client,  # noqa: F811
                                                     login, library):  # noqa: F811
    waiting_caller(simulate)
    andy = agent()
    login("andy")
    token = csrf_from(client.get("/agent/").get_data(as_text=True))
    client.post("/agent/take-next", data={"csrf_token": token})
    ring = db.session.scalar(select(Message).where(Message.body.startswith("call ")))
    assert ring.to_number == andy.phone == "+15550007777"
