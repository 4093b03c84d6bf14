"""What one webhook may spend on lookups and texts before the caller must hear a question.

The provider waits 15 s for our answer and then gives up on the call; the database, the
engine and rendering need some of that. So a turn runs at most MAX_EFFECTS_PER_TURN
lookups and texts within TURN_BUDGET_S of wall clock, and the validator refuses menus
whose chains (effects reached one after another, with no question between) could not.
"""

from __future__ import annotations

from collections.abc import Iterator

from .schema import Menu, Node

MAX_EFFECTS_PER_TURN = 5
TURN_BUDGET_S = 6.0  # connect to last byte, for all effects of one turn
TEXT_S = 4.0  # the provider's HTTP timeout when sending a text (telephony)
EFFECT_TYPES = {"lookup", "sms_link"}
PASS_THROUGH = {"say"}  # speaks and moves on: no wait for the caller


def cost(node: Node) -> tuple[int, float]:
    """(effects, worst-case seconds) of running this node once."""
    if node.type == "lookup":
        return 1, node.http.timeout_s if node.http else 0.0
    if node.type == "sms_link":
        return 1, TEXT_S
    return 0, 0.0


def _next(node: Node) -> list[str]:
    return [n for n in (getattr(node, f, None) for f in ("next", "found", "not_found", "error"))
            if n]


class _Chains:
    """Worst chain from each node, each node visited once (menus may be large)."""

    def __init__(self, menu: Menu) -> None:
        self.menu, self.worst, self.open = menu, {}, set()

    def of(self, node_id: str) -> tuple[int, float, list[str]]:
        node = self.menu.nodes.get(node_id)
        if node is None or node.type not in EFFECT_TYPES | PASS_THROUGH:
            return 0, 0.0, []
        if node_id in self.worst:
            return self.worst[node_id]
        if node_id in self.open:  # effects in a loop with no question: never ends
            return MAX_EFFECTS_PER_TURN + 1, float("inf"), [node_id]
        self.open.add(node_id)
        tails = [self.of(n) for n in _next(node)] or [(0, 0.0, [])]
        effects, seconds, path = max(tails, key=lambda t: (t[0] > MAX_EFFECTS_PER_TURN
                                                           or t[1] > TURN_BUDGET_S, t))
        own = cost(node)
        self.open.discard(node_id)
        self.worst[node_id] = (own[0] + effects, own[1] + seconds, [node_id, *path])
        return self.worst[node_id]


def over_budget(menu: Menu) -> Iterator[tuple[str, str]]:
    """(node id, message) for each node that starts a chain no turn could finish."""
    chains, heads = _Chains(menu), {}
    for node_id in menu.nodes:
        effects, seconds, path = chains.of(node_id)
        if effects > MAX_EFFECTS_PER_TURN or seconds > TURN_BUDGET_S:
            heads[node_id] = (effects, seconds, path)
    inside = {n for _, _, path in heads.values() for n in path[1:]}
    first = [n for n in heads if n not in inside] or list(heads)[:1]  # a loop has no head
    for node_id in first:  # each chain reported once, at its head
        effects, seconds, path = heads[node_id]
        shown = " -> ".join(path[:MAX_EFFECTS_PER_TURN + 2])
        yield node_id, (f"starts {effects} lookups or texts in a row ({shown}), taking up "
                        f"to {seconds:g} s; one turn allows {MAX_EFFECTS_PER_TURN} within "
                        f"{TURN_BUDGET_S:g} s: put a question between them")
