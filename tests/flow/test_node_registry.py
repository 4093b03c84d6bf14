"""The node-type registry as a plug-in author and the editor meet it: a type declared twice
or with the wrong `type:` is refused with a message that says how to fix it, a type tried
for a while is gone afterwards (even after an error), and the links of a node are found
on parsed menus and on raw ones (the editor shows menus that failed validation)."""

from __future__ import annotations

from typing import Literal

import pytest

from app.flow import node_types
from app.flow.node_types import NodeType
from app.flow.nodes.say import SayNode
from app.flow.parts import NodeBase, NodeId
from app.flow.validate import MenuInvalid, parse_menu


class PauseNode(NodeBase):
    type: Literal["pause"]
    next: NodeId


PAUSE = NodeType("pause", PauseNode, lambda turn, node_id, node: node.next,
                 links=("next",), passes_through=True)


def test_a_type_declared_twice_is_refused_by_name():
    with pytest.raises(ValueError) as refused:
        node_types.register(NodeType("say", SayNode, lambda *a: None))
    assert str(refused.value) == "node type 'say' is already declared"


def test_a_schema_whose_type_is_not_the_declared_name_is_refused():
    with pytest.raises(ValueError) as refused:
        node_types.register(NodeType("wait", PauseNode, lambda *a: None))
    assert str(refused.value) == "PauseNode needs type: Literal['wait']"
    assert node_types.declared("wait") is None


class Untyped(NodeBase):
    pass


def test_a_schema_without_a_type_field_is_refused():
    with pytest.raises(ValueError, match=r"Untyped needs type: Literal\['untyped'\]"):
        node_types.register(NodeType("untyped", Untyped, lambda *a: None))


MENU = {"name": "p", "start": "hold_on", "settings": {"person": "agent"},
        "nodes": {"hold_on": {"type": "pause", "next": "agent"},
                  "agent": {"type": "queue", "queue": "general"}}}


def test_a_type_tried_for_a_while_is_gone_afterwards_even_after_an_error():
    with pytest.raises(RuntimeError), node_types.registered(PAUSE):
        assert "pause" in node_types.names()
        assert parse_menu(MENU).nodes["hold_on"].next == "agent"
        raise RuntimeError("the plug-in failed")
    assert "pause" not in node_types.names() and node_types.declared("pause") is None
    with pytest.raises(MenuInvalid, match="unknown node type 'pause'"):
        parse_menu(MENU)


@pytest.mark.parametrize("name", [None, 3, ["menu"], "nothing"])
def test_only_a_declared_name_is_a_type(name):
    assert node_types.declared(name) is None


def test_the_built_in_types_are_all_declared():
    assert set(node_types.names()) >= {"menu", "say", "collect", "lookup", "sms_link",
                                       "queue", "transfer", "hangup", "voicemail"}


RAW_MENU_NODE = {
    "type": "menu",
    "options": [{"go": "billing"}, {"go": ""}, {"key": "3"}, "not an option",
                {"go": "outage"}],
    "no_match": {"then": "agent"}, "no_input": None,
}


def test_the_links_of_a_raw_node_skip_empty_and_malformed_entries():
    found = [(field, target) for field, target, _ in node_types.links(RAW_MENU_NODE)]
    assert found == [("options.0.go", "billing"), ("options.4.go", "outage"),
                     ("no_match.then", "agent")]
    without = [target for _, target, _ in node_types.links(RAW_MENU_NODE, escalations=False)]
    assert without == ["billing", "outage"]


def test_the_links_name_the_mapping_that_holds_them():
    holders = [holder for _, _, holder in node_types.links(RAW_MENU_NODE)]
    assert holders == [{"go": "billing"}, {"go": "outage"}, {"then": "agent"}]


@pytest.mark.parametrize("node, targets", [
    ({"type": "menu", "options": "billing"}, []),  # options that are not a list
    ({"type": "menu", "no_match": "agent"}, []),  # no options; an escalation not a mapping
    ({"type": "say", "next": "main", "no_input": {"then": "agent"}}, ["main", "agent"]),
    ({"type": "unknown", "next": "main", "no_match": {"then": "agent"}}, ["agent"]),
    ({"type": 7, "no_input": {"then": "agent"}}, ["agent"]),
    ({"type": "lookup", "found": "a", "not_found": "b", "error": 5}, ["a", "b"]),
    ("not a node", []),
])
def test_the_links_of_raw_nodes_of_each_shape(node, targets):
    assert [target for _, target, _ in node_types.links(node)] == targets


def test_the_links_of_a_parsed_node():
    menu = parse_menu({"name": "l", "start": "find", "settings": {"person": "agent"},
                       "nodes": {"find": {"type": "lookup", "source": "account",
                                          "found": "agent", "not_found": "bye",
                                          "no_match": {"then": "bye"}},
                                 "bye": {"type": "hangup", "prompt": "Bye."},
                                 "agent": {"type": "queue", "queue": "general"}}})
    assert [(f, t) for f, t, _ in node_types.links(menu.nodes["find"])] == [
        ("found", "agent"), ("not_found", "bye"), ("no_match.then", "bye")]


@pytest.mark.parametrize("name, listens, gives_notice, has_options", [
    ("menu", True, True, True),
    ("collect", True, True, False),
    ("say", False, False, False),  # passes through: the notice waits for a question
    ("lookup", False, False, False),  # an effect runs before anything is said
    ("sms_link", False, False, False),
    ("queue", False, True, False),
])
def test_what_each_built_in_type_declares(name, listens, gives_notice, has_options):
    declared = node_types.declared(name)
    assert declared is not None
    assert (declared.listens, declared.gives_notice, declared.has_options) == (
        listens, gives_notice, has_options)
