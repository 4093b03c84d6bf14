"""A real Chromium on a threaded server with streams free: the screen pop's call state is
pushed by Server-Sent Events through live.js (as the console's and the wallboard's), so
the provider's side (the agent's phone answering, the caller joining) shows without a
reload and without one poll of controls.json."""

from __future__ import annotations

from sqlalchemy import select

from app.agents.models import AgentProfile
from app.models import Call, db
from app.simulator import Http, Simulator, press, say
from tests.admin.test_browser import page, pytestmark, sign_in  # noqa: F401
from tests.agents.test_agents import MARIA
from tests.agents.test_controls import answered_over_http, api  # noqa: F401
from tests.agents.test_controls_browser import state_is
from tests.live_server import RECORD_SOURCES, STREAMING, app, live_server, polls  # noqa: F401
from tests.providers.twilio import kit


def test_the_screen_pop_is_pushed_the_calls_state_without_polling(
        page, live_server, app, make_user, api):  # noqa: F811
    db.session.add(AgentProfile(user=make_user("andy", "agent"), phone="+15550007777",
                                skills=["general"]))
    db.session.commit()
    Simulator(Http(live_server), app.config["TWILIO_AUTH_TOKEN"], app.config["PUBLIC_BASE_URL"],
              caller=MARIA, dialled="+15005550006", wait_loops=2, stay_on_line=True
              ).run([press("1"), say("agent please")])
    maria = db.session.scalar(select(Call.call_sid).where(Call.from_number == MARIA))
    db.session.commit()  # from here on only the live server touches the database
    api.calls[maria] = kit.LIVE
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.add_init_script(RECORD_SOURCES)

    sign_in(page, "andy")
    page.click("#take-next")
    page.wait_for_url("**/agent/assignment/*")
    page.wait_for_function(STREAMING, timeout=10_000)
    state_is(page, "Ringing")
    page.evaluate("window.samePage = true")
    answered_over_http(live_server, app, api, int(page.url.rsplit("/", 1)[-1]), maria)
    state_is(page, "Connected")
    assert page.get_by_role("button", name="Hold Maria Lopez").is_visible()
    assert page.evaluate("window.samePage")  # pushed, not reloaded
    assert any(u.endswith("/controls/live") for u in requests)
    assert [u for u in polls(requests) if "controls.json" in u] == []  # not one poll
