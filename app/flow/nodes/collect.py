"""collect: ask for a number (an account, a card), check it, read it back, store it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import Field

from ..actions import Input
from ..errors import MenuError
from ..node_types import FormField, Known, MenuView, NodeType, Turn, register
from ..parts import NodeBase, NodeId
from ..patterns import PatternError, compile_pattern, full_match
from ..phrases import phrases
from ..spoken_numbers import luhn_valid, spoken_to_digits


class CollectNode(NodeBase):
    type: Literal["collect"]
    variable: Annotated[str, Field(pattern=r"^[a-z_][a-z0-9_]*$")]
    input: Literal["digits", "speech"] = "digits"
    min_length: int = Field(default=1, ge=1, le=32)
    max_length: int = Field(default=16, ge=1, le=32)
    pattern: str | None = None
    check_digit: Literal["luhn"] | None = None
    confirm: bool = True
    next: NodeId

    def listens_for(self) -> tuple[bool, int | None]:
        return self.input == "digits", self.max_length


def run(turn: Turn, node_id: str, node: CollectNode) -> None:
    """A question for details right after a choice gets a word of acknowledgement first,
    so it doesn't come out of nowhere."""
    label = (turn.state.carry or {}).get("label")
    if label:
        turn.say(turn.t("Sure, I can help with {label}.", label=label))
    turn.say(node.prompt)
    turn.listen(node_id, node)


def collect_input(turn: Turn, node: CollectNode, event: Input) -> None:
    value = event.digits or spoken_to_digits(event.speech or "")
    problem = check_value(turn, node, value)
    if problem or value is None:  # (no value is always a problem)
        turn.note("no_match", value=value, problem=problem)
        turn.fail(node, "no_match", lead=problem)
    elif node.confirm:
        turn.state.pending = {"kind": "value", "value": value}
        turn.note("confirm", value=value)
        turn.ask_confirm(turn.state.pending)
    else:
        store_value(turn, node, value)


def check_value(turn: Turn, node: CollectNode, value: str | None) -> str | None:
    if not value or not value.isdigit():
        return turn.t("Sorry, I need the number as digits.")
    if not node.min_length <= len(value) <= node.max_length:
        return length_problem(turn, node)
    if node.pattern and not full_match(node.pattern, value):
        return turn.t("That number doesn't look right.")
    if node.check_digit == "luhn" and not luhn_valid(value):
        return turn.t("That number doesn't look right.")
    return None


def length_problem(turn: Turn, node: CollectNode) -> str:
    if node.min_length == node.max_length:
        return phrases(turn.language()).tn("That number should have {n} digit.",
                                           "That number should have {n} digits.",
                                           node.min_length)
    return turn.t("That number should have {low} to {high} digits.",
                  low=node.min_length, high=node.max_length)


def store_value(turn: Turn, node: CollectNode, value: str) -> None:
    turn.state.variables[node.variable] = value
    turn.note("collected", variable=node.variable)
    turn.enter(node.next)


def read_back(turn: Turn, node: CollectNode, pending: dict[str, Any]) -> str:
    return turn.t("I heard {digits}. Is that right?", digits=" ".join(pending["value"]))


def check(menu: MenuView, node_id: str, node: CollectNode, known: Known) -> Iterator[MenuError]:
    if node.min_length > node.max_length:
        yield MenuError(node_id, "min_length", "is greater than max_length")
    if node.pattern:
        try:
            compile_pattern(node.pattern)
        except PatternError as exc:
            yield MenuError(node_id, "pattern", f"bad pattern: {exc}")


register(NodeType(
    "collect", CollectNode, run, links=("next",), form=(FormField("next", "Then go to"),),
    prompts=True, on_input=collect_input, confirm_question=read_back,
    on_confirmed=lambda turn, node, pending: store_value(turn, node, pending["value"]),
    check=check))
