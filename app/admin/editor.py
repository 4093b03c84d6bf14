"""What the menu editor shows: YAML checked into errors per node, a node table, diffs.

Nothing here writes to the database.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import menus
from ..flow import node_types
from ..flow.validate import MenuError, MenuInvalid
from .lang import html_lang


@dataclass
class Checked:
    """The outcome of checking an operator's YAML: a definition, or the reasons not."""

    definition: Any = None
    errors: list[MenuError] = field(default_factory=list)
    yaml_error: str | None = None

    @property
    def ok(self) -> bool:
        return not self.errors and self.yaml_error is None


def check_yaml(text: str, menu_name: str | None = None) -> Checked:
    """Parse and validate; every problem is collected, nothing raises."""
    try:
        definition = menus.load_yaml(text)
    except ValueError as exc:
        return Checked(yaml_error=str(exc))
    if not isinstance(definition, dict):
        return Checked(yaml_error="not a menu: the YAML must be a mapping with name, start, "
                                  "settings and nodes")
    return check_definition(definition, menu_name)


def check_definition(definition: dict, menu_name: str | None = None) -> Checked:
    """Validate a menu for an existing menu (menu_name) or a new one."""
    checked = Checked(definition=definition)
    try:
        checked.errors = menus.line_problems(menus.check(definition))
    except MenuInvalid as exc:
        checked.errors = list(exc.errors)
    if menu_name and definition.get("name") != menu_name:
        checked.errors.append(MenuError(None, "name", f"must stay {menu_name!r}: renaming "
                                                      "would create a different menu"))
    elif not menu_name and (problem := menus.reserved_name(definition.get("name"))):
        checked.errors.append(problem)
    return checked


def _nodes(definition: Any) -> dict[str, Any]:
    nodes = definition.get("nodes") if isinstance(definition, dict) else None
    return nodes if isinstance(nodes, dict) else {}


@dataclass(frozen=True)
class NodeRow:
    node_id: str
    type: str
    prompt: str
    goes_to: list[str]
    line: int | None
    problems: tuple[MenuError, ...] = ()
    lang: str = ""  # the HTML lang of its prompt, when not the page's


def node_rows(definition: Any, text: str = "",
              errors: Sequence[MenuError] = ()) -> list[NodeRow]:
    """One readable row per node with its problems, even for a definition that failed
    validation. Linear in the size of the menu: lines and errors are grouped once."""
    lines = node_lines(text)
    problems: dict[str | None, list[MenuError]] = {}
    for error in errors:
        problems.setdefault(error.node, []).append(error)
    rows = []
    default = menu_language(definition)
    for node_id, node in _nodes(definition).items():
        node = node if isinstance(node, dict) else {}
        rows.append(NodeRow(str(node_id), str(node.get("type", "?")),
                            str(node.get("prompt") or ""), _targets(node),
                            lines.get(str(node_id)), tuple(problems.get(str(node_id), ())),
                            html_lang(node.get("language") or default)))
    return rows


def menu_language(definition: Any) -> str:
    """settings.language of a (possibly invalid) definition: its nodes' default."""
    settings = definition.get("settings") if isinstance(definition, dict) else None
    return str(settings.get("language") or "") if isinstance(settings, dict) else ""


def _targets(node: dict) -> list[str]:
    """Where a node goes, as its type declares: "next: billing", "1 → billing"."""
    found = [_shown(field, target, holder) for field, target, holder in node_types.links(node)]
    if node.get("queue"):
        found.append(f"queue {node['queue']}")
    return found


def _shown(field: str, target: str, holder: dict) -> str:
    *within, _ = field.split(".")
    if within and within[-1].isdigit():  # an item of a list (a menu's option): its key
        return f"{holder.get('key') or (holder.get('phrases') or ['?'])[0]} → {target}"
    return f"{within[0] if within else field}: {target}"


NODE_KEY = re.compile(r"""^(\s+)(?:'([^']*)'|"([^"]*)"|([^\s'"#:][^:]*?))\s*:""")


def node_lines(text: str) -> dict[str, int]:
    """The line of the YAML where each node starts, to point the operator at it: one pass
    over the text, keys at the indent of the first node only (not the nodes' own fields)."""
    found: dict[str, int] = {}
    in_nodes, indent = False, None
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("nodes:"):
            in_nodes = True
        elif line[:1].strip() and not line.startswith("#"):
            in_nodes = False  # the next top-level key
        elif in_nodes and (match := NODE_KEY.match(line)):
            indent = indent or match.group(1)
            if match.group(1) == indent:
                node_id = next(g for g in match.groups()[1:] if g is not None)
                found.setdefault(node_id, number)
    return found


@dataclass(frozen=True)
class DiffLine:
    kind: str  # add | remove | hunk | same | file
    text: str


def diff(old_yaml: str, new_yaml: str, old_label: str, new_label: str) -> list[DiffLine]:
    lines = difflib.unified_diff(old_yaml.splitlines(), new_yaml.splitlines(),
                                 old_label, new_label, lineterm="")
    return [DiffLine(_diff_kind(line), line) for line in lines]


def _diff_kind(line: str) -> str:
    if line.startswith(("---", "+++")):
        return "file"
    if line.startswith("@@"):
        return "hunk"
    return {"+": "add", "-": "remove"}.get(line[:1], "same")
