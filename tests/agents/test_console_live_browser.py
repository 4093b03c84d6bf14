"""A real Chromium keeps the agent console live by Server-Sent Events alone: a newcomer
joins while the agent's focus rests on Maria's Take button (the button survives, only the
newcomer is announced), then the agent's wrap-up ends with no page polling and the routing
clock the stream drives offers them Maria within seconds."""

from __future__ import annotations

from datetime import timedelta

from app.agents.models import AgentProfile
from app.models import db, utcnow
from app.simulator import Http, Simulator, press, say
from tests.admin.test_browser import page, pytestmark, sign_in  # noqa: F401
from tests.agents.test_agents import MARIA
from tests.live_server import RECORD_SOURCES, STREAMING, app, live_server, polls  # noqa: F401

ANNOUNCED = """() => {
  window.announced = [];
  const announce = document.getElementById("announce");
  new MutationObserver(() => window.announced.push(announce.textContent))
    .observe(announce, {childList: true, characterData: true, subtree: true});
}"""


def caller(server: str, config, number: str) -> None:
    Simulator(Http(server), config["TWILIO_AUTH_TOKEN"], config["PUBLIC_BASE_URL"],
              caller=number, dialled="+15005550006", wait_loops=2, stay_on_line=True
              ).run([press("1"), say("agent please")])


def test_the_console_is_pushed_a_newcomer_and_an_offer_without_polling(
        page, live_server, app, make_user):  # noqa: F811
    andy = AgentProfile(user=make_user("andy", "agent"), phone="+15550007777",
                        skills=["general"], status="away", status_reason="break")
    db.session.add(andy)
    db.session.commit()
    caller(live_server, app.config, MARIA)  # Andy is away: nobody is offered her
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.add_init_script(RECORD_SOURCES)
    sign_in(page, "andy")
    page.wait_for_selector("#line tr.waiting")
    page.wait_for_function(STREAMING, timeout=10_000)
    page.evaluate(ANNOUNCED)
    page.get_by_role("button", name="Take Maria Lopez").focus()
    page.evaluate("window.taking = document.activeElement")

    caller(live_server, app.config, "+15559990055")
    page.wait_for_selector("#line tr.waiting >> nth=1", timeout=10_000)
    page.wait_for_timeout(2500)  # more pushed updates: the waits tick every second
    assert page.evaluate("document.activeElement === window.taking && window.taking.isConnected")
    assert page.evaluate("window.announced") == ["New caller waiting: general, +1******0055"]

    # After-call work over, and nothing but the stream to notice it: no poll, no click.
    andy.status, andy.status_reason = "wrap-up", "call ended"
    andy.wrap_up_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    ended = utcnow()
    page.wait_for_selector("#offer:not([hidden])", timeout=5_000)
    assert utcnow() - ended < timedelta(seconds=3)  # within the routing clock's second or two
    assert page.inner_text("#accept-offer") == "Accept Maria Lopez"
    assert polls(requests) == []  # not one /agent/*.json request: all of it pushed
