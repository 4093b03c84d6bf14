"""A real Chromium (Playwright) drives the operator app: log in, edit a menu, see the
validation error, fix and publish, run a test call, view the dashboard.

Set HOLDLINE_SCREENSHOTS=docs/screenshots to refresh the README's screenshots.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from app import system_tools

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]
pytestmark = pytest.mark.browser  # a missing Chromium fails these tests, never skips them


@pytest.fixture
def page(live_server):
    """A Chromium page; whatever the Content-Security-Policy refused fails the test."""
    chromium = system_tools.path("chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900},
                                      base_url=live_server)
        page = context.new_page()
        refused: list[str] = []
        page.on("console", lambda message: refused.append(message.text)
                if "Content Security Policy" in message.text else None)
        yield page
        browser.close()
        assert refused == []


def sign_in(page, username: str) -> None:
    """Log in through the real form (make_user's password)."""
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", "a-long-password")
    page.click("button[type=submit]")


def shot(page, name: str, tmp_path: Path) -> None:
    folder = Path(os.environ.get("HOLDLINE_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"))
    assert (folder / f"{name}.png").stat().st_size < 200_000


def some_calls(simulate) -> None:
    from app.simulator import SILENCE, press, say

    simulate([say("my power is out"), press("1")], caller="+15551230001")
    for opening in (press("4"), say("where is my service request")):
        simulate([opening, say("one oh four two one seven"), say("yes"), say("no")])
    simulate([say("gas leak"), say("gas leak"), say("gas leak")])
    simulate([SILENCE, SILENCE, SILENCE])
    simulate([say("agent")])
    from datetime import timedelta

    from app.models import Call, db

    for days_ago, call in enumerate(db.session.query(Call).order_by(Call.id)):
        call.started_at -= timedelta(days=days_ago * 2)  # spread over the fortnight
    db.session.commit()


def test_operator_edits_publishes_tests_and_reads_the_dashboard(page, make_user, simulate,
                                                                 tmp_path):
    make_user("olive", "operator")
    some_calls(simulate)
    sign_in(page, "olive")
    page.click("text=northwind-main")
    page.click("text=Edit the latest version")

    text = page.input_value("#yaml")
    broken = text.replace("next: main", "next: mian", 1)
    page.fill("#yaml", broken)
    page.click("button[value=draft]")
    error = page.locator('.node-error[data-node="greeting"][data-field="next"]')
    assert "unknown node 'mian'" in error.inner_text()
    assert page.locator("#menu-errors").is_visible()
    shot(page, "editor", tmp_path)

    fixed = broken.replace("next: mian", "next: main").replace("Hello {{", "Good day {{", 1)
    page.fill("#yaml", fixed)
    page.fill("#note", "greeting says good day")
    page.click("button[value=publish]")
    assert "Saved version 2 of northwind-main and published it." in page.inner_text(".flash")

    page.fill("#caller", "+15551230001")
    page.fill("#script", "say: my power is out\npress: 1")
    page.click("#test-call button[type=submit]")
    result = page.inner_text("#test-result")
    assert "Good day Maria, thanks for calling Northwind Energy." in result
    assert "Potrero Hill" in result
    assert page.inner_text("#test-path").startswith("greeting → main → outage")

    page.click("text=Dashboard")
    # The label and the figure, not their layout: inner_text's line break depends on CSS.
    assert page.text_content("#fig-calls").startswith("Calls")
    assert page.inner_text("#fig-calls b") == "6"
    # Chart.js (served from /admin/static/vendor) drew every chart from its embedded data.
    canvases = page.locator("canvas[data-chart]")
    assert canvases.count() == 6
    # A function, not an expression string: Playwright polls an expression with eval(),
    # which our Content-Security-Policy (script-src 'self') rightly refuses.
    page.wait_for_function("() => window.Chart && Object.keys(Chart.instances).length === 6")
    assert page.evaluate("[...document.querySelectorAll('canvas[data-chart]')]"
                         ".every(c => Chart.getChart(c) && c.width > 0)")
    labels = page.evaluate("Chart.getChart('chart-unrecognised').data.labels")
    assert "gas leak" in labels
    assert page.locator("#funnel code", has_text="main").count() == 1
    shot(page, "dashboard", tmp_path)
