"""In a real Chromium: the operator tries a sentence in the editor, then teaches the menu
an utterance from the dashboard, which makes a draft they publish."""

from __future__ import annotations

from tests.admin.test_browser import page, pytestmark, sign_in  # noqa: F401


def test_operator_tries_a_sentence_and_adds_an_unrecognised_one_as_an_example(
        page, make_user, simulate):  # noqa: F811
    from app.simulator import say

    make_user("olive", "operator")
    simulate([say("my meter is spinning backwards"), say("agent")])
    sign_in(page, "olive")
    page.goto("/admin/menus/northwind-main/versions/1")
    page.select_option("#try-node", "main")
    page.fill("#sentence", "my meter is spinning backwards")
    page.click("#try-sentence button[type=submit]")
    assert "Not understood" in page.inner_text("#try-outcome")

    page.click("text=Dashboard")
    row = page.locator("#unheard tr", has_text="my meter is spinning backwards")
    row.locator("select").select_option(label="a service request")
    row.locator("button", has_text="Add (draft)").click()
    assert "as a draft" in page.inner_text(".flash")
    page.click("text=Publish version 2")
    assert "Published version 2" in page.inner_text(".flash")

    page.goto("/admin/menus/northwind-main/versions/2")
    page.select_option("#try-node", "main")
    page.fill("#sentence", "my meter is spinning backwards")
    page.click("#try-sentence button[type=submit]")
    assert "Goes to a service request" in page.inner_text("#try-outcome")
    assert "spinning backwards" in page.inner_text("#try-why")
