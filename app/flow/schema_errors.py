"""Schema errors as an operator reads them: the node and field, what was wrong, and what is
allowed there ("unknown field; allowed here: prompt, reprompt, options, ... (did you mean
'options'?)"), read from the schema itself, so a field or node type added later is listed.
"""

from __future__ import annotations

import difflib
import re
import types
from collections.abc import Sequence
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from . import node_types
from .errors import MenuError
from .parts import NodeBase

KEY = "[key]"  # pydantic's name for "the key of this mapping" in an error's location
FIRST = ("type", "prompt", "reprompt")  # a node's fields, listed before its type's own
WRONG_TYPE_HINTS = {"dict_type": "a mapping", "model_type": "a mapping",
                    "model_attributes_type": "a mapping", "list_type": "a list"}


def explain(error: ErrorDetails, root: type[BaseModel]) -> MenuError:
    """One pydantic error of `root` (the menu) as a MenuError that says what is allowed."""
    loc = list(error["loc"])
    node, field = where(loc, error["type"])
    return MenuError(node, field, _message(error, loc, root))


def where(loc: list[Any], kind: str) -> tuple[str | None, str]:
    """(node id, field) of a location: ("nodes", "main", "menu", "optoins") is node main,
    field optoins (the node's type is in the location only to pick its schema)."""
    if len(loc) >= 2 and loc[0] == "nodes":
        rest = loc[2:]
        if kind in ("union_tag_invalid", "union_tag_not_found"):
            return str(loc[1]), "type"
        if rest == [KEY]:
            return str(loc[1]), "id"
        if rest and node_types.declared(rest[0]):
            rest = rest[1:]  # the tag pydantic adds: not something the operator wrote
        return str(loc[1]), _dotted(rest) or "node"
    return None, _dotted(loc) or "menu"


def _dotted(loc: list[Any]) -> str:
    """A mapping's key is named by the mapping ("settings.globals.pesron")."""
    return ".".join(str(part) for part in loc if part != KEY)


def _message(error: ErrorDetails, loc: list[Any], root: type[BaseModel]) -> str:
    kind, given = error["type"], error.get("input")
    if kind == "extra_forbidden":
        return _unknown("field", loc[-1], allowed_fields(_at(root, loc[:-1])), "allowed here")
    if kind == "missing":
        return _missing(loc[-1], _at(root, loc[:-1]))
    if kind == "union_tag_invalid":
        return _unknown("node type", (error.get("ctx") or {}).get("tag"),
                        node_types.names(), "node types")
    if kind == "union_tag_not_found":
        return "missing: every node needs a type; node types: " + ", ".join(node_types.names())
    if kind in ("literal_error", "enum"):
        expected = str((error.get("ctx") or {}).get("expected", ""))
        return _unknown("value", given, _values(_at(root, loc)) or
                        re.findall(r"'([^']*)'", expected), "allowed")
    if kind in WRONG_TYPE_HINTS and _at(root, loc) is NodeBase:
        return (f"should be a node: a mapping with a type (node types: "
                f"{', '.join(node_types.names())}), got {_shown(given)}")
    if kind in WRONG_TYPE_HINTS:
        return _not_a_mapping(WRONG_TYPE_HINTS[kind], given, _at(root, loc))
    if kind == "string_pattern_mismatch" and (allowed := _characters(error)):
        return f"{allowed}, got {_shown(given)}"
    return f"{_lowered(error['msg'])}, got {_shown(given)}"


def _unknown(what: str, given: Any, allowed: Sequence[str], label: str) -> str:
    message = f"unknown {what} {_shown(given)}" if what != "field" else "unknown field"
    message += f"; {label}: {', '.join(allowed)}" if allowed else ""
    close = difflib.get_close_matches(str(given), allowed, n=1, cutoff=0.6)
    return message + (f" (did you mean {close[0]!r}?)" if close else "")


def _missing(name: Any, model: Any) -> str:
    required = [n for n, f in model.model_fields.items() if f.is_required() and n != "type"] \
        if _is_model(model) else []
    declared = node_types.declared(_type_name(model))
    needs = f"a {declared.name} node needs" if declared else "required here"
    return f"required field {name!r} is missing" + (
        f"; {needs}: {', '.join(required)}" if required else "")


def _not_a_mapping(expected: str, given: Any, model: Any) -> str:
    fields = f" (fields here: {', '.join(allowed_fields(model))})" if _is_model(model) else ""
    return f"should be {expected}{fields}, got {_shown(given)}"


def _type_name(model: Any) -> str | None:
    field = model.model_fields.get("type") if _is_model(model) else None
    args = get_args(field.annotation) if field else ()
    return args[0] if len(args) == 1 and isinstance(args[0], str) else None


def allowed_fields(model: Any) -> list[str]:
    """The fields a part accepts; a node's: its type, prompt, reprompt, its type's own
    fields, then the ones every node has."""
    if not _is_model(model):
        return []
    names = list(model.model_fields)
    if issubclass(model, NodeBase):
        common = [n for n in NodeBase.model_fields if n not in FIRST]
        names = [n for n in FIRST if n in names] + \
            [n for n in names if n not in FIRST and n not in common] + common
    return names


def _values(annotation: Any) -> list[str]:
    """The values a Literal (maybe optional) accepts."""
    annotation = _unwrap(annotation)
    return [str(v) for v in get_args(annotation)] if get_origin(annotation) is Literal else []


def _at(root: type[BaseModel], loc: list[Any]) -> Any:
    """The annotation a location points into, walking models, mappings and lists; a node
    type's schema for the tag pydantic puts in a node's location. None: not found."""
    if loc[-1:] == [KEY]:  # (..., "pesron", "[key]"): the key "pesron" of a mapping
        return _unwrap(_step(_unwrap(_at(root, loc[:-2])), KEY))
    annotation: Any = root
    for part in loc:
        annotation = _step(_unwrap(annotation), part)
        if annotation is None:
            return None
    return _unwrap(annotation)


def _step(annotation: Any, part: Any) -> Any:
    if _is_model(annotation):
        if annotation is NodeBase:  # any registered type: the tag says which
            declared = node_types.declared(part)
            return declared.schema if declared else None
        field = annotation.model_fields.get(part)
        return field.annotation if field else None
    args = get_args(annotation)
    if get_origin(annotation) is dict and len(args) == 2:
        return args[0] if part == KEY else args[1]
    if get_origin(annotation) in (list, tuple) and args:
        return args[0]
    return None


def _unwrap(annotation: Any) -> Any:
    """Annotated[X, ...] is X; X | None is X (a union of several stays as it is)."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            kept = [a for a in get_args(annotation) if a is not type(None)]
            if len(kept) != 1:
                return annotation
            annotation = kept[0]
        else:
            return annotation


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


# A pattern that is one set of characters, e.g. ^[a-z0-9_\-]{1,40}$: said in words.
CHARACTER_SET = re.compile(r"\^\[((?:\\.|[^\]\\])+)\](?:\{(\d+),(\d+)\}|(\+))\$")
SET_PART = re.compile(r"(\\.|[^\\])-(\\.|[^\\])|\\(.)|(.)")


def _characters(error: ErrorDetails) -> str | None:
    """ "should use only a-z, 0-9, _ and - (1 to 40 characters)" for such a pattern."""
    match = CHARACTER_SET.fullmatch(str((error.get("ctx") or {}).get("pattern", "")))
    if match is None:
        return None
    parts = [f"{low[-1]}-{high[-1]}" if low else escaped or single
             for low, high, escaped, single in SET_PART.findall(match.group(1))]
    listed = ", ".join(parts[:-1]) + f" and {parts[-1]}" if len(parts) > 1 else parts[0]
    length = "" if match.group(4) else f" ({match.group(2)} to {match.group(3)} characters)"
    return f"should use only {listed}{length}"


def _lowered(message: str) -> str:
    """Pydantic's "Input should be ..." as the rest of a sentence: "should be ..."."""
    message = message.removeprefix("Input ").removeprefix("Value error, ")
    return message[:1].lower() + message[1:]


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
