"""One validator for every way a menu arrives (YAML file, CLI import, the editor).

Errors name the node id and the field, and all of them are reported at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from . import budget, node_types
from .errors import MenuError, MenuInvalid
from .nodes.menu import accepted_at, suggested_words
from .phrases import has_catalogue, languages
from .schema import Menu, Node
from .template import syntax_errors

__all__ = ["MenuError", "MenuInvalid", "accepted_at", "check_menu", "parse_menu",
           "suggested_words", "targets"]


def parse_menu(data: Any, known_sources: Iterable[str] | None = None,
               known_forms: Iterable[str] | None = None) -> Menu:
    """Parse and check a menu, raising MenuInvalid with every problem found."""
    try:
        menu = Menu.model_validate(data)
    except ValidationError as exc:
        raise MenuInvalid([_from_pydantic(e) for e in exc.errors()]) from None
    errors = list(check_menu(menu, known_sources, known_forms))
    if errors:
        raise MenuInvalid(errors)
    return menu


def _from_pydantic(error: ErrorDetails) -> MenuError:
    loc = [str(part) for part in error["loc"]]
    message = error["msg"]
    if error["type"] == "union_tag_invalid":
        message = f"unknown node type {error['input'].get('type')!r}" if isinstance(
            error.get("input"), dict) else message
    if len(loc) >= 2 and loc[0] == "nodes":
        rest = loc[3:] if len(loc) > 2 and error["type"] != "union_tag_invalid" else loc[2:]
        return MenuError(loc[1], ".".join(rest) or "type", message)
    return MenuError(None, ".".join(loc) or "menu", message)


def targets(node: Node) -> Iterator[tuple[str, str]]:
    """(field, node id) for every node this one can go to."""
    for field, target, _ in node_types.links(node):
        yield field, target


def check_menu(menu: Menu, known_sources: Iterable[str] | None = None,
               known_forms: Iterable[str] | None = None) -> Iterator[MenuError]:
    known = node_types.Known(_set(known_sources), _set(known_forms))
    yield from _check_entry_points(menu)
    for node_id, node in menu.nodes.items():
        yield from _check_targets(menu, node_id, node)
        yield from _check_prompts(node_id, node)
        if check := node_types.of(node).check:  # what only this node type needs
            yield from check(menu, node_id, node, known)
    yield from _check_reachable(menu)
    yield from _check_pass_through_loops(menu)
    yield from check_languages(menu)
    for node_id, message in budget.over_budget(menu):
        yield MenuError(node_id, "type", message)


def _set(names: Iterable[str] | None) -> frozenset[str] | None:
    return None if names is None else frozenset(names)


def _check_entry_points(menu: Menu) -> Iterator[MenuError]:
    s = menu.settings
    for field, target in (("start", menu.start), ("settings.person", s.person),
                          ("settings.main_menu", s.main_menu)):
        if target and target not in menu.nodes:
            yield MenuError(None, field, f"goes to unknown node {target!r}")
    person = menu.nodes.get(s.person)
    if person is not None and not node_types.of(person).reaches_person:
        yield MenuError(s.person, "settings.person",
                        "no way to a person: the person node must be a queue or transfer")
    if s.confirm_threshold > s.accept_threshold:
        yield MenuError(None, "settings.confirm_threshold", "must not exceed accept_threshold")


def _check_targets(menu: Menu, node_id: str, node: Node) -> Iterator[MenuError]:
    for field, target in targets(node):
        if target not in menu.nodes:
            yield MenuError(node_id, field, f"goes to unknown node {target!r}")


def _check_prompts(node_id: str, node: Node) -> Iterator[MenuError]:
    if node_types.of(node).prompts and not (node.prompt or "").strip():
        yield MenuError(node_id, "prompt", "missing prompt")
    for field in ("prompt", "reprompt"):  # (open_link_prompt is checked by settings users)
        for message in syntax_errors(getattr(node, field) or ""):
            yield MenuError(node_id, field, message)


def _check_reachable(menu: Menu) -> Iterator[MenuError]:
    seen: set[str] = set()
    todo = [menu.start, menu.settings.person, menu.main_menu,
            *menu.settings.person_for.values()]
    while todo:
        node_id = todo.pop()
        if node_id in seen or node_id not in menu.nodes:
            continue
        seen.add(node_id)
        todo.extend(target for _, target in targets(menu.nodes[node_id]))
    for node_id in menu.nodes:
        if node_id not in seen:
            yield MenuError(node_id, "id", "unreachable: no path from start leads here")


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


def check_languages(menu: Menu) -> Iterator[MenuError]:
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
        if target not in menu.nodes:
            yield MenuError(None, f"settings.person_for.{language}",
                            f"goes to unknown node {target!r}")
        elif not node_types.of(menu.nodes[target]).reaches_person:
            yield MenuError(target, f"settings.person_for.{language}",
                            "no way to a person: the person node must be a queue or transfer")
