"""A node type declared in this file alone (the README's "Extending" example) is taken by
the validator, run by the engine, listed by the editor and edited in its node form: the
declaration is the only place a node type is written down."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Annotated, Literal

import pytest
import yaml
from pydantic import Field
from sqlalchemy import select

from app import menus
from app.flow import node_types
from app.flow.actions import Enqueue, Say, Start
from app.flow.engine import step
from app.flow.node_types import FormField, NodeType
from app.flow.parts import NodeBase, NodeId
from app.flow.state import CallState
from app.flow.validate import MenuInvalid, parse_menu
from app.models import Menu, MenuVersion, db
from tests.conftest import csrf_from


class BranchNode(NodeBase):
    """Go one way when a variable is set (a caller we know), another way when not."""

    type: Literal["branch"]
    variable: Annotated[str, Field(pattern=r"^[a-z_][a-z0-9_]*$")]
    then: NodeId
    otherwise: NodeId


def branch(turn, node_id: str, node: BranchNode) -> str:
    return node.then if turn.state.variables.get(node.variable) else node.otherwise


BRANCH = NodeType(
    "branch", BranchNode, branch, links=("then", "otherwise"), passes_through=True,
    form=(FormField("variable", "Variable to look at"),
          FormField("then", "When it is set, go to"), FormField("otherwise", "Otherwise go to")))

MENU = {
    "name": "branchy", "start": "known", "settings": {"person": "agent"},
    "nodes": {
        "known": {"type": "branch", "variable": "caller", "then": "welcome_back",
                  "otherwise": "agent"},
        "welcome_back": {"type": "say", "prompt": "Welcome back.", "next": "agent"},
        "agent": {"type": "queue", "queue": "general"},
    },
}


@pytest.fixture
def with_branch():
    with node_types.registered(BRANCH):
        yield BRANCH


def test_without_its_declaration_the_type_is_refused():
    with pytest.raises(MenuInvalid, match="unknown node type 'branch'"):
        parse_menu(MENU)


def test_the_validator_takes_a_declared_type_and_checks_its_links(with_branch):
    assert parse_menu(MENU).nodes["known"].then == "welcome_back"
    broken = {**MENU, "nodes": {**MENU["nodes"], "known": {**MENU["nodes"]["known"],
                                                           "otherwise": "nowhere"}}}
    with pytest.raises(MenuInvalid) as refused:
        parse_menu(broken)
    assert [(e.node, e.field) for e in refused.value.errors] == [("known", "otherwise")]
    unreachable = {**MENU, "start": "welcome_back"}  # nothing leads to the branch now
    with pytest.raises(MenuInvalid, match="unreachable"):
        parse_menu(unreachable)


def test_the_engine_runs_a_declared_type(with_branch):
    menu = parse_menu(MENU)
    known = step(menu, CallState(), Start(caller={"first_name": "Ana"}))
    assert [a.text for a in known.actions if isinstance(a, Say)] == ["Welcome back."]
    assert isinstance(known.actions[-1], Enqueue)
    stranger = step(menu, CallState(), Start(caller={}))
    assert not [a for a in stranger.actions if isinstance(a, Say)]
    assert isinstance(stranger.actions[-1], Enqueue)
    assert [t.node for t in stranger.trace if t.kind == "entered"] == ["known", "agent"]


class Inputs(HTMLParser):
    """The node form's labels and inputs, as a browser sees them."""

    def __init__(self, html: str):
        super().__init__()
        self.labels: dict[str, str] = {}
        self.inputs: dict[str, dict] = {}
        self._label: str | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self._label = a.get("for") if tag == "label" else None
        if tag in ("input", "textarea") and a.get("name"):
            self.inputs[a["name"]] = a

    def handle_data(self, data):
        if self._label:
            self.labels[self._label] = data.strip()
            self._label = None


def test_the_editor_lists_and_edits_a_declared_type(with_branch, client, make_user, login):
    make_user("olive", "operator")
    login("olive")
    edit = "/admin/menus/northwind-main/edit"
    definition = current_definition()
    start = definition["start"]
    definition["nodes"]["known"] = {"type": "branch", "variable": "caller", "then": start,
                                    "otherwise": start}
    definition["start"] = "known"
    saved = client.post(edit, data={
        "csrf_token": csrf_from(client.get(edit).get_data(as_text=True)), "base_version": 1,
        "action": "draft", "note": "", "yaml": yaml.safe_dump(definition, sort_keys=False)})
    assert saved.status_code == 303, saved.get_data(as_text=True)[:2000]
    table = client.get("/admin/menus/northwind-main/versions/2").get_data(as_text=True)
    assert f"then: {start}" in table and f"otherwise: {start}" in table

    page = "/admin/menus/northwind-main/nodes/known/edit"
    form = Inputs(client.get(page).get_data(as_text=True))
    assert {name: form.labels[name] for name in ("variable", "then", "otherwise")} == {
        "variable": "Variable to look at", "then": "When it is set, go to",
        "otherwise": "Otherwise go to"}
    assert form.inputs["then"]["value"] == start and form.inputs["then"]["list"] == "node-ids"
    assert "list" not in form.inputs["variable"]
    posted = {name: attrs.get("value", "") for name, attrs in form.inputs.items()}
    response = client.post(page, data=posted | {"variable": "last_intent"})
    assert response.status_code == 303
    latest = db.session.scalars(select(MenuVersion).join(Menu).where(
        Menu.name == "northwind-main").order_by(MenuVersion.number)).all()[-1]
    assert latest.definition["nodes"]["known"]["variable"] == "last_intent"
    assert menus.menu_of(latest).nodes["known"].otherwise == start


def current_definition() -> dict:
    menu = db.session.scalar(select(Menu).where(Menu.name == "northwind-main"))
    return yaml.safe_load(menus.export_yaml(menu.versions[-1]))
