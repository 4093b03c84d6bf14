"""Menus as typed data: one schema for YAML files and the JSON kept in the database.

Node types form an explicit registry (flow/node_types.py; the built-in ones are declared
in flow/nodes/); operator text is never resolved to code.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator

from . import node_types, nodes
from .parts import Escalation, GlobalCommand, NodeBase, NodeId, Settings, Strict, default_globals

__all__ = ["Escalation", "GlobalCommand", "Menu", "Node", "NodeId", "Settings",
           "default_globals", "nodes"]
Node = NodeBase  # a parsed node of any type registered (the built-in ones: `nodes`)


class Menu(Strict):
    name: Annotated[str, Field(pattern=r"^[a-z0-9_\-]{1,60}$")]
    description: str = ""
    start: NodeId
    settings: Settings
    nodes: dict[NodeId, node_types.AnyNode]

    @field_validator("nodes")
    @classmethod
    def _not_empty(cls, nodes: dict[str, Node]) -> dict[str, Node]:
        if not nodes:
            raise ValueError("a menu needs at least one node")
        return nodes

    @property
    def main_menu(self) -> str:
        return self.settings.main_menu or self.start


# A node type declared later (a test, a plug-in) is accepted from then on.
node_types.rebuild_on_register(lambda: Menu.model_rebuild(force=True))
