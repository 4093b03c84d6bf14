"""What one webhook may spend on lookups and texts before the caller must hear a question.

The provider waits 15 s for our answer and then gives up on the call; the database, the
engine and rendering need some of that. So a turn runs at most MAX_EFFECTS_PER_TURN
lookups and texts within TURN_BUDGET_S of wall clock, and the validator refuses menus
whose chains (effects reached one after another, with no question between) could not.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from . import node_types
from .nodes.sms_link import TEXT_S

if TYPE_CHECKING:
    from .schema import Menu, Node

__all__ = ["MAX_EFFECTS_PER_TURN", "TEXT_S", "TURN_BUDGET_S", "cost", "over_budget"]
MAX_EFFECTS_PER_TURN = 5
TURN_BUDGET_S = 6.0  # connect to last byte, for all effects of one turn


def is_effect(node: Node) -> bool:
    return node_types.of(node).cost is not None


def _counted(node: Node) -> bool:
    """Effects, and nodes that speak and move on: a turn goes through them unasked."""
    return is_effect(node) or node_types.of(node).passes_through


def cost(node: Node) -> tuple[int, float]:
    """(effects, worst-case seconds) of running this node once."""
    of_type = node_types.of(node).cost
    return of_type(node) if of_type else (0, 0.0)


def _next(node: Node) -> list[str]:
    """Where a counted node goes on without a question: its declared links."""
    return [target for _, target, _ in node_types.links(node, escalations=False)]


Chain = tuple[int, float, str | None]  # effects, worst-case seconds, the next node on it
NONE: Chain = (0, 0.0, None)


def _worse(chain: Chain) -> tuple[bool, tuple[int, float]]:
    return chain[0] > MAX_EFFECTS_PER_TURN or chain[1] > TURN_BUDGET_S, chain[:2]


def worst_chains(menu: Menu) -> dict[str, Chain]:
    """The worst chain from each effect or pass-through node, by one depth-first walk
    without recursion (a menu may chain thousands of say nodes). A loop that contains a
    lookup or text and no question never ends: an endless chain."""
    counted = {n for n, node in menu.nodes.items() if _counted(node)}
    worst: dict[str, Chain] = {}
    for root in (n for n in menu.nodes if n in counted):
        stack, path, on_path = [(root, False)], list[str](), dict[str, int]()
        while stack:
            node_id, finished = stack.pop()
            node = menu.nodes[node_id]
            if finished:
                tails = [(_tail(menu, worst, path, on_path, n), n) for n in _next(node)]
                fallback: list[tuple[Chain, str | None]] = [(NONE, None)]
                (effects, seconds, _), after = max(tails or fallback,
                                                   key=lambda t: _worse(t[0]))
                own = cost(node)
                worst[node_id] = (own[0] + effects, own[1] + seconds,
                                  after if effects or seconds else None)
                del on_path[path.pop()]
            elif node_id not in worst and node_id not in on_path:
                on_path[node_id] = len(path)
                path.append(node_id)
                stack.append((node_id, True))
                stack += [(n, False) for n in _next(node) if n in counted]
    return worst


def _tail(menu: Menu, worst: dict[str, Chain], path: list[str], on_path: dict[str, int],
          after: str) -> Chain:
    if after in worst:
        return worst[after]
    if after in on_path and any(is_effect(menu.nodes[n]) for n in path[on_path[after]:]):
        return MAX_EFFECTS_PER_TURN + 1, float("inf"), None  # a loop of lookups
    return NONE  # not an effect (a question ends the turn), or a loop of says only


def _walk(worst: dict[str, Chain], node_id: str | None) -> Iterator[str]:
    """The nodes of a worst chain, from its head; a loop is shown once round, and back."""
    seen: set[str] = set()
    while node_id is not None and node_id not in seen and len(seen) < 10_000:
        seen.add(node_id)
        yield node_id
        node_id = worst.get(node_id, NONE)[2]
    if node_id in seen:
        yield node_id


def over_budget(menu: Menu) -> Iterator[tuple[str, str]]:
    """(node id, message) for each node that starts a chain no turn could finish."""
    worst = worst_chains(menu)
    heads = {n: worst[n] for n in menu.nodes if n in worst and _worse(worst[n])[0]}
    inside = {worst[n][2] for n in heads}
    first = [n for n in heads if n not in inside] or list(heads)[:1]  # a loop has no head
    for head in first:  # each chain reported once, at its first lookup or text
        effects, seconds, _ = heads[head]
        steps = [n for n in _walk(worst, head) if is_effect(menu.nodes[n])]
        node_id, shown = steps[0], " -> ".join(steps[:MAX_EFFECTS_PER_TURN + 2])
        yield node_id, (f"starts {effects} lookups or texts in a row ({shown}), taking up "
                        f"to {seconds:g} s; one turn allows {MAX_EFFECTS_PER_TURN} within "
                        f"{TURN_BUDGET_S:g} s: put a question between them")
