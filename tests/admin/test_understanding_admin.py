"""The operator teaches the IVR: try a sentence in the editor, and turn what callers said
that nothing matched into an option's example (a draft version to publish)."""

from __future__ import annotations

from sqlalchemy import select

from app import menus
from app.models import Menu, db


def version_page(operator) -> str:
    return operator.get("/admin/menus/northwind-main/versions/1").get_data(as_text=True)


def test_trying_a_sentence_shows_the_option_score_and_why(operator, token):
    page = operator.post("/admin/menus/northwind-main/versions/1/try", data={
        "csrf_token": token("/admin/menus/northwind-main/versions/1"),
        "node": "main", "sentence": "the electricity is gone in the whole house"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Goes to a power outage" in html and "<code>outage</code>" in html
    assert 'id="try-score"' in html and "meaning: nearest" in html


def test_a_sentence_nothing_matches_says_so(operator, token):
    html = operator.post("/admin/menus/northwind-main/versions/1/try", data={
        "csrf_token": token("/admin/menus/northwind-main/versions/1"),
        "node": "main", "sentence": "purple elephant"}).get_data(as_text=True)
    assert "Not understood" in html


def test_trying_at_a_node_that_is_no_menu_is_refused(operator, token):
    page = operator.post("/admin/menus/northwind-main/versions/1/try", data={
        "csrf_token": token("/admin/menus/northwind-main/versions/1"),
        "node": "greeting", "sentence": "hello"})
    assert page.status_code == 422 and "Choose a menu node." in page.get_data(as_text=True)


def test_an_unrecognised_utterance_becomes_an_example_in_a_draft(operator, token, simulate):
    from app.simulator import say

    simulate([say("my meter is spinning backwards"), say("agent")])
    dashboard = operator.get("/admin/dashboard").get_data(as_text=True)
    assert "my meter is spinning backwards" in dashboard and "Add (draft)" in dashboard
    done = operator.post("/admin/menus/northwind-main/nodes/main/examples", data={
        "csrf_token": token("/admin/dashboard"), "speech": "my meter is spinning backwards",
        "option": "3"})
    assert done.status_code == 303 and done.headers["Location"].endswith("/versions/2")
    menu = db.session.scalar(select(Menu).where(Menu.name == "northwind-main"))
    draft = next(v for v in menu.versions if v.number == 2)
    assert draft.status == "draft" and menus.published(menu).number == 1
    request_option = draft.definition["nodes"]["main"]["options"][3]
    assert request_option["examples"] == ["my meter is spinning backwards"]
    assert "as a draft" in operator.get(done.headers["Location"]).get_data(as_text=True)


def test_the_same_example_for_a_second_option_is_refused(operator, token):
    for option in ("0", "1"):
        done = operator.post("/admin/menus/northwind-main/nodes/main/examples", data={
            "csrf_token": token("/admin/dashboard"), "speech": "my bill looks odd",
            "option": option})
    assert done.status_code == 303 and done.headers["Location"].endswith("/admin/dashboard")
    page = operator.get("/admin/dashboard").get_data(as_text=True)
    assert "Not added" in page and "duplicate example" in page


def test_the_node_form_edits_examples_and_keeps_them_on_other_edits(operator):
    from tests.admin.test_menu_editor import NodeEditor, node_page, versions

    form = NodeEditor(operator.get(node_page("main")).get_data(as_text=True))
    form.set("option_examples", "my bill looks odd; I was charged twice, I think", row=0)
    assert form.post(operator, node_page("main")).status_code == 303
    assert versions()[1].definition["nodes"]["main"]["options"][0]["examples"] == [
        "my bill looks odd", "I was charged twice, I think"]
    again = NodeEditor(operator.get(node_page("main")).get_data(as_text=True))
    assert again.set("prompt", "What do you need?").post(
        operator, node_page("main")).status_code == 303
    assert versions()[2].definition["nodes"]["main"]["options"][0]["examples"] == [
        "my bill looks odd", "I was charged twice, I think"]
