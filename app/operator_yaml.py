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
    depth = 0
    for event in yaml.parse(text, Loader=LOADER):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise YamlRefused(ALIASES)
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise YamlRefused(f"nested too deeply: at most {MAX_DEPTH} levels of lists "
                                  "and mappings")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
