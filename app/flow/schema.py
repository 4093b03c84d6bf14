"""Menus as typed data: one schema for YAML files and the JSON kept in the database.

Node types form an explicit registry (the discriminated union below); operator text is
never resolved to code.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

NodeId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")]
Key = Annotated[str, Field(pattern=r"^[0-9*#]{1,4}$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Escalation(Strict):
    """What to say after the 1st, 2nd... failed attempt; after the last, go to `then`."""

    reprompts: list[str] = Field(default_factory=list)
    then: NodeId | None = None  # default: the menu's person node


class Option(Strict):
    key: Key | None = None
    intent: str | None = None  # label used in confirm questions and analytics
    phrases: list[str] = Field(default_factory=list)  # keywords, also recogniser hints
    examples: list[str] = Field(default_factory=list)  # whole sentences, matched by meaning
    go: NodeId

    @property
    def label(self) -> str:
        return self.intent or (self.phrases[0] if self.phrases else f"option {self.key}")


class NodeBase(Strict):
    prompt: str | None = None
    reprompt: str | None = None  # shorter prompt for retries; default: the prompt
    no_input: Escalation | None = None
    no_match: Escalation | None = None
    recognizer: Literal["provider", "vosk"] | None = None  # None: the menu's setting
    language: str | None = Field(default=None, pattern=r"^[a-z]{2}(-[A-Z]{2})?$")  # None: menu's


class MenuNode(NodeBase):
    type: Literal["menu"]
    options: list[Option]


class SayNode(NodeBase):
    type: Literal["say"]
    next: NodeId


class CollectNode(NodeBase):
    type: Literal["collect"]
    variable: Annotated[str, Field(pattern=r"^[a-z_][a-z0-9_]*$")]
    input: Literal["digits", "speech"] = "digits"
    min_length: int = Field(default=1, ge=1, le=32)
    max_length: int = Field(default=16, ge=1, le=32)
    pattern: str | None = None
    check_digit: Literal["luhn"] | None = None
    confirm: bool = True
    next: NodeId


class HttpSource(Strict):
    """An operator-configured JSON endpoint; response fields are mapped to variables."""

    url: Annotated[str, Field(pattern=r"^https?://[^\s]+$", max_length=500)]
    method: Literal["GET", "POST"] = "GET"
    timeout_s: float = Field(default=3.0, gt=0, le=3)
    mapping: dict[str, str] = Field(default_factory=dict)  # variable: dotted.path


class LookupNode(NodeBase):
    type: Literal["lookup"]
    source: str | None = None  # a built-in data source; or:
    http: HttpSource | None = None
    params: dict[str, str] = Field(default_factory=dict)  # values are templates
    result: Annotated[str, Field(pattern=r"^[a-z_][a-z0-9_]*$")] = "result"
    found: NodeId
    not_found: NodeId
    error: NodeId | None = None  # default: apology and the person node


class SmsLinkNode(NodeBase):
    """Text the caller a signed link to a mobile form, then say so (the prompt)."""

    type: Literal["sms_link"]
    form: Annotated[str, Field(pattern=r"^[a-z0-9_]{1,40}$")]
    next: NodeId


class QueueNode(NodeBase):
    type: Literal["queue"]
    queue: Annotated[str, Field(pattern=r"^[a-z0-9_\-]{1,40}$")]
    reason: str = "asked for a person"


class TransferNode(NodeBase):
    type: Literal["transfer"]
    number: Annotated[str, Field(pattern=r"^\+?[0-9]{3,15}$")]


class HangupNode(NodeBase):
    type: Literal["hangup"]


class VoicemailNode(NodeBase):
    """Record a message (the prompt says so); it is transcribed offline for the agents."""

    type: Literal["voicemail"]
    queue: Annotated[str, Field(pattern=r"^[a-z0-9_\-]{1,40}$")] = "general"
    max_length_s: int = Field(default=120, ge=10, le=300)


Node = Annotated[
    MenuNode | SayNode | CollectNode | LookupNode | SmsLinkNode | QueueNode | TransferNode
    | HangupNode | VoicemailNode,
    Field(discriminator="type"),
]
TERMINAL_TYPES = {"queue", "transfer", "hangup", "voicemail"}
PROMPTED_TYPES = {"menu", "say", "collect", "hangup", "sms_link", "voicemail"}


class GlobalCommand(Strict):
    keys: list[Key] = Field(default_factory=list)
    phrases: list[str] = Field(default_factory=list)
    examples: list[str] = Field(default_factory=list)  # person only: matched by meaning


def default_globals() -> dict[str, GlobalCommand]:
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
        default_factory=default_globals
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
    nodes: dict[NodeId, Node]

    @field_validator("nodes")
    @classmethod
    def _not_empty(cls, nodes: dict) -> dict:
        if not nodes:
            raise ValueError("a menu needs at least one node")
        return nodes

    @property
    def main_menu(self) -> str:
        return self.settings.main_menu or self.start
