"""A real Chromium shows the agent console: nobody waiting, then a caller joins the queue
and appears with name, reason and wait without a reload; callbacks between tries and
those that ran out of tries are listed apart."""

from __future__ import annotations

import re
from datetime import timedelta

from app.agents.models import AgentProfile
from app.models import db, utcnow
from app.simulator import SILENCE, Http, Simulator, press, say
from tests.admin.test_browser import page, pytestmark, shot, sign_in  # noqa: F401
from tests.agents.test_agents import MARIA, callback_request
from tests.hold.test_hold import library  # noqa: F401


def test_agent_sees_a_new_caller_appear_without_a_reload(page, live_server, app,  # noqa: F811
                                                         make_user, simulate, tmp_path):
    failed = callback_request(simulate, "+15559990002")
    failed.status, failed.attempts, failed.last_result = "failed", 3, "no-answer"
    failed.next_attempt_at = None
    retrying = callback_request(simulate, "+15559990003")
    retrying.attempts, retrying.last_result = 1, "busy"
    retrying.next_attempt_at = utcnow() + timedelta(minutes=5)
    db.session.add(AgentProfile(user=make_user("andy", "agent"), phone="+15550007777",
                                skills=["general"]))
    db.session.commit()  # from here on only the live server touches the database

    sign_in(page, "andy")
    page.wait_for_selector("#line >> text=Nobody is waiting.")
    assert "+15559990002" in page.inner_text("#failed")
    assert "tried 3 of 3" in page.inner_text("#failed")
    assert re.search(r"attempt 2 of 3 at \d\d:\d\d.*\(in \d+ min\)\s+busy",
                     page.inner_text("#retrying"))
    page.evaluate("window.samePage = true")

    caller = Simulator(Http(live_server), app.config["TWILIO_AUTH_TOKEN"],
                       app.config["PUBLIC_BASE_URL"], caller=MARIA, dialled="+15005550006",
                       wait_loops=2, stay_on_line=True)
    caller.run([press("1"), say("agent please")])

    row = page.wait_for_selector("#line tr.waiting", timeout=10_000).inner_text()
    assert "Maria Lopez" in row and "asked for a person" in row
    assert re.search(r"\b\d+ s\b", row)  # how long she has waited
    assert page.evaluate("window.samePage")  # the poll updated the page; no reload
    shot(page, "agent-console", tmp_path)


def test_a_caller_who_takes_the_re_offered_callback_waits_for_the_agent_in_place(
        page, live_server, app, make_user, library, tmp_path):  # noqa: F811
    """A long wait over real HTTP: the callback is offered again while the estimate stays
    long; the caller takes it with one key, and the agent's console (Chromium) shows the
    callback in the line."""
    db.session.add(AgentProfile(user=make_user("andy", "agent"), phone="+15550007777",
                                skills=["general"]))
    db.session.commit()
    sign_in(page, "andy")
    page.wait_for_selector("#line >> text=Nobody is waiting.")

    caller = Simulator(Http(live_server), app.config["TWILIO_AUTH_TOKEN"],
                       app.config["PUBLIC_BASE_URL"], caller=MARIA, dialled="+15005550006",
                       wait_loops=10_000, queue_position=8, advance_every_s=225,
                       max_wait_s=30 * 60, avg_queue_time_s=1800)
    heard = caller.run([say("agent"), press("1"), *[SILENCE] * 16, press("6"), press("1")])
    offers = heard.ivr_text.count("It's still a long wait. To get a call back instead")
    assert offers >= 2  # offered on joining's first news, and again minutes later

    # the console polls: wait for the poll after she left the queue for a callback
    row = page.wait_for_selector("#line tr.waiting:has-text('(callback')",
                                 timeout=10_000).inner_text()
    assert row.startswith("1\tMaria Lopez (callback, attempt 1 of 3)\tgeneral")
    shot(page, "agent-console-callback", tmp_path)
