"""say: speak the prompt and go on to the next node without waiting for the caller."""

from __future__ import annotations

from typing import Literal

from ..node_types import FormField, NodeType, Turn, register
from ..parts import NodeBase, NodeId


class SayNode(NodeBase):
    type: Literal["say"]
    next: NodeId


def run(turn: Turn, node_id: str, node: SayNode) -> str:
    turn.say(node.prompt)
    return node.next


SAY = register(NodeType(
    "say", SayNode, run, links=("next",), form=(FormField("next", "Then go to"),),
    prompts=True, passes_through=True))
