"""YAML as operators write it (menus, forms), parsed with limits.

Refused before anything is built: nesting deeper than MAX_DEPTH (PyYAML's composer, the
schema and every later walk recurse, so a few KB of "[[[[" was a RecursionError 500), and
anchors or aliases (a few lines can expand into a huge document, a "billion laughs").
libyaml parses when it is there: 6,000-node menus are routine.
"""

from __future__ import annotations

from typing import Any

import yaml

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_DEPTH = 32  # a menu needs about 6 levels (nodes, node, options, option, phrases)
ALIASES = ("YAML anchors and aliases (& and *) are not accepted: write each node out, "
           "and quote keys like '*'")


class YamlRefused(ValueError):
    """Not YAML, or YAML we do not build; the message is for the operator."""


def load(text: str) -> Any:
    try:
        _check_shape(text)
        return yaml.load(text, Loader=LOADER)  # noqa: S506 (a safe loader)
    except yaml.YAMLError as exc:
        raise YamlRefused(f"not valid YAML: {exc}") from None


def _check_shape(text: str) -> None:
    """One pass over the parser's events, which come without recursion."""
    open_collections: list[_Collection] = []
    twice: list[str] = []
    for event in yaml.parse(text, Loader=LOADER):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise YamlRefused(ALIASES)
        if isinstance(event, yaml.CollectionEndEvent):
            open_collections.pop()
            continue
        if open_collections and (again := open_collections[-1].add(event)):
            twice.append(again)
        if isinstance(event, yaml.CollectionStartEvent):
            open_collections.append(_Collection(isinstance(event, yaml.MappingStartEvent)))
            if len(open_collections) > MAX_DEPTH:
                raise YamlRefused(f"nested too deeply: at most {MAX_DEPTH} levels of lists "
                                  "and mappings")
    if twice:
        raise YamlRefused("a key given twice (YAML would keep only the last): "
                          + "; ".join(twice))


class _Collection:
    """A mapping or list being read: a mapping's keys alternate with their values, and a
    key given twice would silently replace the first (a node pasted twice loses one)."""

    def __init__(self, mapping: bool) -> None:
        self.mapping = mapping
        self.key_next = True
        self.keys: dict[tuple[str, bool], int] = {}  # (key, unquoted): its line

    def add(self, event: yaml.Event) -> str | None:
        """The duplicate this item is, if it is a key given before."""
        if not self.mapping:
            return None
        is_key, self.key_next = self.key_next, not self.key_next
        if not is_key or not isinstance(event, yaml.ScalarEvent):
            return None
        line = event.start_mark.line + 1 if event.start_mark else 0  # (the parser marks all)
        key = (event.value, event.style is None)  # 1 and '1' are different keys
        if key not in self.keys:
            self.keys[key] = line
            return None
        return f"{event.value!r} at line {line} (first at line {self.keys[key]})"
