"""lookup: fetch data (a built-in source or an operator's JSON endpoint) into variables,
then go on by whether anything was found."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Literal

from pydantic import Field

from ..actions import Lookup, LookupDone
from ..errors import MenuError
from ..node_types import FormField, Known, MenuView, NodeType, Turn, register
from ..parts import NodeBase, NodeId, Strict


class HttpSource(Strict):
    """An operator-configured JSON endpoint; response fields are mapped to variables."""

    url: Annotated[str, Field(pattern=r"^https?://[^\s]+$", max_length=500)]
    method: Literal["GET", "POST"] = "GET"
    timeout_s: float = Field(default=3.0, gt=0, le=3)
    mapping: dict[str, str] = Field(default_factory=dict)  # variable: dotted.path


class LookupNode(NodeBase):
    type: Literal["lookup"]
    source: str | None = None  # a built-in data source; or:
    http: HttpSource | None = None
    params: dict[str, str] = Field(default_factory=dict)  # values are templates
    result: Annotated[str, Field(pattern=r"^[a-z_][a-z0-9_]*$")] = "result"
    found: NodeId
    not_found: NodeId
    error: NodeId | None = None  # default: apology and the person node


def run(turn: Turn, node_id: str, node: LookupNode) -> None:
    params = {k: turn.fill(v) for k, v in node.params.items()}
    http = node.http.model_dump() if node.http else None
    turn.actions.append(Lookup(node.source, params, http))


def done(turn: Turn, node: LookupNode, event: LookupDone) -> None:
    if not event.ok:
        turn.note("lookup_failed", source=node.source, error=event.error)
        if node.error:
            turn.enter(node.error)
        else:
            turn.hand_off("lookup failed",
                          apology=turn.t("Sorry, I can't look that up right now."))
        return
    turn.state.variables[node.result] = event.data or {}
    turn.note("lookup", source=node.source, found=bool(event.data))
    turn.enter(node.found if event.data else node.not_found)


def cost(node: LookupNode) -> tuple[int, float]:
    return 1, node.http.timeout_s if node.http else 0.0


def check(menu: MenuView, node_id: str, node: LookupNode, known: Known) -> Iterator[MenuError]:
    if bool(node.source) == bool(node.http):
        yield MenuError(node_id, "source", "give either a built-in source or http, not both")
    elif node.source and known.sources is not None and node.source not in known.sources:
        yield MenuError(node_id, "source", f"unknown data source {node.source!r}")


register(NodeType(
    "lookup", LookupNode, run, links=("found", "not_found", "error"),
    form=(FormField("found", "When found, go to"),
          FormField("not_found", "When not found, go to")),
    cost=cost, result=LookupDone, on_result=done, check=check))
