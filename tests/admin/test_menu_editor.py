"""Menu editor routes: roles, CSRF, YAML and validation errors, concurrency, publish,
roll back, diff, number mapping."""

from __future__ import annotations

import yaml
from sqlalchemy import select

from app import menus
from app.auth.models import AuditEntry
from app.models import Menu, MenuVersion, PhoneRoute, db

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
    definition = current_yaml() | {"name": "storm-line"}
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
