"""A real Chromium: an agent takes a call, puts it on hold and resumes it, then transfers
it, with the screen pop's buttons (controls.js, no reload). The provider's side is the
local fake Twilio API (the real twilio library over HTTP) and signed webhooks; the audio a
real call would carry needs a real Twilio account."""

from __future__ import annotations

from app.models import db
from tests.admin.test_browser import page, pytestmark, sign_in  # noqa: F401
from tests.agents.test_agents import waiting_caller
from tests.agents.test_controls import answered_over_http, api  # noqa: F401
from tests.hold.test_hold import library  # noqa: F401
from tests.providers.twilio import kit
from tests.test_accessibility import Audit


def state_is(page, text: str) -> None:  # noqa: F811
    page.wait_for_function("(text) => document.getElementById('call-state').textContent "
                           "=== text", arg=text, timeout=10_000)


def test_agent_holds_resumes_and_transfers_a_call_from_the_screen_pop(
        page, live_server, app, agent, simulate, api):  # noqa: F811
    call = waiting_caller(simulate)
    api.calls[call.call_sid] = kit.LIVE
    agent()
    db.session.commit()  # from here on only the live server touches the database
    sign_in(page, "andy")
    page.click("#take-next")
    page.wait_for_url("**/agent/assignment/*")
    state_is(page, "Ringing")
    assert page.get_by_role("button", name="Hold Maria Lopez").is_hidden()

    assignment = int(page.url.rsplit("/", 1)[-1])
    answered_over_http(live_server, app, api, assignment, call.call_sid)
    state_is(page, "Connected")  # the page's poll (its stream where it has one): no reload
    audit = Audit(page)
    audit.check("screen pop with in-call controls")
    page.get_by_role("button", name="Hold Maria Lopez").click()
    state_is(page, "On hold")
    assert api.requests[-1][2]["Hold"] == "true"
    page.get_by_role("button", name="Resume Maria Lopez").focus()
    page.keyboard.press("Enter")  # the keyboard works as well as the mouse
    state_is(page, "Connected")
    assert api.requests[-1][2] == {"Hold": "false"}

    page.fill("#transfer-number", "+14155550123")
    page.get_by_role("button", name="Transfer Maria Lopez").click()
    state_is(page, "Transferred to +1******0123")
    assert "Wrap-up has started" in page.inner_text("#control-message")
    method, path, form = api.requests[-1]
    assert path.endswith(f"/Calls/{call.call_sid}.json") and form["Url"].endswith(
        f"/voice/transferred?a={assignment}")
    assert page.get_by_role("button", name="Hold Maria Lopez").is_hidden()
    assert audit.violations == {}, audit.report()


def test_a_colleague_who_takes_the_call_over_gets_its_screen_pop_and_controls(
        page, live_server, app, agent, simulate, api):  # noqa: F811
    call = waiting_caller(simulate)
    api.calls[call.call_sid] = kit.LIVE
    agent()
    agent("bea", "+14155550177")
    db.session.commit()
    bea = page.context.browser.new_context(base_url=live_server).new_page()
    sign_in(bea, "bea")  # her console is open while Andy talks to her
    bea.wait_for_url("**/agent/")
    assert bea.locator("#current-call").is_hidden()

    sign_in(page, "andy")
    page.click("#take-next")
    page.wait_for_url("**/agent/assignment/*")
    answered_over_http(live_server, app, api, int(page.url.rsplit("/", 1)[-1]),
                       call.call_sid)
    state_is(page, "Connected")
    page.select_option("#consult-agent", label="bea")
    page.fill("#consult-reason", "Disputes the March invoice")
    page.get_by_role("button", name="Add colleague for Maria Lopez").click()
    state_is(page, "On hold · talking to bea")
    page.get_by_role("button", name="Join colleague to the call with Maria Lopez").click()
    state_is(page, "Three-way with bea")
    page.get_by_role("button", name="Leave Maria Lopez with your colleague").click()
    state_is(page, "Transferred to bea")

    link = bea.get_by_role("link", name="Open your call with Maria Lopez")
    link.wait_for(timeout=10_000)  # pushed to her console, no reload
    link.click()
    bea.wait_for_url("**/agent/assignment/*")
    assert bea.inner_text("#handed-over") == ("Transferred to you by andy: "
                                              "“Disputes the March invoice”")
    audit = Audit(bea)
    audit.check("screen pop of a call taken over")
    bea.get_by_role("button", name="Hold Maria Lopez").click()
    state_is(bea, "On hold")
    assert api.requests[-1][1].endswith(f"/Participants/{call.call_sid}.json")
    assert audit.violations == {}, audit.report()
