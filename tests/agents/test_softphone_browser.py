"""A real Chromium loads the console of an agent who takes calls in the browser: the
vendored Voice SDK and softphone.js load under the page's policy, the token is fetched
and a Device constructed; with the phone service out of reach (no network here) the
page says so instead of breaking. A real call cannot be placed offline."""

from __future__ import annotations

import pytest
from playwright.sync_api import sync_playwright

from app import system_tools
from app.agents.models import Assignment
from app.models import db
from tests.admin.test_browser import ARGS, pytestmark, shot, sign_in  # noqa: F401
from tests.agents.test_agents import waiting_caller
from tests.agents.test_softphone import SECRET, browser_agent
from tests.hold.test_hold import library  # noqa: F401
from tests.test_accessibility import Audit

# The provider's hosts do not resolve, as without network. Chromium itself refuses them
# (no script shim), so the page's Content-Security-Policy is checked on every attempt.
OFFLINE = "--host-resolver-rules=MAP *.twilio.com ~NOTFOUND"


@pytest.fixture
def page(live_server):
    """A Chromium page (tests/admin/test_browser.py's, offline for the provider); what it
    tried to reach is in page.tried, and anything the policy refused fails the test."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=system_tools.path("chromium"),
                                    args=[*ARGS, OFFLINE])
        page = browser.new_context(base_url=live_server).new_page()
        refused: list[str] = []
        page.on("console", lambda message: refused.append(message.text)
                if "Content Security Policy" in message.text else None)
        page.tried = []
        page.on("websocket", lambda socket: page.tried.append(socket.url))
        page.on("request", lambda request: page.tried.append(request.url)
                if "twilio.com" in request.url else None)
        yield page
        browser.close()
        assert refused == []


def test_the_softphone_starts_and_says_when_the_phone_service_is_out_of_reach(
        page, live_server, app, agent, tmp_path):  # noqa: F811
    app.config.update(TWILIO_ACCOUNT_SID="AC" + "1" * 32, TWILIO_API_KEY="SK" + "2" * 32,
                      TWILIO_API_SECRET=SECRET)
    browser_agent(agent)
    with page.expect_response("**/agent/softphone/token") as token:
        sign_in(page, "andy")
    assert token.value.status == 200 and token.value.json()["identity"].startswith("agent-")
    page.wait_for_selector("#softphone[data-state=offline]", timeout=20_000)
    assert "Cannot reach the phone service" in page.inner_text("#softphone-state")
    assert page.evaluate("window.holdlineSoftphone instanceof Twilio.Device")
    # it tried the signalling socket (the policy allowed it) and the ringtones
    assert any(url.startswith("wss://voice-js.roaming.twilio.com") for url in page.tried)
    assert any(url.startswith("https://sdk.twilio.com/") for url in page.tried)
    assert page.is_hidden("#softphone-accept") and page.is_hidden("#softphone-hangup")
    page.wait_for_selector("#line >> text=Nobody is waiting.")  # the console still works
    audit = Audit(page)  # the softphone's part of the console is accessible too
    audit.check("console with the softphone out of reach")
    assert not audit.violations, audit.report()
    page.locator("#softphone").scroll_into_view_if_needed()
    shot(page, "agent-softphone-offline", tmp_path)


def test_an_unconfigured_softphone_says_so_and_builds_no_device(
        page, live_server, app, agent):  # noqa: F811
    app.config.update(TWILIO_API_KEY=None, TWILIO_API_SECRET=None)
    browser_agent(agent)
    sign_in(page, "andy")
    page.wait_for_selector("#softphone[data-state=unconfigured]", timeout=10_000)
    assert "not configured" in page.inner_text("#softphone-state")
    assert page.evaluate("window.holdlineSoftphone === undefined")
    assert page.tried == []


def test_a_call_taken_where_the_softphone_cannot_register_goes_back_to_the_line(
        page, live_server, app, agent, simulate, library):  # noqa: F811
    """The screen pop's softphone cannot register, so it is never rung: the caller keeps
    their place and the agent is told."""
    app.config.update(TWILIO_ACCOUNT_SID="AC" + "1" * 32, TWILIO_API_KEY="SK" + "2" * 32,
                      TWILIO_API_SECRET=SECRET)
    waiting_caller(simulate)
    browser_agent(agent)  # commits: from here on only the live server touches the database
    sign_in(page, "andy")
    page.get_by_role("button", name="Take Maria Lopez").click()
    page.wait_for_url("**/agent/assignment/*")
    with page.expect_response("**/ring") as rang:
        page.wait_for_selector("#softphone[data-state=offline]", timeout=20_000)
    assert rang.value.status == 409 and "keeps their place" in rang.value.json()["message"]
    db.session.expire_all()
    assert db.session.query(Assignment).one().status == "browser-offline"
    page.goto("/agent/")
    page.wait_for_selector("#line tr.waiting >> text=Maria Lopez")
