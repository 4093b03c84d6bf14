"""axe-core (vendored, tests/vendor/axe.min.js) audits every page state of the operator
app, the agent console with a caller waiting, the screen pop, the supervisor wallboard and
the SMS form pages in a real Chromium, against WCAG 2.0 and 2.1 A and AA. Any violation
fails, listed with its rule, the elements and axe's help text. One browser, one signed-in
page for them all."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from app.agents.models import AgentProfile, Assignment
from app.hold.models import HoldChannel, QuizQuestion
from app.models import Call, Message, db
from app.simulator import Http, Simulator, press, say
from tests.admin.test_browser import page, pytestmark, sign_in  # noqa: F401
from tests.admin.test_dashboard_lines import CLINIC
from tests.agents.test_agents import MARIA, waiting_caller
from tests.agents.test_controls import answered_over_http
from tests.hold.test_hold import library  # noqa: F401
from tests.providers.twilio import kit

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
HANGUL = re.compile("[\uac00-\ud7a3]")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Runs in the page through the DevTools protocol, which the page's CSP does not govern.
RUN = """tags => axe.run(document, {runOnly: {type: "tag", values: tags},
                                   resultTypes: ["violations"]})
  .then(r => r.violations.map(v => ({rule: v.id, impact: v.impact, help: v.help,
                                     targets: v.nodes.map(n => n.target.join(" "))})))"""


def axe_source() -> str:
    if not AXE.is_file():
        pytest.fail(f"axe-core is missing: {AXE} (npm axe-core 4.14.1, README "
                    "'Accessibility' says how to vendor it)")
    return AXE.read_text()


class Audit:
    """axe on each page state; the violations of all of them reported together."""

    def __init__(self, browser_page):
        self.page, self.source = browser_page, axe_source()
        self.states: list[str] = []
        self.violations: dict[str, list[dict]] = {}

    def check(self, state: str) -> None:
        if not self.page.evaluate("() => typeof window.axe === 'object'"):
            self.page.evaluate(self.source)
        self.states.append(state)
        if found := self.page.evaluate(RUN, TAGS):
            self.violations[state] = found

    def visit(self, state: str, path: str, status: int = 200) -> None:
        assert self.page.goto(path).status == status, f"{state}: {path}"
        self.check(state)

    def report(self) -> str:
        return "\n".join(f"{state}: {v['rule']} ({v['impact']}) on {v['targets']}: {v['help']}"
                         for state, found in self.violations.items() for v in found)


def sms_link(simulate, script) -> str:
    """The self-service link texted to the caller by that call."""
    simulate(script, caller="+15559990040")
    body = db.session.scalars(select(Message).where(Message.to_number == "+15559990040")
                              .order_by(Message.id.desc())).first().body
    return re.search(r"https://ivr\.example\.test(/s/\S+)", body).group(1)


@pytest.mark.markup
def test_every_page_state_has_no_axe_violations(page, live_server, app, make_user,  # noqa: F811
                                                simulate, library):  # noqa: F811
    simulate([say("my power is out"), press("1")], caller=MARIA)
    simulate([say("gas leak"), say("gas leak"), say("gas leak")])
    outage_form = sms_link(simulate, [say("my power is out"), say("report")])
    start_form = sms_link(simulate, [say("I need to start service"), say("start")])
    maria = waiting_caller(simulate).call_sid
    db.session.add(AgentProfile(user=make_user("ada", "admin"), phone="+15550007777",
                                skills=["general"]))
    question = db.session.scalar(select(QuizQuestion).limit(1)).id
    channel = db.session.scalar(select(HoldChannel.key).order_by(HoldChannel.position)
                                .limit(1))
    db.session.commit()  # from here on only the live server touches the database
    audit = Audit(page)

    audit.visit("login", "/login")
    page.fill("#username", "nobody")
    page.fill("#password", "wrong-password")
    page.click("button[type=submit]")
    audit.check("login refused")
    sign_in(page, "ada")
    menu = "/admin/menus/northwind-main"
    for state, path in [("menus list", "/admin/"), ("dashboard", "/admin/dashboard"),
                        ("dashboard of one line", f"/admin/dashboard?line={CLINIC}"),
                        ("users", "/admin/users"),
                        ("menu versions", menu), ("version page", f"{menu}/versions/1"),
                        ("new menu", "/admin/menus/new"), ("editor", f"{menu}/edit"),
                        ("node form (Korean menu)", f"{menu}/nodes/ko_main/edit?from=1"),
                        ("node form (say)", f"{menu}/nodes/greeting/edit?from=1"),
                        ("content", "/admin/content"), ("quiz", "/admin/content/quiz"),
                        ("quiz question", f"/admin/content/quiz/{question}"),
                        ("forms", "/admin/content/forms"),
                        ("forms of one line", f"/admin/content/forms?line={CLINIC}"),
                        ("form", "/admin/content/forms/report_outage"),
                        ("music channel", f"/admin/content/channels/{channel}"),
                        ("spoken channel", "/admin/content/channels/tips"),
                        ("delete a channel", "/admin/content/channels/tips/delete"),
                        ("new form", "/admin/content/forms/new"),
                        ("form preview", "/admin/content/forms/report_outage/preview"),
                        ("hours", "/admin/hours"), ("hours of a queue", "/admin/hours/general"),
                        ("outbox", "/outbox")]:
        audit.visit(state, path)
    # the pages' new parts are there to be audited
    page.goto("/admin/content/forms/new")
    assert page.get_by_label("Line (whose menus text it)").locator("option").count() >= 2
    page.goto("/admin/dashboard")
    assert page.get_by_label("Line").locator(f'option[value="{CLINIC}"]').count() == 1
    page.goto("/admin/content/forms")
    assert page.get_by_role("navigation", name="Line").get_by_role("link", name=CLINIC).count()
    assert page.locator("#forms td.line, td.line").count() >= 1

    page.goto("/admin/users")
    page.fill("#password", "short")
    page.click("#new-user button[type=submit]")  # no username, a short password
    page.wait_for_selector("#problems")
    audit.check("users, a refused new user")

    audit.visit("wallboard loading", "/supervisor/")
    page.wait_for_selector("#queue-rows tr[data-key=general]")
    audit.check("wallboard with a caller waiting and its agent")

    page.goto(f"{menu}/versions/1")
    page.fill("#script", "press: 9\nsay: 정전")
    page.click("#test-call button[type=submit]")
    audit.check("test call with a Korean transcript")
    # axe cannot know the language of a text; the node's language tells it
    assert HANGUL.search(page.locator('.transcript .ivr [lang="ko"]').first.inner_text())
    assert "Northwind" in page.locator(".transcript .ivr span:not([lang])").first.inner_text()
    assert page.locator('.transcript .caller [lang="ko"]').inner_text() == "정전"
    page.fill("#sentence", "the lights went out")
    page.click("#try-sentence button[type=submit]")
    audit.check("try a sentence")

    page.goto(f"{menu}/edit")
    page.fill("#yaml", page.input_value("#yaml").replace("next: main", "next: mian", 1))
    page.click("button[value=draft]")
    page.wait_for_selector("#menu-errors")
    audit.check("editor after a failed save")
    assert page.locator('#node-ko_main td[lang="ko"]').count() == 1
    assert page.locator('#node-main td[lang]').count() == 0
    page.goto(f"{menu}/nodes/ko_main/edit?from=1")
    page.fill('input[name="option_go"] >> nth=0', "nowhere")
    page.click("button[value=draft]")
    page.wait_for_selector("#menu-errors")
    audit.check("node form after a failed save")
    assert page.get_attribute("#prompt", "lang") == "ko"
    assert page.get_attribute('input[aria-label="Phrases, option 1"]', "lang") == "ko"
    assert page.get_attribute('input[aria-label="Go to, option 1"]', "lang") is None
    assert page.get_by_role("textbox", name="Label, option 1").input_value() == "요금"
    page.goto(f"{menu}/edit")
    page.fill("#yaml", page.input_value("#yaml").replace("Hello {{", "Good day {{", 1))
    page.click("button[value=draft]")
    audit.check("saved draft")
    audit.visit("diff", f"{menu}/diff?a=1&b=2")

    audit.visit("agent console loading", "/agent/")
    page.wait_for_selector("#line tr.waiting")
    audit.check("agent console with a caller waiting")
    assert page.get_by_role("button", name="Take Maria Lopez").count() == 1
    with kit.fake_api(app.config) as api:  # Twilio's REST API, here
        api.calls[maria] = kit.LIVE
        page.click("#line tr.waiting button")
        page.wait_for_url("**/agent/assignment/*")
        audit.check("screen pop, ringing")
        answered_over_http(live_server, app, api,
                           int(page.url.rsplit("/", 1)[-1]), maria)
        page.get_by_role("button", name="Hold Maria Lopez").wait_for()
        audit.check("screen pop with in-call controls")
        page.get_by_role("button", name="Hold Maria Lopez").click()
        page.get_by_role("button", name="Resume Maria Lopez").wait_for()
        audit.check("screen pop, the caller on hold")

    for state, path in [("SMS form, start", start_form), ("SMS form, outage", outage_form)]:
        audit.visit(state, path)
        page.click("form button[type=submit]")
        page.wait_for_selector(".error-summary")
        audit.check(state + " with errors")
        assert page.evaluate("document.activeElement.className") == "error-summary"
    page.click('.error-summary a[href="#f-problem-1"]')  # a radio group's error
    assert page.evaluate("document.activeElement.id") == "f-problem-1"  # its first radio
    audit.visit("SMS link that does not work", "/s/not-a-real-link", 404)

    assert len(audit.states) >= 41
    assert audit.violations == {}, "axe-core found:\n" + audit.report()


WATCH = """() => {
  window.announced = [];
  const announce = document.getElementById("announce");
  new MutationObserver(() => window.announced.push(announce.textContent))
    .observe(announce, {childList: true, characterData: true, subtree: true});
}"""


def test_an_agent_takes_a_caller_by_keyboard_while_the_line_updates(  # noqa: F811
        page, live_server, app, make_user, simulate, library):  # noqa: F811
    maria = waiting_caller(simulate)
    db.session.add(AgentProfile(user=make_user("andy", "agent"), phone="+15550007777",
                                skills=["general"]))
    db.session.commit()  # from here on only the live server touches the database
    polls: list[str] = []
    page.on("request", lambda r: polls.append(r.url) if "line.json" in r.url else None)
    sign_in(page, "andy")
    page.wait_for_selector("#line tr.waiting")
    page.evaluate(WATCH)

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    for _ in range(30):  # Tab through the page, as an agent without a mouse does
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Take Maria Lopez":
            break
    page.evaluate("window.taking = document.activeElement")
    assert page.evaluate("window.taking.tagName") == "BUTTON"
    assert page.evaluate("getComputedStyle(window.taking).outlineStyle") == "solid"  # seen
    polled = len(polls)

    newcomer = "+15559990055"
    Simulator(Http(live_server), app.config["TWILIO_AUTH_TOKEN"],
              app.config["PUBLIC_BASE_URL"], caller=newcomer, dialled="+15005550006",
              wait_loops=2, stay_on_line=True).run([press("1"), say("agent please")])
    page.wait_for_selector("#line tr.waiting >> nth=1", timeout=10_000)
    while len(polls) < polled + 3:  # at least two polls after the newcomer arrived
        page.wait_for_timeout(250)

    # The same button, still focused: no poll rebuilt Maria's row.
    assert page.evaluate("document.activeElement === window.taking && window.taking.isConnected")
    # Only the newcomer was announced, once, by the masked number; not the list again.
    assert page.evaluate("window.announced") == ["New caller waiting: general, +1******0055"]
    assert page.locator("#console[aria-live], #line[aria-live]").count() == 0

    page.keyboard.press("Enter")
    page.wait_for_url("**/agent/assignment/*")
    db.session.expire_all()
    taken = db.session.scalar(select(Assignment).join(Call).where(Call.id == maria.id))
    assert taken is not None and taken.agent.user.username == "andy"
    assert page.url.endswith(f"/agent/assignment/{taken.id}")
