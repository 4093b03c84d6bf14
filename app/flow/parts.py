"""The parts a menu is made of: every node's common fields, options, escalations and the
menu's settings (the menu itself, over the registered node types, is in schema.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

NodeId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")]
Key = Annotated[str, Field(pattern=r"^[0-9*#]{1,4}$")]


def known_timezone(name: str) -> str:
    """An IANA zone name the tz database has ("America/Chicago")."""
    from zoneinfo import ZoneInfo

    try:
        ZoneInfo(name)
    except (ValueError, OSError, KeyError):  # ZoneInfoNotFoundError is a KeyError
        raise ValueError(f"unknown timezone {name!r}: use an IANA name such as "
                         "America/Chicago or Asia/Seoul") from None
    return name


Timezone = Annotated[str, Field(max_length=64), AfterValidator(known_timezone)]


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

    if TYPE_CHECKING:  # declared by each node type (a field here would come first in dumps)
        type: str

    prompt: str | None = None
    reprompt: str | None = None  # shorter prompt for retries; default: the prompt
    no_input: Escalation | None = None
    no_match: Escalation | None = None
    recognizer: Literal["provider", "vosk"] | None = None  # None: the menu's setting
    language: str | None = Field(default=None, pattern=r"^[a-z]{2}(-[A-Z]{2})?$")  # None: menu's

    def listens_for(self) -> tuple[bool, int | None]:
        """(keys only, at most this many digits) when the node waits for the caller."""
        return False, None


class GlobalCommand(Strict):
    keys: list[Key] = Field(default_factory=list)
    phrases: list[str] = Field(default_factory=list)
    examples: list[str] = Field(default_factory=list)  # person only: matched by meaning


GlobalName = Literal["person", "repeat", "main_menu", "back"]  # commands that work anywhere


def default_globals() -> dict[GlobalName, GlobalCommand]:
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


QueueName = Annotated[str, Field(pattern=r"^[a-z0-9_\-]{1,40}$")]


class Settings(Strict):
    # The line's name as callers and texts know it ("Brightsmile Dental"); None: the
    # menu's name. Prompts say it as {{ line.name }}.
    display_name: str | None = Field(default=None, min_length=1, max_length=60)
    # Queues this line shares with every line that names them; any other queue is the
    # line's own (app/lines.py: queue_key).
    shared_queues: list[QueueName] = Field(default_factory=list)
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
    globals: dict[GlobalName, GlobalCommand] = Field(
        default_factory=default_globals
    )
    synonyms: dict[str, list[str]] = Field(default_factory=dict)  # canonical: variants
    open_link_prompt: str | None = None  # None: the catalogue's notice in the caller's language
    timezone: Timezone | None = None  # the line's business hours run in it; None: the server's

    def voice_for(self, language: str) -> str | None:
        """The voice for <Say> in that language: its own, else the menu's for its language."""
        return self.voices.get(language) or (self.voice if language == self.language else None)
