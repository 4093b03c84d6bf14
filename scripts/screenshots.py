"""README screenshots of the agent console (presence and an offer), the live wallboard and
the screen pop with its in-call controls (the caller on hold), taken in a real Chromium
against the demo app on a throwaway database, with calls made through the real webhooks
by the call simulator and the provider's REST API played by the tests' local fake Twilio.

    .venv/bin/python scripts/screenshots.py            # writes docs/screenshots/*.png
    .venv/bin/python scripts/screenshots.py /tmp/shots
"""

from __future__ import annotations

import sys
import tempfile
import threading
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's app, not the one pip installed

from app import create_app, system_tools  # noqa: E402
from app.agents.models import AgentProfile  # noqa: E402
from app.auth.models import User  # noqa: E402
from app.config import TestConfig  # noqa: E402
from app.hold.models import HoldSession  # noqa: E402
from app.models import Call, db, utcnow  # noqa: E402
from app.simulator import Http, Simulator, press, say  # noqa: E402
from tests.agents.test_controls import answered_over_http  # noqa: E402
from tests.providers.twilio import kit  # noqa: E402

PASSWORD = "a-long-password"
SHOTS = ("agent-console-offer.png", "supervisor-wallboard.png", "agent-screen-pop-on-hold.png")
CALLERS = ("+15551230001", "+15559990055")  # Maria Lopez (a demo customer), a stranger


def person(username: str, role: str, display_name: str) -> User:
    user = User(username=username, role=role, display_name=display_name)
    user.set_password(PASSWORD)
    db.session.add(user)
    return user


def ended_today(number: str, outcome: str, wait_s: int) -> None:
    now = utcnow()
    call = Call(call_sid=f"CA-shot-{number}", from_number=number, to_number="+15005550006",
                started_at=now - timedelta(seconds=wait_s + 60), ended_at=now)
    db.session.add(HoldSession(call=call, queue="general", outcome=outcome, wait_s=wait_s,
                               joined_at=now - timedelta(seconds=wait_s), ended_at=now))


def a_morning() -> None:
    """Andy available (he is offered the first caller), Bea at lunch, three waits ended."""
    person("sam", "supervisor", "Sam Rivera")
    db.session.add_all([
        AgentProfile(user=person("andy", "agent", "Andy Park"), phone="+15550007777",
                     skills=["general"], status_since=utcnow() - timedelta(minutes=4)),
        AgentProfile(user=person("bea", "agent", "Bea Okafor"), phone="+15550007778",
                     skills=["general", "sales"], status="away", status_reason="lunch",
                     status_since=utcnow() - timedelta(minutes=12))])
    for number, outcome, wait_s in (("+15559990011", "answered", 12),
                                    ("+15559990012", "answered", 45),
                                    ("+15559990013", "abandoned", 70)):
        ended_today(number, outcome, wait_s)
    db.session.commit()


def sign_in(browser, base_url: str, username: str):
    page = browser.new_context(viewport={"width": 1280, "height": 860},
                               base_url=base_url).new_page()
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    return page


def on_hold(console, base: str, app, path: Path) -> None:
    """Andy accepts Maria, his phone answers, she joins his room, and he puts her on hold."""
    maria = db.session.scalar(db.select(Call.call_sid).where(Call.from_number == CALLERS[0]))
    with kit.fake_api(app.config) as api:
        api.calls[maria] = kit.LIVE
        console.click("#accept-offer")
        console.wait_for_url("**/agent/assignment/*")
        answered_over_http(base, app, api, int(console.url.rsplit("/", 1)[-1]), maria)
        console.get_by_role("button", name="Hold Maria Lopez").click()
        console.get_by_role("button", name="Resume Maria Lopez").wait_for()
        console.screenshot(path=str(path), full_page=True)


def main(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="holdline-shots-"))
    config = type("Shots", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{work}/shots.db"})
    app = create_app(config)
    app.instance_path = str(work / "instance")
    with app.app_context():
        from app.demo.northwind import seed
        from app.migrate import upgrade

        upgrade()
        seed()
        a_morning()
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        for caller in CALLERS:
            Simulator(Http(base), app.config["TWILIO_AUTH_TOKEN"], app.config["PUBLIC_BASE_URL"],
                      caller=caller, dialled="+15005550006", wait_loops=2, stay_on_line=True
                      ).run([press("1"), say("agent please")])
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=system_tools.path("chromium"),
                                        args=["--no-sandbox", "--disable-gpu"])
            console = sign_in(browser, base, "andy")
            console.wait_for_selector("#offer:not([hidden])")
            console.wait_for_selector("#line tr.waiting >> nth=1")
            console.screenshot(path=str(folder / "agent-console-offer.png"), full_page=True)
            board = sign_in(browser, base, "sam")
            board.wait_for_function("() => document.querySelector("
                                    "'#queue-rows tr[data-key=general] td:nth-child(2)')"
                                    ".textContent === '2'")
            board.wait_for_timeout(1500)  # a pushed update or two: the waits tick on
            board.screenshot(path=str(folder / "supervisor-wallboard.png"), full_page=True)
            on_hold(console, base, app, folder / "agent-screen-pop-on-hold.png")
            browser.close()
        server.shutdown()
    for name in SHOTS:
        print(folder / name, (folder / name).stat().st_size, "bytes")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
