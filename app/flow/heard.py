"""What a caller gets on a first try of a sentence at a menu node: the editor's
"try a sentence" box and bench/understanding.py both ask the real engine this way."""

from __future__ import annotations

from dataclasses import dataclass

from ..events import EventKind
from .actions import Input
from .embedding import Embedder
from .engine import step
from .nodes.menu import MenuNode
from .schema import Menu
from .state import CallState


@dataclass(frozen=True)
class Heard:
    kind: str  # "routed", "confirm" (a yes/no question first) or "none" (a reprompt)
    target: str  # the node it goes to (after "yes" for a confirm), "person" or "none"
    label: str = ""  # the option's label
    score: float = 0.0
    why: str = ""


def first_try(menu: Menu, node_id: str, speech: str,
              embedder: Embedder | None = None) -> Heard:
    result = step(menu, CallState(node=node_id), Input(speech=speech, confidence=0.9),
                  embedder)
    node = menu.nodes[node_id]
    for t in result.trace:
        score, why = t.detail.get("score", 1.0), t.detail.get("why", "")
        if t.kind == EventKind.MATCH:
            return Heard("routed", t.detail["go"], t.detail["intent"], score, why)
        if t.kind == EventKind.GLOBAL and t.detail.get("command") == "person":
            return Heard("routed", "person", "a person", score, why or "a person word")
        if t.kind == EventKind.GLOBAL:
            return Heard("none", "none", t.detail["command"], 1.0, "a navigation command")
        pending = result.state.pending
        if t.kind == EventKind.CONFIRM and isinstance(node, MenuNode) and pending is not None:
            option = node.options[pending["index"]]
            return Heard("confirm", option.go, option.label, score, why)
        if t.kind == EventKind.UNUSABLE_SPEECH:
            return Heard("none", "none", why="empty, too long, emoji, control characters or "
                                             "a script the menu doesn't use")
        if t.kind == EventKind.NO_MATCH:
            return Heard("none", "none", "", score, why)
    return Heard("none", "none")
