"""The parts every node schema is made of: a node's common fields, options, escalations."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

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
    """Fields every node has; each node type adds `type: Literal["its name"]` and its own."""

    prompt: str | None = None
    reprompt: str | None = None  # shorter prompt for retries; default: the prompt
    no_input: Escalation | None = None
    no_match: Escalation | None = None
    recognizer: Literal["provider", "vosk"] | None = None  # None: the menu's setting
    language: str | None = Field(default=None, pattern=r"^[a-z]{2}(-[A-Z]{2})?$")  # None: menu's

    def listens_for(self) -> tuple[bool, int | None]:
        """(keys only, at most this many digits) when the node waits for the caller."""
        return False, None
