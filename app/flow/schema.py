"""Menus as typed data: one schema for YAML files and the JSON kept in the database.

Node types form an explicit registry (flow/node_types.py; the built-in ones are declared
in flow/nodes/); operator text is never resolved to code.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from . import node_types
from .node_parts import Escalation, Key, NodeBase, NodeId, Option, Strict
from .nodes.collect import CollectNode
from .nodes.handoff import HangupNode, QueueNode, TransferNode, VoicemailNode
from .nodes.lookup import HttpSource, LookupNode
from .nodes.menu import MenuNode
from .nodes.say import SayNode
from .nodes.sms_link import SmsLinkNode

__all__ = ["CollectNode", "Escalation", "GlobalCommand", "HangupNode", "HttpSource", "Key",
           "LookupNode", "Menu", "MenuNode", "Node", "NodeBase", "NodeId", "Option",
           "QueueNode", "SayNode", "Settings", "SmsLinkNode", "Strict", "TransferNode",
           "VoicemailNode"]
Node = NodeBase  # a parsed node of any registered type (its declaration: node_types.of)


class GlobalCommand(Strict):
    keys: list[Key] = Field(default_factory=list)
    phrases: list[str] = Field(default_factory=list)
    examples: list[str] = Field(default_factory=list)  # person only: matched by meaning


def _default_globals() -> dict[str, GlobalCommand]:
    return {
        "person": GlobalCommand(
            keys=["0"],
            phrases=["agent", "representative", "operator", "human", "person",
                     "real person", "someone", "customer service"],
            examples=["let me talk with a live human", "I would like a real human on the line",
                      "put me through to a member of staff"],
        ),
        "repeat": GlobalCommand(keys=["*"], phrases=["repeat", "say that again", "repeat that"]),
        "main_menu": GlobalCommand(phrases=["main menu", "start over"]),
        "back": GlobalCommand(phrases=["go back", "back", "previous menu"]),
    }


class Settings(Strict):
    person: NodeId  # where "agent"/0 goes from anywhere: a queue or transfer node
    person_for: dict[str, NodeId] = Field(default_factory=dict)  # language: its person node
    main_menu: NodeId | None = None  # default: start
    language: str = "en-US"
    voice: str | None = None
    voices: dict[str, str] = Field(default_factory=dict)  # language: Twilio voice for <Say>
    recognizer: Literal["provider", "vosk"] = "provider"
    accept_threshold: float = Field(default=0.78, ge=0, le=1)
    confirm_threshold: float = Field(default=0.55, ge=0, le=1)
    max_attempts: int = Field(default=3, ge=1, le=6)
    input_timeout_s: int = Field(default=5, ge=1, le=30)
    globals: dict[Literal["person", "repeat", "main_menu", "back"], GlobalCommand] = Field(
        default_factory=_default_globals
    )
    synonyms: dict[str, list[str]] = Field(default_factory=dict)  # canonical: variants
    open_link_prompt: str | None = None  # None: the catalogue's notice in the caller's language

    def voice_for(self, language: str) -> str | None:
        """The voice for <Say> in that language: its own, else the menu's for its language."""
        return self.voices.get(language) or (self.voice if language == self.language else None)


class Menu(Strict):
    name: Annotated[str, Field(pattern=r"^[a-z0-9_\-]{1,60}$")]
    description: str = ""
    start: NodeId
    settings: Settings
    nodes: dict[NodeId, node_types.AnyNode]

    @field_validator("nodes")
    @classmethod
    def _not_empty(cls, nodes: dict) -> dict:
        if not nodes:
            raise ValueError("a menu needs at least one node")
        return nodes

    @property
    def main_menu(self) -> str:
        return self.settings.main_menu or self.start


# A node type declared later (a test, a plug-in) is accepted from then on.
node_types.rebuild_on_register(lambda: Menu.model_rebuild(force=True))
