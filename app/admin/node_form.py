"""The menu editor's per-node form: a node as form inputs, and the posted form back as a
node. Checking and saving stay with the YAML editor's code; whatever the form does not
show (escalations, recognizer, language...) is kept as it was."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..flow.validate import MenuError

LABELS = {  # the inputs, in order; only those a node type has are shown
    "prompt": "Prompt (what the caller hears)",
    "reprompt": "Shorter prompt for retries (optional)",
    "next": "Then go to",
    "found": "When found, go to",
    "not_found": "When not found, go to",
    "queue": "Queue",
    "reason": "Reason the agent sees",
    "number": "Transfer to number",
}
TYPE_FIELDS = {
    "say": ("next",), "collect": ("next",), "sms_link": ("next",),
    "lookup": ("found", "not_found"), "queue": ("queue", "reason"),
    "transfer": ("number",), "voicemail": ("queue",),
}
GOES_TO = frozenset({"next", "found", "not_found"})  # offered a list of node ids
OPTION_FIELDS = ("key", "intent", "phrases", "examples", "go")
LISTS = {"phrases": ",", "examples": ";"}  # a list field and what separates its items
BLANK_ROWS = 2  # empty option rows, to add options without JavaScript
OPTION_ERROR = re.compile(r"options\.(\d+)(\.(?:key|intent|phrases|examples|go))?(?:\..*)?")


@dataclass(frozen=True)
class TextField:
    name: str
    label: str
    value: str

    @property
    def multiline(self) -> bool:
        return self.name in ("prompt", "reprompt")

    @property
    def goes_to(self) -> bool:
        return self.name in GOES_TO


@dataclass
class NodeForm:
    node_id: str
    type: str
    inputs: list[TextField]
    options: list[dict[str, str]] | None  # menu nodes: one row per option, blanks last
    errors: dict[str, list[str]] = field(default_factory=dict)  # input name: messages
    other_errors: list[MenuError] = field(default_factory=list)  # about other places

    def place(self, error: MenuError) -> str | None:
        """The input an error is shown next to, if it is about one of this form's."""
        if error.node != self.node_id:
            return None
        if error.field in {i.name for i in self.inputs} or (
                error.field == "options" and self.options is not None):
            return error.field
        row = OPTION_ERROR.fullmatch(error.field)
        if row and self.options is not None and int(row[1]) < len(self.options):
            return f"options.{row[1]}{row[2] or ''}"
        return None


def field_names(node_type: str) -> tuple[str, ...]:
    return ("prompt", "reprompt", *TYPE_FIELDS.get(node_type, ()))


def to_form(node_id: str, node: dict, errors: Iterable[MenuError] = ()) -> NodeForm:
    inputs = [TextField(name, LABELS[name], str(node.get(name) or ""))
              for name in field_names(node["type"])]
    options = None
    if node["type"] == "menu":
        options = [option_row(o) for o in node.get("options") or []]
        options += [dict.fromkeys(OPTION_FIELDS, "") for _ in range(BLANK_ROWS)]
    form = NodeForm(node_id, node["type"], inputs, options)
    for error in errors:
        if where := form.place(error):
            form.errors.setdefault(where, []).append(error.message)
        else:
            form.other_errors.append(error)
    return form


def option_row(option: dict) -> dict[str, str]:
    return {name: f"{LISTS[name]} ".join(option.get(name) or []) if name in LISTS
            else option.get(name) or "" for name in OPTION_FIELDS}


def from_form(node: dict, form) -> dict:
    """The node with the form's values; an emptied input falls back to the schema's
    default (or is reported missing by the validator)."""
    changed = dict(node)
    for name in field_names(node["type"]):
        value = form.get(name, "").strip()
        if value:
            changed[name] = value
        else:
            changed.pop(name, None)
    if node["type"] == "menu":
        changed["options"] = options_from(form)
    return changed


def options_from(form) -> list[dict]:
    """One option per row; a row left empty is dropped, so clearing a row removes it."""
    options = []
    columns = (form.getlist(f"option_{name}") for name in OPTION_FIELDS)
    for row in zip(*columns, strict=False):  # uneven only if forged
        option = {name: [p.strip() for p in value.split(LISTS[name]) if p.strip()]
                  if name in LISTS else value.strip()
                  for name, value in zip(OPTION_FIELDS, row, strict=True)}
        if any(option.values()):
            options.append({name: value for name, value in option.items() if value})
    return options
