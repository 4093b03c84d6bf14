"""Menu editor routes: roles, CSRF, YAML and validation errors, concurrency, publish,
roll back, diff, number mapping, the per-node form and reserved menu names."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
import yaml
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app import menus
from app.auth.models import AuditEntry
from app.flow.validate import MenuInvalid
from app.models import Menu, MenuVersion, PhoneRoute, db
from tests.conftest import csrf_from
from tests.selfservice.own_forms import with_own_forms

MENU = "northwind-main"
EDIT = f"/admin/menus/{MENU}/edit"


def current_yaml() -> dict:
    menu = db.session.scalar(select(Menu).where(Menu.name == MENU))
    return yaml.safe_load(menus.export_yaml(menu.versions[-1]))


def versions() -> list[MenuVersion]:
    return db.session.scalars(select(MenuVersion).join(Menu).where(Menu.name == MENU)
                              .order_by(MenuVersion.number)).all()


def post_edit(client, token, definition, *, base=1, action="draft", text=None, note=""):
    return client.post(EDIT, data={
        "csrf_token": token(EDIT), "base_version": base, "action": action, "note": note,
        "yaml": text if text is not None else yaml.safe_dump(definition, sort_keys=False)})


def test_agent_is_refused(client, make_user, login):
    make_user("andy", "agent")
    login("andy")
    for path in ("/admin/", EDIT, f"/admin/menus/{MENU}", "/admin/dashboard"):
        assert client.get(path).status_code == 403


def test_pages_need_login(client):
    assert client.get(EDIT).status_code == 302


def test_menu_pages_render(operator):
    page = operator.get(f"/admin/menus/{MENU}").get_data(as_text=True)
    assert "version 1" in page and "published" in page
    editor = operator.get(EDIT).get_data(as_text=True)
    assert "name: northwind-main" in editor and 'name="base_version" value="1"' in editor
    assert 'id="node-greeting"' in editor  # the readable node table


def test_forged_post_without_csrf_is_refused(operator):
    response = operator.post(EDIT, data={"yaml": yaml.safe_dump(current_yaml()),
                                         "base_version": 1})
    assert response.status_code == 400
    assert len(versions()) == 1


def test_invalid_yaml_is_refused_clearly(operator, token):
    response = post_edit(operator, token, None, text="name: [unclosed\nnodes: {")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Not saved: not valid YAML" in page and "name: [unclosed" in page  # text kept
    assert len(versions()) == 1


def test_validation_errors_name_node_and_field_and_nothing_is_saved(operator, token):
    definition = current_yaml()
    definition["nodes"]["main"]["options"][0]["go"] = "nowhere"
    definition["nodes"]["greeting"]["prompt"] = ""
    response = post_edit(operator, token, definition, action="publish")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'data-node="main" data-field="options.0.go"' in page
    assert "goes to unknown node &#39;nowhere&#39;" in page
    assert 'data-node="greeting" data-field="prompt"' in page
    assert len(versions()) == 1 and versions()[0].status == "published"


def test_the_editor_lists_schema_and_link_errors_together_as_the_cli_does(operator, token,
                                                                         tmp_path, app):
    """One validator, one list: what the editor shows is what flask menu validate prints,
    and the published version stays."""
    definition = current_yaml()
    definition["nodes"]["main"]["optoins"] = definition["nodes"]["main"].pop("options")
    definition["nodes"]["greeting"]["next"] = "nowhere"
    response = post_edit(operator, token, definition, action="publish")
    assert response.status_code == 422
    box = response.get_data(as_text=True).split('id="menu-errors"')[1].split("</div>")[0]
    listed = [re.sub(r"<[^>]+>", "", item).replace("&#39;", "'").replace("`", "")
              for item in re.findall(r"<li>(.*?)</li>", box)]
    assert "node main, field optoins: unknown field; allowed here: type, prompt, reprompt, " \
           "options, no_input, no_match, recognizer, language (did you mean 'options'?)" in listed
    assert "node greeting, field next: goes to unknown node 'nowhere'" in listed
    path = tmp_path / "same.yaml"
    path.write_text(yaml.safe_dump(definition, sort_keys=False))
    printed = app.test_cli_runner().invoke(args=["menu", "validate", str(path)]).output
    assert [line.removeprefix("  - ").replace("'", "") for line in printed.splitlines()[1:]] \
        == [item.replace("'", "") for item in listed]
    assert [(v.number, v.status) for v in versions()] == [(1, "published")]


def test_renaming_in_the_editor_is_refused(operator, token):
    definition = current_yaml() | {"name": "other-menu"}
    response = post_edit(operator, token, definition)
    assert response.status_code == 422 and "must stay" in response.get_data(as_text=True)
    assert db.session.scalar(select(Menu).where(Menu.name == "other-menu")) is None


def test_save_draft_then_publish_and_audit(operator, token):
    definition = current_yaml()
    definition["nodes"]["greeting"]["prompt"] = "Hello, this is Northwind."
    response = post_edit(operator, token, definition, note="shorter greeting")
    assert response.status_code == 303 and response.location.endswith("/versions/2")
    draft = versions()[1]
    assert (draft.status, draft.author, draft.note) == ("draft", "olive", "shorter greeting")
    assert versions()[0].status == "published"  # a draft changes nothing for callers
    response = operator.post(f"/admin/menus/{MENU}/versions/2/publish",
                             data={"csrf_token": token()})
    assert response.status_code == 303
    assert [v.status for v in versions()] == ["retired", "published"]
    actions = db.session.scalars(select(AuditEntry.action)).all()
    assert "menu.save" in actions and "menu.publish" in actions


def test_save_and_publish_in_one_step(operator, token):
    post_edit(operator, token, current_yaml(), action="publish")
    assert [v.status for v in versions()] == ["retired", "published"]


def test_concurrent_edit_is_refused_and_text_kept(operator, token):
    first = current_yaml()
    second = current_yaml()
    first["nodes"]["greeting"]["prompt"] = "First operator's greeting."
    second["nodes"]["greeting"]["prompt"] = "Second operator's greeting."
    assert post_edit(operator, token, first, base=1).status_code == 303
    response = post_edit(operator, token, second, base=1)  # opened before version 2
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "version 2 was saved by olive" in page
    assert "Second operator&#39;s greeting." in page
    assert len(versions()) == 2
    assert versions()[1].definition["nodes"]["greeting"]["prompt"] == "First operator's greeting."


def test_rollback_publishes_an_earlier_version(operator, token):
    post_edit(operator, token, current_yaml(), action="publish")
    page = operator.get(f"/admin/menus/{MENU}").get_data(as_text=True)
    assert "Roll back to this" in page
    operator.post(f"/admin/menus/{MENU}/versions/1/publish", data={"csrf_token": token()})
    assert [v.status for v in versions()] == ["published", "retired"]
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "menu.rollback"))
    assert menus.version_for_number("+15005550006").number == 1


def test_diff_between_versions(operator, token):
    definition = current_yaml()
    definition["nodes"]["greeting"]["prompt"] = "Hi from the diff test."
    post_edit(operator, token, definition)
    page = operator.get(f"/admin/menus/{MENU}/diff?a=1&b=2").get_data(as_text=True)
    assert '<span class="add">+    prompt: Hi from the diff test.</span>' in page
    assert '<span class="remove">-    prompt: Hello' in page
    assert operator.get(f"/admin/menus/{MENU}/diff?a=1&b=9").status_code == 404


def test_new_menu_is_created_from_yaml(operator, token):
    definition = with_own_forms(current_yaml() | {"name": "storm-line"})
    response = operator.post("/admin/menus/new", data={
        "csrf_token": token("/admin/menus/new"), "base_version": 0, "action": "draft",
        "yaml": yaml.safe_dump(definition)})
    assert response.status_code == 303
    assert db.session.scalar(select(Menu).where(Menu.name == "storm-line")).versions[0].number == 1


def test_number_mapping(operator, token):
    post_edit(operator, token, current_yaml() | {"name": "northwind-main"})
    response = operator.post("/admin/numbers", data={
        "csrf_token": token(), "number": "+15557654321", "menu": MENU})
    assert response.status_code == 303
    route = db.session.scalar(select(PhoneRoute).where(PhoneRoute.number == "+15557654321"))
    assert route.menu.name == MENU
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "number.route"))
    bad = operator.post("/admin/numbers", data={"csrf_token": token(), "number": "call me",
                                                "menu": MENU}, follow_redirects=True)
    assert "not a phone number" in bad.get_data(as_text=True)
    unknown = operator.post("/admin/numbers", data={"csrf_token": token(),
                                                    "number": "+15550000000", "menu": "nope"},
                            follow_redirects=True)
    assert "no menu named" in unknown.get_data(as_text=True)
    operator.post(f"/admin/numbers/{route.id}/delete", data={"csrf_token": token()})
    assert db.session.get(PhoneRoute, route.id) is None


def test_yaml_aliases_are_refused(operator, token):
    text = "name: &n northwind-main\nstart: *n\n"
    response = post_edit(operator, token, None, text=text)
    assert response.status_code == 422
    assert "anchors and aliases" in response.get_data(as_text=True)


def test_a_menu_larger_than_a_webhook_can_be_saved(operator, token):
    definition = current_yaml()
    definition["description"] = "x" * 70_000  # over the app-wide 64 KB webhook limit
    assert post_edit(operator, token, definition).status_code == 303
    huge = post_edit(operator, token, None, base=2, text="#" + "x" * 600_000)
    assert huge.status_code == 413 and "at most 512 KB" in huge.get_data(as_text=True)
    assert len(versions()) == 2


def node_page(node_id: str) -> str:
    return f"/admin/menus/{MENU}/nodes/{node_id}/edit"


class NodeEditor(HTMLParser):
    """What a browser would post from the page's node form: [name, value] pairs."""

    def __init__(self, html: str):
        super().__init__()
        self.fields: list[list[str]] = []
        self._inside = False
        self._textarea: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs) -> None:
        a = dict(attrs)
        self._inside = self._inside or (tag == "form" and a.get("id") == "node-editor")
        if self._inside and tag in ("input", "textarea") and a.get("name"):
            self.fields.append([a["name"], a.get("value") or ""])
            self._textarea = self.fields[-1] if tag == "textarea" else None

    def handle_endtag(self, tag: str) -> None:
        self._inside = self._inside and tag != "form"
        self._textarea = None if tag == "textarea" else self._textarea

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea[1] += data

    def set(self, name: str, value: str, row: int = 0) -> NodeEditor:
        """Type into the row-th input of that name (option rows repeat the names)."""
        [field for field in self.fields if field[0] == name][row][1] = value
        return self

    def post(self, client, path: str, *, csrf: bool = True):
        data = MultiDict([(k, v) for k, v in self.fields if csrf or k != "csrf_token"])
        return client.post(path, data=data)


def option_cell(page: str, row: int, name: str) -> str:
    """The HTML of one option row's cell holding the given input."""
    html = re.search(rf'<tr id="option-{row}">(.*?)</tr>', page, re.S)[1]
    return next(cell for cell in html.split("<td>") if f'name="option_{name}"' in cell)


def test_node_form_saves_a_prompt_as_a_draft_that_can_be_published(operator, token):
    page = operator.get(node_page("greeting")).get_data(as_text=True)
    assert "thanks for calling Northwind Energy.</textarea>" in page
    response = NodeEditor(page).set("prompt", "Hi, Northwind here.").post(
        operator, node_page("greeting"))
    assert response.status_code == 303 and response.location.endswith("/versions/2")
    old, draft = versions()
    assert draft.status == "draft" and old.status == "published"
    assert draft.definition["nodes"]["greeting"] | {"prompt": "Hello"} == \
        old.definition["nodes"]["greeting"] | {"prompt": "Hello"}  # only the prompt changed
    assert draft.definition["nodes"]["greeting"]["prompt"] == "Hi, Northwind here."
    assert draft.note == "Edited node greeting"
    operator.post(f"/admin/menus/{MENU}/versions/2/publish", data={"csrf_token": token()})
    live = menus.menu_of(menus.version_for_number("+15005550006"))
    assert live.nodes["greeting"].prompt == "Hi, Northwind here."


def test_node_form_edits_and_adds_menu_options(operator):
    form = NodeEditor(operator.get(node_page("outage")).get_data(as_text=True))
    form.set("option_phrases", "check, outage map", row=1)
    form.set("option_key", "3", row=2).set("option_phrases", "lights out", row=2)
    form.set("option_go", "outage_here", row=2)  # the first blank row
    assert form.post(operator, node_page("outage")).status_code == 303
    options = versions()[1].definition["nodes"]["outage"]["options"]
    assert options[1]["phrases"] == ["check", "outage map"]
    assert [o["key"] for o in options] == ["1", "2", "3"]
    assert options[2]["phrases"] == ["lights out"] and options[2]["go"] == "outage_here"


def test_node_form_refuses_an_unknown_goto_next_to_its_field(operator):
    form = NodeEditor(operator.get(node_page("main")).get_data(as_text=True))
    response = form.set("option_go", "nowhere", row=1).post(operator, node_page("main"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    cell = option_cell(page, 1, "go")
    assert 'value="nowhere"' in cell  # the operator's input is kept
    assert 'data-field="options.1.go">goes to unknown node &#39;nowhere&#39;' in cell
    assert "unknown node" not in option_cell(page, 0, "go")
    assert len(versions()) == 1


def test_node_form_refuses_a_stale_edit(operator, token):
    form = NodeEditor(operator.get(node_page("greeting")).get_data(as_text=True))
    assert post_edit(operator, token, current_yaml()).status_code == 303  # someone else
    response = form.set("prompt", "Mine.").post(operator, node_page("greeting"))
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "version 2 was saved by olive" in page and ">Mine.</textarea>" in page
    assert len(versions()) == 2


def test_node_form_forged_post_without_csrf_is_refused(operator):
    form = NodeEditor(operator.get(node_page("greeting")).get_data(as_text=True))
    response = form.set("prompt", "Forged.").post(operator, node_page("greeting"), csrf=False)
    assert response.status_code == 400
    assert len(versions()) == 1


def test_node_form_is_refused_to_agents(client, make_user, login):
    make_user("andy", "agent")
    login("andy")
    assert client.get(node_page("greeting")).status_code == 403
    token = csrf_from(client.get("/login").get_data(as_text=True))  # a valid token
    response = client.post(node_page("greeting"), data={
        "csrf_token": token, "base_version": 1, "from_version": 1, "prompt": "Agent was here."})
    assert response.status_code == 403
    assert len(versions()) == 1


def test_node_table_links_to_the_node_form(operator):
    page = operator.get(f"/admin/menus/{MENU}/versions/1").get_data(as_text=True)
    assert f'href="{node_page("greeting")}?from=1"' in page


def test_a_menu_cannot_take_the_name_of_an_editor_page(operator, token):
    definition = with_own_forms(current_yaml() | {"name": "new"})
    response = operator.post("/admin/menus/new", data={
        "csrf_token": token("/admin/menus/new"), "base_version": 0, "action": "draft",
        "yaml": yaml.safe_dump(definition)})
    assert response.status_code == 422
    assert "&#39;new&#39; is the name of an editor page" in response.get_data(as_text=True)
    with pytest.raises(MenuInvalid, match="name of an editor page"):  # import, demo seed
        menus.save_version(definition, publish=False)
    assert db.session.scalar(select(Menu).where(Menu.name == "new")) is None


def test_every_page_word_under_menus_is_reserved(app):
    words = {rule.rule.split("/")[3] for rule in app.url_map.iter_rules()
             if rule.rule.startswith("/admin/menus/")}
    assert {w for w in words if not w.startswith("<")} <= menus.RESERVED_NAMES


# --- hostile sizes: deep nesting and very large menus ----------------------------------

DEEP = "name: " + "[" * 500 + "]" * 500 + "\n"


def test_deeply_nested_yaml_is_refused_not_a_crash(operator, token):
    """500 nested lists were a RecursionError 500; now the operator is told why."""
    response = post_edit(operator, token, None, text=DEEP)
    assert response.status_code == 422
    assert "nested too deeply" in response.get_data(as_text=True)
    assert len(versions()) == 1


def test_a_deeply_nested_form_is_refused_not_a_crash(operator, token):
    path = "/admin/content/forms/pay_bill"
    response = operator.post(path, data={"csrf_token": token(path), "version": "0",
                                         "source": "id: pay_bill\n" + DEEP})
    assert response.status_code == 422
    assert "nested too deeply" in response.get_data(as_text=True)


def big_menu_yaml(size: int = 6000) -> str:
    """A 3,000-node chain of say nodes (the longest walk for the say-loop check), then
    3,000 menus; compact flow style, so 6,000 nodes fit under the editor's 512 KB."""
    lines = ["name: big", "start: a0", "settings: {person: q}", "nodes:",
             "  q: {type: queue, queue: general, prompt: Connecting you.}"]
    for i in range(size - 1):
        after = f"a{i + 1}" if i < size - 2 else "q"
        if i < size // 2:
            lines.append(f"  a{i}: {{type: say, prompt: Step {i}., next: {after}}}")
        else:
            lines.append(f"  a{i}: {{type: menu, prompt: Menu {i}., options: "
                         f"[{{key: '1', go: {after}}}, {{key: '2', go: q}}]}}")
    return "\n".join(lines) + "\n"


def test_a_six_thousand_node_menu_saves_and_opens_quickly(operator, token):
    """Validation and the editor's node rows were quadratic: 16 s to save and 244 s to
    open the editor. bench/big_menu.py measures it (about 1.6 s and 1.4 s now); the bound
    here is generous so a loaded machine cannot make it flaky."""
    import time

    started = time.perf_counter()
    saved = operator.post("/admin/menus/new", data={
        "csrf_token": token("/admin/menus/new"), "base_version": 0, "action": "draft",
        "yaml": big_menu_yaml()})
    assert saved.status_code == 303
    page = operator.get("/admin/menus/big/edit")
    assert page.status_code == 200 and 'id="node-a5998"' in page.get_data(as_text=True)
    assert time.perf_counter() - started < 20


def test_node_rows_point_at_each_nodes_line():
    from app.admin.editor import node_lines

    text = ("name: m\nnodes:\n  main:\n    type: menu\n    next: x\n  'next':\n"
            "    type: say\n  \"q\": {type: queue}\nsettings: {person: q}\n")
    assert node_lines(text) == {"main": 3, "next": 6, "q": 8}
