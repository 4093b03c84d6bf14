"""The node-type registry: each node type is declared once, with its schema, what the engine
does there, the fields that go to other nodes, what it needs and what the editor shows.

The menu schema, the engine, the validator, the turn budget, the editor's node table and
its node form all read these declarations; none of them branches on a type's name. The
built-in types are declared in `flow/nodes/`. Operator text only ever picks a declared
type by its name (the `type:` of a node); it is never resolved to code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any, Protocol

from pydantic import BaseModel, GetCoreSchemaHandler
from pydantic_core import core_schema

from . import embedding
from .actions import Action, Input
from .errors import MenuError
from .parts import NodeBase, Settings
from .state import CallState

COMMON_LINKS = ("no_input.then", "no_match.then")  # every node's escalation targets


class Turn(Protocol):
    """What a node type's handlers may use of the engine's turn (flow/engine.py)."""

    state: CallState
    settings: Settings
    actions: list[Action]
    embedder: embedding.Embedder

    def note(self, kind: str, node: str | None = None, **detail: Any) -> None: ...
    def say(self, text: str | None) -> None: ...
    def listen(self, node_id: str, node: NodeBase) -> None: ...
    def ask_confirm(self, pending: dict[str, Any]) -> None: ...
    def enter(self, node_id: str, *, remember: bool = True) -> None: ...
    def fail(self, node: NodeBase, kind: str, lead: str | None = None) -> None: ...
    def hand_off(self, reason: str, apology: bool | str = False) -> None: ...
    def run_global(self, command: str, node: NodeBase) -> None: ...
    def finish(self) -> None: ...
    def t(self, message: str, **params: Any) -> str: ...
    def fill(self, text: str) -> str: ...
    def language(self) -> str: ...


class MenuView(Protocol):
    """What a node type's `check` may read of the menu being validated."""

    @property
    def name(self) -> str: ...  # the line's name
    @property
    def settings(self) -> Settings: ...
    @property
    def nodes(self) -> Mapping[str, NodeBase]: ...


@dataclass(frozen=True)
class FormField:
    """One input of the editor's node form (prompt and reprompt are every node's)."""

    name: str
    label: str


@dataclass(frozen=True)
class Known:
    """What the validator knows of the installation: None means "don't check"."""

    sources: frozenset[str] | None = None
    forms: Mapping[str, str | None] | None = None  # form id: its line (None: any line's)


@dataclass(frozen=True)
class NodeType:
    name: str
    schema: type[NodeBase]
    # Entering the node: emit its actions; return the next node when it does not wait.
    run: Callable[[Turn, str, Any], str | None]
    links: tuple[str, ...] = ()  # fields that name another node, "list.*.field" for lists
    form: tuple[FormField, ...] = ()  # the editor's inputs after prompt and reprompt
    prompts: bool = False  # must have a prompt
    ends: bool = False  # the call leaves the menu here: a failure escalates at once
    reaches_person: bool = False  # may be the menu's person node
    passes_through: bool = False  # goes on (maybe speaking) without waiting for the caller
    # An effect (a lookup, a text) run before the caller hears anything:
    # (effects, worst-case seconds) against the turn budget. None: not an effect.
    cost: Callable[[Any], tuple[int, float]] | None = None
    on_input: Callable[[Turn, Any, Input], None] | None = None  # None: a no-match
    result: type | None = None  # the effect result event this node waits for
    on_result: Callable[[Turn, Any, Any], None] | None = None
    # A yes/no question about what the caller seemed to say (the state's `pending`).
    confirm_question: Callable[[Turn, Any, dict[str, Any]], str] | None = None
    on_confirmed: Callable[[Turn, Any, dict[str, Any]], None] | None = None
    on_rejected: Callable[[Turn, Any, str], None] | None = None  # "no, I said..." with words
    check: Callable[[MenuView, str, Any, Known], Iterator[MenuError]] | None = None

    @property
    def listens(self) -> bool:
        """Waits for the caller's words or keys."""
        return self.on_input is not None

    @property
    def gives_notice(self) -> bool:
        """The returning-caller notice comes before the first node the caller hears."""
        return not (self.passes_through or self.cost)

    @property
    def has_options(self) -> bool:
        return any(f.name == "options" for f in self.form)


_TYPES: dict[str, NodeType] = {}
_dependents: list[Callable[[], object]] = []  # schemas built over the registered types


def register(node_type: NodeType) -> NodeType:
    if node_type.name in _TYPES:
        raise ValueError(f"node type {node_type.name!r} is already declared")
    declared = node_type.schema.model_fields.get("type")
    if getattr(declared and declared.annotation, "__args__", None) != (node_type.name,):
        raise ValueError(f"{node_type.schema.__name__} needs type: Literal[{node_type.name!r}]")
    _TYPES[node_type.name] = node_type
    _rebuild()
    return node_type


def unregister(name: str) -> None:
    del _TYPES[name]
    _rebuild()


@contextmanager
def registered(node_type: NodeType) -> Iterator[NodeType]:
    """A node type declared for a while (a test, a plug-in being tried)."""
    register(node_type)
    try:
        yield node_type
    finally:
        unregister(node_type.name)


def rebuild_on_register(rebuild: Callable[[], object]) -> None:
    _dependents.append(rebuild)


def _rebuild() -> None:
    for rebuild in _dependents:
        rebuild()


def declared(name: object) -> NodeType | None:
    return _TYPES.get(name) if isinstance(name, str) else None


def of(node: Any) -> NodeType:
    """The declaration of a parsed node."""
    return _TYPES[node.type]


def names() -> tuple[str, ...]:
    return tuple(_TYPES)


class _RegisteredTypes:
    """Pydantic's schema for `AnyNode`: a union of the registered types, told apart by
    their `type` field, built when the menu schema is (re)built."""

    def __get_pydantic_core_schema__(
            self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.tagged_union_schema(
            {name: handler.generate_schema(t.schema) for name, t in _TYPES.items()},
            discriminator="type")


AnyNode = Annotated[NodeBase, _RegisteredTypes()]  # a node of any registered type


def links(node: Any, escalations: bool = True) -> Iterator[tuple[str, str, Any]]:
    """(field, node id, the object holding it) for every node this one can go to. Works on
    parsed nodes and on raw mappings (the editor shows menus that failed validation)."""
    node_type = declared(_get(node, "type"))
    for path in (*(node_type.links if node_type else ()), *(COMMON_LINKS * escalations)):
        yield from _walk(node, path.split("."), "")


def _walk(holder: Any, parts: list[str], prefix: str) -> Iterator[tuple[str, str, Any]]:
    head, rest = parts[0], parts[1:]
    if head == "*":
        items = holder if isinstance(holder, (list, tuple)) else ()
        for i, item in enumerate(items):
            yield from _walk(item, rest, f"{prefix}.{i}")
        return
    value, field = _get(holder, head), f"{prefix}.{head}" if prefix else head
    if rest:
        yield from _walk(value, rest, field)  # a missing holder (None) has no links
    elif value and isinstance(value, str):
        yield field, value, holder


def _get(holder: Any, name: str) -> Any:
    if isinstance(holder, dict):
        return holder.get(name)
    return getattr(holder, name, None) if isinstance(holder, BaseModel) else None
