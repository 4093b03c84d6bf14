"""The menu editor's per-node form: a node as form inputs, and the posted form back as a
node. The inputs are the ones its node type declares (flow/node_types.py). Checking and
saving stay with the YAML editor's code; whatever the form does not show (escalations,
recognizer, language...) is kept as it was."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..flow import node_types
from ..flow.node_types import FormField
from ..flow.validate import MenuError
from .lang import html_lang

PROMPTS = (FormField("prompt", "Prompt (what the caller hears)"),  # every node's, first
           FormField("reprompt", "Shorter prompt for retries (optional)"))
OPTION_FIELDS = ("key", "intent", "phrases", "examples", "go")
LISTS = {"phrases": ",", "examples": ";"}  # a list field and what separates its items
BLANK_ROWS = 2  # empty option rows, to add options without JavaScript
OPTION_ERROR = re.compile(r"options\.(\d+)(\.(?:key|intent|phrases|examples|go))?(?:\..*)?")


@dataclass(frozen=True)
class TextField:
    name: str
    label: str
    value: str
    multiline: bool = False
    goes_to: bool = False  # names a node: offered the list of node ids


@dataclass
class NodeForm:
    node_id: str
    type: str
    inputs: list[TextField]
    options: list[dict[str, str]] | None  # menu nodes: one row per option, blanks last
    errors: dict[str, list[str]] = field(default_factory=dict)  # input name: messages
    other_errors: list[MenuError] = field(default_factory=list)  # about other places
    lang: str = ""  # the HTML lang of what the caller hears and says, when not the page's

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


def inputs_of(type_name: str) -> tuple[FormField, ...]:
    """The inputs a node of this type shows, in order (the options are rows of their own)."""
    declared = node_types.declared(type_name)
    return PROMPTS + tuple(f for f in declared.form if f.name != "options") if declared \
        else PROMPTS


def has_options(type_name: str) -> bool:
    declared = node_types.declared(type_name)
    return bool(declared and declared.has_options)


def to_form(node_id: str, node: dict, errors: Iterable[MenuError] = (),
            menu_language: str = "") -> NodeForm:
    declared = node_types.declared(node["type"])
    links = {link.split(".")[0] for link in declared.links} if declared else set()
    inputs = [TextField(f.name, f.label, str(node.get(f.name) or ""), f in PROMPTS,
                        f.name in links) for f in inputs_of(node["type"])]
    options = None
    if has_options(node["type"]):
        options = [option_row(o) for o in node.get("options") or []]
        options += [dict.fromkeys(OPTION_FIELDS, "") for _ in range(BLANK_ROWS)]
    form = NodeForm(node_id, node["type"], inputs, options,
                    lang=html_lang(node.get("language") or menu_language))
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
    for name in (f.name for f in inputs_of(node["type"])):
        value = form.get(name, "").strip()
        if value:
            changed[name] = value
        else:
            changed.pop(name, None)
    if has_options(node["type"]):
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
