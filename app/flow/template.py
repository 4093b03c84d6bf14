"""The safe prompt template syntax: ``{{ name }}``, ``{{ caller.first_name }}`` and
``{{ name | "fallback" }}``. Plain lookups in a dict of values; no code is evaluated."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_PATH = r"[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*"
_TOKEN = re.compile(r"\{\{\s*(" + _PATH + r")\s*(?:\|\s*\"([^\"{}]*)\"\s*)?\}\}")


def lookup(values: Mapping[str, Any], path: str) -> Any:
    """Follow a dotted path through nested mappings; None when any step is missing."""
    current: Any = values
    for part in path.split("."):
        if not isinstance(current, Mapping) or part not in current:
            return None
        current = current[part]
    return current


def fill(text: str, values: Mapping[str, Any]) -> str:
    """Fill placeholders; a missing value uses the fallback, else an empty string."""

    def value_for(match: re.Match[str]) -> str:
        value = lookup(values, match.group(1))
        if value is None or value == "":
            return match.group(2) or ""
        return str(value)

    return _TOKEN.sub(value_for, text)


def syntax_errors(text: str) -> list[str]:
    """Braces left over once every valid placeholder is removed are mistakes."""
    leftover = _TOKEN.sub("", text)
    if "{{" in leftover or "}}" in leftover:
        return [f"bad placeholder in {text!r}: use {{{{ name }}}} or {{{{ name | \"fallback\" }}}}"]
    return []
