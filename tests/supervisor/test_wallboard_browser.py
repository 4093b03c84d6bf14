"""A real Chromium shows the wallboard: a caller joins the queue and is counted with their
wait, then an agent (in a second browser) takes them and the board shows the agent busy,
all without a reload and without rebuilding rows whose figures did not change, pushed by
Server-Sent Events (no poll) over streams short enough to reconnect during the test."""

from __future__ import annotations

import re

from app.agents.models import AgentProfile
from app.models import db
from app.simulator import Http, Simulator, press, say
from tests.admin.test_browser import page, pytestmark, shot, sign_in  # noqa: F401
from tests.agents.test_agents import MARIA
from tests.live_server import RECORD_SOURCES, STREAMING, app, live_server, polls  # noqa: F401

# Marks each row element: a rebuilt row would come back without the mark.
MARK_ROWS = "() => document.querySelectorAll('tbody tr').forEach(tr => tr.marked = true)"
UNMARKED = "() => [...document.querySelectorAll('tbody tr')].filter(tr => !tr.marked).length"


def test_the_wallboard_shows_a_waiting_caller_then_an_agent_going_busy(
        page, live_server, app, make_user, tmp_path):  # noqa: F811
    make_user("sam", "supervisor")
    db.session.add(AgentProfile(user=make_user("andy", "agent"), phone="+15550007777",
                                skills=["general"]))
    db.session.commit()  # from here on only the live server touches the database
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.add_init_script(RECORD_SOURCES)

    sign_in(page, "sam")
    assert page.url.endswith("/supervisor/")
    general = page.locator('#queue-rows tr[data-key="general"]')
    assert general.inner_text().split("\t")[:3] == ["general", "0", "none waiting"]
    assert page.locator("#agent-rows tr").inner_text().split("\t")[:2] == ["andy", "available"]
    page.evaluate("window.samePage = true")
    page.evaluate(MARK_ROWS)

    Simulator(Http(live_server), app.config["TWILIO_AUTH_TOKEN"], app.config["PUBLIC_BASE_URL"],
              caller=MARIA, dialled="+15005550006", wait_loops=2, stay_on_line=True
              ).run([press("1"), say("agent please")])
    page.wait_for_function("() => document.querySelector("
                           "'#queue-rows tr[data-key=general] td:nth-child(2)')"
                           ".textContent === '1'", timeout=10_000)
    assert re.fullmatch(r"\d+ s", general.locator("td").nth(2).inner_text())

    agent = page.context.browser.new_context(base_url=live_server).new_page()
    sign_in(agent, "andy")
    agent.wait_for_selector("#line tr.waiting")
    agent.click("#take-next")
    agent.wait_for_url("**/agent/assignment/*")

    page.wait_for_function("() => document.querySelector('#agent-rows tr td:nth-child(2)')"
                           ".textContent === 'on-call'", timeout=10_000)
    name, state, in_state = page.locator("#agent-rows tr").inner_text().split("\t")
    assert (name, state) == ("andy", "on-call")
    assert re.fullmatch(r"\d+ s", in_state)  # since the take
    assert page.evaluate("window.samePage")  # pushed, not reloaded
    assert page.evaluate(UNMARKED) == 0  # rows kept, only their cells rewritten
    streams = lambda: [u for u in requests if u.endswith("/supervisor/live")]  # noqa: E731
    for _ in range(40):  # a 3 s stream ends and EventSource opens the next by itself
        if len(streams()) >= 2:
            break
        page.wait_for_timeout(250)
    assert len(streams()) >= 2
    page.wait_for_function(STREAMING, timeout=10_000)
    assert page.locator("#agent-rows tr td").nth(1).inner_text() == "on-call"
    assert polls(requests) == []  # not one poll
    shot(page, "supervisor-wallboard", tmp_path)
