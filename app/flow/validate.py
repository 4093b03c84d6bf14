"""One validator for every way a menu arrives (YAML file, CLI import, the editor).

Errors name the node id and the field, and all of them are reported at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from . import budget, intents
from .patterns import PatternError, compile_pattern
from .phrases import has_catalogue, languages
from .schema import PROMPTED_TYPES, Menu, Node
from .template import syntax_errors


@dataclass(frozen=True)
class MenuError:
    node: str | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"node {self.node!r}, " if self.node else ""
        return f"{where}field {self.field!r}: {self.message}"


class MenuInvalid(ValueError):
    def __init__(self, errors: list[MenuError]) -> None:
        super().__init__("; ".join(map(str, errors)))
        self.errors = errors


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


def _from_pydantic(error: dict) -> MenuError:
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
    for name in ("next", "found", "not_found", "error"):
        if getattr(node, name, None):
            yield name, getattr(node, name)
    for i, option in enumerate(getattr(node, "options", [])):
        yield f"options.{i}.go", option.go
    for kind in ("no_input", "no_match"):
        escalation = getattr(node, kind)
        if escalation and escalation.then:
            yield f"{kind}.then", escalation.then


def check_menu(menu: Menu, known_sources: Iterable[str] | None = None,
               known_forms: Iterable[str] | None = None) -> Iterator[MenuError]:
    known_sources = None if known_sources is None else set(known_sources)
    known_forms = None if known_forms is None else set(known_forms)
    yield from _check_entry_points(menu)
    for node_id, node in menu.nodes.items():
        yield from _check_targets(menu, node_id, node)
        yield from _check_prompts(node_id, node)
        yield from _check_options(menu, node_id, node)
        yield from _check_collect(node_id, node)
        yield from _check_lookup(node_id, node, known_sources)
        if node.type == "sms_link" and known_forms is not None \
                and node.form not in known_forms:
            yield MenuError(node_id, "form", f"unknown form {node.form!r}")
    yield from _check_reachable(menu)
    yield from _check_say_loops(menu)
    yield from check_languages(menu)
    yield from check_suggestions(menu)
    for node_id, message in budget.over_budget(menu):
        yield MenuError(node_id, "type", message)


def _check_lookup(node_id: str, node: Node, known: Iterable[str] | None) -> Iterator[MenuError]:
    if node.type != "lookup":
        return
    if bool(node.source) == bool(node.http):
        yield MenuError(node_id, "source", "give either a built-in source or http, not both")
    elif node.source and known is not None and node.source not in known:
        yield MenuError(node_id, "source", f"unknown data source {node.source!r}")


def _check_entry_points(menu: Menu) -> Iterator[MenuError]:
    s = menu.settings
    for field, target in (("start", menu.start), ("settings.person", s.person),
                          ("settings.main_menu", s.main_menu)):
        if target and target not in menu.nodes:
            yield MenuError(None, field, f"goes to unknown node {target!r}")
    person = menu.nodes.get(s.person)
    if person is not None and person.type not in ("queue", "transfer"):
        yield MenuError(s.person, "settings.person",
                        "no way to a person: the person node must be a queue or transfer")
    if s.confirm_threshold > s.accept_threshold:
        yield MenuError(None, "settings.confirm_threshold", "must not exceed accept_threshold")


def _check_targets(menu: Menu, node_id: str, node: Node) -> Iterator[MenuError]:
    for field, target in targets(node):
        if target not in menu.nodes:
            yield MenuError(node_id, field, f"goes to unknown node {target!r}")


def _check_prompts(node_id: str, node: Node) -> Iterator[MenuError]:
    if node.type in PROMPTED_TYPES and not (node.prompt or "").strip():
        yield MenuError(node_id, "prompt", "missing prompt")
    for field in ("prompt", "reprompt"):  # (open_link_prompt is checked by settings users)
        for message in syntax_errors(getattr(node, field) or ""):
            yield MenuError(node_id, field, message)


def _check_options(menu: Menu, node_id: str, node: Node) -> Iterator[MenuError]:
    if node.type != "menu":
        return
    if not node.options:
        yield MenuError(node_id, "options", "dead end: a menu needs at least one option")
    reserved = {k: name for name, g in menu.settings.globals.items() for k in g.keys}
    keys: dict[str, int] = {}
    phrases: dict[str, int] = {}
    examples: dict[str, int] = {}
    spoken = any(o.phrases or o.examples for o in node.options)
    for i, option in enumerate(node.options):
        if not option.key and not option.phrases and not option.examples:
            yield MenuError(node_id, f"options.{i}", "an option needs a key or phrases")
        elif spoken and not option.phrases and not option.examples:
            yield MenuError(node_id, f"options.{i}.examples",
                            "callers can answer this menu by voice, but this option has no "
                            "phrases or examples")
        yield from _said_twice(node_id, i, "examples", option.examples, examples,
                               menu.settings.synonyms)
        if option.key in reserved:
            yield MenuError(node_id, f"options.{i}.key",
                            f"key {option.key} is reserved for {reserved[option.key]}")
        if option.key and option.key in keys:
            yield MenuError(node_id, f"options.{i}.key",
                            f"duplicate key {option.key} (also option {keys[option.key]})")
        keys.setdefault(option.key or "", i)
        yield from _said_twice(node_id, i, "phrases", option.phrases, phrases,
                               menu.settings.synonyms)


def _said_twice(node_id: str, index: int, field: str, texts: list[str], seen: dict[str, int],
                synonyms) -> Iterator[MenuError]:
    """A phrase or example that another option of the node has too (after normalising)."""
    for text in texts:
        said = intents.normalise(text, synonyms)
        if said in seen and seen[said] != index:
            yield MenuError(node_id, f"options.{index}.{field}",
                            f"duplicate {field[:-1]} {text!r} (also option {seen[said]})")
        seen.setdefault(said, index)


def _check_collect(node_id: str, node: Node) -> Iterator[MenuError]:
    if node.type != "collect":
        return
    if node.min_length > node.max_length:
        yield MenuError(node_id, "min_length", "is greater than max_length")
    if node.pattern:
        try:
            compile_pattern(node.pattern)
        except PatternError as exc:
            yield MenuError(node_id, "pattern", f"bad pattern: {exc}")


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


def _check_say_loops(menu: Menu) -> Iterator[MenuError]:
    """Say nodes that lead only to each other would talk forever without input.

    Each say node has one next, so the say nodes form chains; one walk along each chain,
    never revisiting a node, finds every loop (linear in the size of the menu)."""
    looping: set[str] = set()
    walked: set[str] = set()
    for start in menu.nodes:
        path: dict[str, int] = {}  # this walk's nodes, in order
        node_id = start
        while node_id not in walked and _is_say(menu, node_id):
            walked.add(node_id)
            path[node_id] = len(path)
            node_id = menu.nodes[node_id].next
        if node_id in path:  # came back to this walk's own path: the rest is a loop
            looping.update(list(path)[path[node_id]:])
    for node_id in menu.nodes:
        if node_id in looping:
            yield MenuError(node_id, "next", "dead end: say nodes loop without input")


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
        elif menu.nodes[target].type not in ("queue", "transfer"):
            yield MenuError(target, f"settings.person_for.{language}",
                            "no way to a person: the person node must be a queue or transfer")


# "Say billing, outage, or request": the words a prompt tells callers to say. English and
# Spanish put the verb first, Korean after ("요금 확인 또는 상담원이라고 말씀해 주세요").
SUGGESTION = {
    "en": re.compile(r"\bsay\s+(?!or\b)(.+?)(?=,?\s+or\s+(?:press|key)\b|[.;:!?]|$)", re.I),
    "es": re.compile(r"\bdiga\s+(?!o\b)(.+?)(?=,?\s+u?o\s+oprima\b|[.;:!?]|$)", re.I),
    "ko": re.compile(r"([^.?!]+?)(?:이)?라고\s*말씀"),
}
LIST_JOINS = re.compile(r",\s*(?:or\s+|o\s+|또는\s*)?|\s+or\s+|\s+o\s+|\s*또는\s*")


def suggested_words(text: str, language: str) -> list[str]:
    """Each word or phrase a prompt suggests saying, in the prompt's language."""
    pattern = SUGGESTION.get(language.split("-")[0])
    if pattern is None:
        return []
    text = re.sub(r"\{\{.*?\}\}", "", text)  # variables are read out, not suggested
    words = [w.strip() for m in pattern.finditer(text) for w in LIST_JOINS.split(m.group(1))]
    return [w for w in words if w and len(w) <= 40]


def accepted_at(menu: Menu, node: Node, said: str) -> bool:
    """Would these words be taken at this node: an option, or a command that works anywhere."""
    settings = menu.settings
    if any(intents.says_whole(said, g.phrases) for g in settings.globals.values()):
        return True
    options = getattr(node, "options", [])
    match = intents.best_match(said, [o.phrases for o in options], settings.synonyms)
    return match.index is not None and match.score >= settings.accept_threshold \
        and match.score - match.runner_up >= 0.1


def check_suggestions(menu: Menu) -> Iterator[MenuError]:
    """A menu that says "say service" must accept "service" there, or callers who do as
    they are told hear "Sorry, I didn't catch that"."""
    for node_id, node in menu.nodes.items():
        if node.type != "menu":
            continue
        language = node.language or menu.settings.language
        texts = [("prompt", node.prompt), ("reprompt", node.reprompt)] + [
            (f"{kind}.reprompts.{i}", line) for kind in ("no_input", "no_match")
            for i, line in enumerate(getattr(getattr(node, kind), "reprompts", []))]
        for field, text in texts:
            for said in suggested_words(text or "", language):
                if not accepted_at(menu, node, said):
                    yield MenuError(node_id, field,
                                    f"suggests saying {said!r}, but no option accepts it")
def _is_say(menu: Menu, node_id: str | None) -> bool:
    node = menu.nodes.get(node_id) if node_id else None
    return node is not None and node.type == "say"
