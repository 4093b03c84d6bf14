"""One validator for every way a menu arrives (YAML file, CLI import, the editor).

Errors name the node id and the field, and all of them are reported at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from . import budget, node_types, schema_errors
from .errors import MenuError, MenuInvalid
from .nodes.menu import accepted_at, suggested_words
from .phrases import has_catalogue, languages
from .schema import Menu, Node, Settings
from .template import syntax_errors

M = TypeVar("M", bound=BaseModel)

__all__ = ["MenuError", "MenuInvalid", "accepted_at", "check_menu", "parse_menu",
           "suggested_words", "targets"]


KnownForms = Iterable[str] | Mapping[str, str | None] | None


def parse_menu(data: Any, known_sources: Iterable[str] | None = None,
               known_forms: KnownForms = None) -> Menu:
    """Parse and check a menu, raising MenuInvalid with every problem found. known_forms:
    the form ids there are, or a mapping of each to its line (None: any line's menu may
    text it)."""
    try:
        menu = Menu.model_validate(data)
    except ValidationError as exc:
        raise MenuInvalid(_with_schema_errors(data, exc, known_sources, known_forms)) from None
    errors = list(check_menu(menu, known_sources, known_forms))
    if errors:
        raise MenuInvalid(errors)
    return menu


def _with_schema_errors(data: Any, exc: ValidationError, known_sources: Iterable[str] | None,
                        known_forms: KnownForms) -> list[MenuError]:
    """Every schema error, then the checks of the nodes that did parse: fixing one error
    does not uncover the next. A check already named by a schema error is not repeated."""
    errors = [schema_errors.explain(e, Menu) for e in exc.errors()]
    if not isinstance(data, dict) or not isinstance(data.get("nodes"), dict):
        return errors  # no nodes to check
    menu, broken = _what_parsed(data)
    named = {(e.node, e.field) for e in errors}
    return errors + [e for e in check_menu(menu, known_sources, known_forms, broken)
                     if (e.node, e.field) not in named]


def _what_parsed(data: dict[str, Any]) -> tuple[Menu, dict[str, Any]]:
    """The menu's parts that are valid on their own (unparsed settings fields at their
    defaults), and the raw nodes that are not: those still exist for the checks (see
    Exists and _check_reachable)."""
    nodes: dict[str, Node] = {}
    broken: dict[str, Any] = {}
    for node_id, raw in data["nodes"].items():
        if (node := _node_or_none(raw)) is None:
            broken[str(node_id)] = raw
        else:
            nodes[str(node_id)] = node
    start = data.get("start") if isinstance(data.get("start"), str) else ""
    return Menu.model_construct(name=str(data.get("name")), description="", start=start,
                                settings=_settings_salvaged(data.get("settings")),
                                nodes=nodes), broken


def _node_or_none(raw: Any) -> Node | None:
    declared = node_types.declared(raw.get("type")) if isinstance(raw, dict) else None
    return _salvaged(declared.schema, raw) if declared else None


def _settings_salvaged(raw: Any) -> Settings:
    """The settings' valid fields, the others at their defaults (an unparsed person: none)."""
    fields = dict(raw) if isinstance(raw, dict) else {}
    if (settings := _salvaged(Settings, fields)) is not None:
        return settings
    stand_in = _salvaged(Settings, {**fields, "person": "_"})
    return stand_in.model_copy(update={"person": ""}) if stand_in \
        else Settings.model_construct(person="")


def _salvaged(schema: type[M], raw: dict[str, Any]) -> M | None:
    """raw without the fields that fail (reported already), so the rest can be checked;
    None when that still fails (a required field is wrong)."""
    try:
        return schema.model_validate(raw)
    except ValidationError as exc:
        bad = {e["loc"][0] for e in exc.errors() if e["loc"]}
    try:
        return schema.model_validate({k: v for k, v in raw.items() if k not in bad})
    except ValidationError:
        return None


def targets(node: Node) -> Iterator[tuple[str, str]]:
    """(field, node id) for every node this one can go to."""
    for field, target, _ in node_types.links(node):
        yield field, target


def check_menu(menu: Menu, known_sources: Iterable[str] | None = None,
               known_forms: KnownForms = None,
               broken: Mapping[str, Any] = MappingProxyType({})) -> Iterator[MenuError]:
    """broken: the raw nodes that failed the schema (reported already), not checked here."""
    known = node_types.Known(_set(known_sources), _lines(known_forms))
    exists = Exists(menu, broken)
    yield from _check_entry_points(menu, exists)
    for node_id, node in menu.nodes.items():
        yield from _check_targets(exists, node_id, node)
        yield from _check_prompts(node_id, node)
        if check := node_types.of(node).check:  # what only this node type needs
            yield from check(menu, node_id, node, known)
    yield from _check_reachable(menu, broken)
    yield from _check_pass_through_loops(menu)
    yield from check_languages(menu, exists)
    for node_id, message in budget.over_budget(menu):
        yield MenuError(node_id, "type", message)


def _set(names: Iterable[str] | None) -> frozenset[str] | None:
    return None if names is None else frozenset(names)


def _lines(forms: KnownForms) -> Mapping[str, str | None] | None:
    if forms is None or isinstance(forms, Mapping):
        return forms
    return dict.fromkeys(forms)


@dataclass(frozen=True)
class Exists:
    """Node ids a link may go to: the parsed nodes and the ones that failed the schema."""

    menu: Menu
    broken: Mapping[str, Any]

    def __contains__(self, node_id: object) -> bool:
        return node_id in self.menu.nodes or node_id in self.broken


def _check_entry_points(menu: Menu, exists: Exists) -> Iterator[MenuError]:
    s = menu.settings
    for field, target in (("start", menu.start), ("settings.person", s.person),
                          ("settings.main_menu", s.main_menu)):
        if target and target not in exists:
            yield MenuError(None, field, f"goes to unknown node {target!r}")
    person = menu.nodes.get(s.person)
    if person is not None and not node_types.of(person).reaches_person:
        yield MenuError(s.person, "settings.person",
                        "no way to a person: the person node must be a queue or transfer")
    if s.confirm_threshold > s.accept_threshold:
        yield MenuError(None, "settings.confirm_threshold", "must not exceed accept_threshold")


def _check_targets(exists: Exists, node_id: str, node: Node) -> Iterator[MenuError]:
    for field, target in targets(node):
        if target not in exists:
            yield MenuError(node_id, field, f"goes to unknown node {target!r}")


def _check_prompts(node_id: str, node: Node) -> Iterator[MenuError]:
    if node_types.of(node).prompts and not (node.prompt or "").strip():
        yield MenuError(node_id, "prompt", "missing prompt")
    for field in ("prompt", "reprompt"):  # (open_link_prompt is checked by settings users)
        for message in syntax_errors(getattr(node, field) or ""):
            yield MenuError(node_id, field, message)


def _check_reachable(menu: Menu, broken: Mapping[str, Any]) -> Iterator[MenuError]:
    """A node that failed the schema may lead to any node it names (its links may be
    under a misspelt field), so what follows it is not called unreachable."""
    if not menu.start:  # it failed the schema: where calls begin is not known
        return
    seen: set[str] = set()
    todo = [menu.start, menu.settings.person, menu.main_menu,
            *menu.settings.person_for.values()]
    while todo:
        node_id = todo.pop()
        if node_id in seen or not (node_id in menu.nodes or node_id in broken):
            continue
        seen.add(node_id)
        if node_id in broken:
            todo.extend(_strings_in(broken[node_id]))
        else:
            todo.extend(target for _, target in targets(menu.nodes[node_id]))
    for node_id in menu.nodes:
        if node_id not in seen:
            yield MenuError(node_id, "id", "unreachable: no path from start leads here")


def _strings_in(raw: Any) -> Iterator[str]:
    """Every string in a node as written, at any depth (without recursion)."""
    todo = [raw]
    while todo:
        value = todo.pop()
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            todo.extend(value.values())
        elif isinstance(value, list):
            todo.extend(value)


def _check_pass_through_loops(menu: Menu) -> Iterator[MenuError]:
    """Say nodes (any that speak and go on unasked) that lead only to each other would talk
    forever without input.

    Each such node has one way on, so they form chains; one walk along each chain, never
    revisiting a node, finds every loop (linear in the size of the menu)."""
    looping: set[str] = set()
    walked: set[str] = set()
    for start in menu.nodes:
        path: dict[str, int] = {}  # this walk's nodes, in order
        node_id: str | None = start
        while node_id is not None and node_id not in walked \
                and _passes_through(menu, node_id):
            walked.add(node_id)
            path[node_id] = len(path)
            node_id = _onward(menu.nodes[node_id])
        if node_id in path:  # came back to this walk's own path: the rest is a loop
            looping.update(list(path)[path[node_id]:])
    for node_id in menu.nodes:
        if node_id in looping:
            field = node_types.of(menu.nodes[node_id]).links[0]
            yield MenuError(node_id, field, "dead end: say nodes loop without input")


def _passes_through(menu: Menu, node_id: str | None) -> bool:
    node = menu.nodes.get(node_id) if node_id else None
    return node is not None and node_types.of(node).passes_through


def _onward(node: Node) -> str | None:
    """The one way on; a node that chooses between ways ends the walk (the engine's hop
    limit still stops a loop through it)."""
    ways = [target for _, target, _ in node_types.links(node, escalations=False)]
    return ways[0] if len(ways) == 1 else None


def check_languages(menu: Menu, exists: Exists | None = None) -> Iterator[MenuError]:
    """Every language a caller can hear needs a catalogue of system phrases (else the
    engine's own words would be English), and each language's person node must exist."""
    known = ", ".join(languages())
    settings = menu.settings
    if not has_catalogue(settings.language):
        yield MenuError(None, "settings.language",
                        f"no phrase catalogue for {settings.language!r} (have: {known})")
    for node_id, node in menu.nodes.items():
        if node.language and not has_catalogue(node.language):
            yield MenuError(node_id, "language",
                            f"no phrase catalogue for {node.language!r} (have: {known})")
    for language, target in settings.person_for.items():
        if target not in (exists or menu.nodes):
            yield MenuError(None, f"settings.person_for.{language}",
                            f"goes to unknown node {target!r}")
        elif target in menu.nodes and not node_types.of(menu.nodes[target]).reaches_person:
            yield MenuError(target, f"settings.person_for.{language}",
                            "no way to a person: the person node must be a queue or transfer")
