"""A new line's first day: an operator starts a line that has nothing yet (no menu, no
hold channels) and its forms and its menu's sms_link nodes come together, by the routes
an operator uses, up to a call to its number getting the text under its name. And a
menu that texts another line's form (published before forms had lines) never sends it:
its caller hears the failed-text apology and reaches a person."""

from __future__ import annotations

import yaml
from sqlalchemy import select

from app import menus
from app.flow import embedding
from app.flow.validate import parse_menu
from app.models import Call, MenuVersion, Message, db
from app.selfservice.forms import forms
from app.simulator import press
from tests.admin.test_content_forms import WELCOME
from tests.admin.test_form_lines import FORMS, csrf, saved
from tests.auth.test_lines_rights import CLINIC, NORTHWIND, clinic_operator  # noqa: F401

HARBOUR, NUMBER, CALLER = "harbour-dental", "+15005550022", "+15559990000"
SORRY = "Sorry, I couldn't send the text message right now."


def harbour_menu(texts: str | None = None) -> str:
    """The new line's menu: a greeting, then (once its form exists) press 1 for a link."""
    first = "text" if texts else "bye"
    nodes = {
        "greeting": {"type": "menu", "prompt": "Thanks for calling {{ line.name }}. "
                     "Press 1 for our welcome pack.", "options": [
                         {"key": "1", "intent": "a welcome pack", "go": first}]},
        "bye": {"type": "hangup", "prompt": "Goodbye."},
        "desk": {"type": "queue", "queue": "front_desk"}}
    if texts:
        nodes["text"] = {"type": "sms_link", "form": texts,
                         "prompt": "I've texted you the form.", "next": "bye"}
    return yaml.safe_dump({"name": HARBOUR, "start": "greeting", "nodes": nodes, "settings": {
        "display_name": "Harbour Dental", "person": "desk"}})


def save_menu(operator, yaml_text: str, base: int, action: str = "draft"):
    path = "/admin/menus/new" if base == 0 else f"/admin/menus/{HARBOUR}/edit"
    return operator.post(path, data={"csrf_token": csrf(operator, "/admin/menus/new"),
                                     "base_version": base, "action": action,
                                     "yaml": yaml_text})


def create_form(operator, **fields):
    return operator.post(FORMS, data={"csrf_token": csrf(operator), "source": WELCOME,
                                      **fields})


def test_an_operator_starts_a_line_from_its_draft_menu_to_a_call_texting_its_form(
        operator, simulate):
    assert save_menu(operator, harbour_menu(), 0).status_code == 303  # a draft, no calls yet
    new = operator.get(f"{FORMS}/new").get_data(as_text=True)
    assert f"<option>{HARBOUR}</option>" in new  # the draft's line is a line already
    made = create_form(operator, line=HARBOUR)
    assert made.status_code == 303 and forms()["welcome_pack"].line == HARBOUR

    other = save_menu(operator, harbour_menu(texts="pay_bill"), 1)  # Northwind's form
    assert other.status_code == 422
    assert ("node &#39;text&#39;, field &#39;form&#39;" in other.get_data(as_text=True)
            or 'data-node="text" data-field="form"' in other.get_data(as_text=True))
    assert "form &#39;pay_bill&#39; belongs to another line; this line&#39;s forms: " \
           "welcome_pack" in other.get_data(as_text=True)
    assert save_menu(operator, harbour_menu(texts="welcome_pack"), 1).status_code == 303
    published = operator.post(f"/admin/menus/{HARBOUR}/versions/2/publish",
                              data={"csrf_token": csrf(operator, "/admin/")})
    assert published.status_code == 303
    routed = operator.post("/admin/numbers", data={"csrf_token": csrf(operator, "/admin/"),
                                                   "number": NUMBER, "menu": HARBOUR})
    assert routed.status_code == 303

    t = simulate([press("1")], dialled=NUMBER, caller=CALLER)
    assert t.said()[:2] == ["Thanks for calling Harbour Dental. Press 1 for our welcome pack.",
                            "I've texted you the form."]
    [text] = db.session.scalars(select(Message).where(Message.to_number == CALLER)).all()
    assert text.body.startswith("Harbour Dental: Get your welcome pack: https://")


def test_an_unlimited_operator_names_a_new_line_for_a_form_before_its_menu(operator):
    new = operator.get(f"{FORMS}/new").get_data(as_text=True)
    assert 'id="form-new-line" name="new_line"' in new
    made = create_form(operator, line=NORTHWIND, new_line=HARBOUR)
    assert made.status_code == 303
    flash = operator.get(made.headers["Location"]).get_data(as_text=True)
    assert f"The {HARBOUR} line&#39;s menus can text it now (it has no menu yet" in flash
    assert forms()["welcome_pack"].line == HARBOUR
    # the line is one from now on: its menu, sms_link and all, saves in one go
    menus.check(menus.load_yaml(harbour_menu(texts="welcome_pack")))
    assert f'<option value="{HARBOUR}" >{HARBOUR}</option>' in operator.get(
        "/admin/content").get_data(as_text=True)  # and its hold channels can be made for it


def test_a_malformed_new_line_is_refused_with_the_field_named_and_nothing_saved(operator):
    before = saved()
    for typed in ("Harbour Dental", "harbour.dental", "x" * 61):
        refused = create_form(operator, new_line=typed)
        page = refused.get_data(as_text=True)
        assert refused.status_code == 422, typed
        assert "new_line: " in page and "is not a line id: up to 60 lowercase letters" in page
        assert f'value="{typed}"' in page  # what they typed is kept to correct
    assert saved() == before and "welcome_pack" not in forms()


def test_a_limited_operator_only_picks_their_lines_even_one_with_no_menu(
        clinic_operator):  # noqa: F811
    from app.auth.models import User

    clara = db.session.scalar(select(User).where(User.username == "clara"))
    clara.lines = [CLINIC, HARBOUR]  # a line of theirs that has nothing yet
    db.session.commit()
    new = clinic_operator.get(f"{FORMS}/new").get_data(as_text=True)
    assert 'name="new_line"' not in new and f"<option>{HARBOUR}</option>" in new
    before = saved()
    for line in (NORTHWIND, "storm-line"):  # another's, and one nobody has
        assert create_form(clinic_operator, new_line=line).status_code == 404, line
        assert create_form(clinic_operator, line=line).status_code == 404, line
    assert saved() == before
    assert create_form(clinic_operator, line=HARBOUR).status_code == 303
    assert forms()["welcome_pack"].line == HARBOUR


def test_a_published_menu_texting_another_lines_form_hands_the_caller_to_a_person(
        operator, simulate):
    """Published before forms had lines: valid then, so it is in effect now. The call path
    refuses the text rather than send the caller to another business's page."""
    version = menus.save_version(menus.load_yaml(harbour_menu()), publish=True)
    definition = yaml.safe_load(harbour_menu(texts="pay_bill"))
    version.definition = parse_menu(definition).model_dump(mode="json")  # (no form check)
    db.session.flush()
    menus.route_number(NUMBER, HARBOUR)
    db.session.commit()
    assert db.session.get(MenuVersion, version.id).definition["nodes"]["text"]["form"] == \
        "pay_bill"

    t = simulate([press("1")], dialled=NUMBER, caller=CALLER, stay_on_line=True)
    assert SORRY in t.said()
    assert db.session.scalars(select(Message).where(Message.to_number == CALLER)).all() == []
    call = db.session.scalar(select(Call).where(Call.to_number == NUMBER))
    assert call.queue == f"{HARBOUR}.front_desk"  # the line's person, as for any failed text

    panel = operator.post(f"/admin/menus/{HARBOUR}/versions/1/test", data={
        "csrf_token": csrf(operator, "/admin/"), "script": "press: 1"}).get_data(as_text=True)
    assert "Sorry, I couldn&#39;t send the text message right now." in panel
    assert "would have texted" not in panel  # the operator's test call fails as the call did


def test_a_menu_that_texts_on_the_first_turn_sends_the_text(operator, simulate):
    """Greeting, then the text, with no question between: the call's row is written before
    the link's in the first webhook, and the call goes on (it answered "something went
    wrong" before). The embedder is warmed first, as every gunicorn worker does at start."""
    embedding.shared()
    assert save_menu(operator, harbour_menu(), 0).status_code == 303
    assert create_form(operator, line=HARBOUR).status_code == 303
    first = yaml.safe_load(harbour_menu(texts="welcome_pack"))
    first["start"] = "hello"
    del first["nodes"]["greeting"]  # no question before the text
    first["nodes"]["hello"] = {"type": "say", "prompt": "Hello.", "next": "text"}
    assert save_menu(operator, yaml.safe_dump(first), 1).status_code == 303
    assert operator.post(f"/admin/menus/{HARBOUR}/versions/2/publish",
                         data={"csrf_token": csrf(operator, "/admin/")}).status_code == 303
    assert operator.post("/admin/numbers", data={"csrf_token": csrf(operator, "/admin/"),
                                                 "number": NUMBER, "menu": HARBOUR}
                         ).status_code == 303

    t = simulate([], dialled=NUMBER, caller=CALLER)
    assert t.said()[:3] == ["Hello.", "I've texted you the form.", "Goodbye."]
    [text] = db.session.scalars(select(Message).where(Message.to_number == CALLER)).all()
    assert text.body.startswith("Harbour Dental: Get your welcome pack: https://")
