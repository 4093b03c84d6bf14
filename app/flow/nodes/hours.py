"""hours: go one way while a queue is open and another while it is closed. The facts come
to the engine as an effect result (the edge reads the hours); the engine stays pure.

For the closed branch's prompt, `{{ hours.opens_again }}` is the sentence that says when
the queue opens again, in the caller's language ("We open again tomorrow at 8:00 AM.").
"""

from __future__ import annotations

from typing import Literal

from ...hours.spoken import opens_again
from ..actions import CheckHours, HoursChecked
from ..node_types import FormField, NodeType, Turn, register
from ..parts import NodeBase, NodeId, QueueName
from ..phrases import phrases
from .handoff import QUEUE


class HoursNode(NodeBase):
    type: Literal["hours"]
    queue: QueueName
    if_open: NodeId
    if_closed: NodeId


def run(turn: Turn, node_id: str, node: HoursNode) -> None:
    turn.actions.append(CheckHours(node.queue, turn.settings.timezone))


def checked(turn: Turn, node: HoursNode, event: HoursChecked) -> None:
    said = ""
    if not event.open and event.now and event.next_opening:
        said = opens_again(event.now.date(), event.next_opening, phrases(turn.language()))
    turn.state.variables["hours"] = {"open": event.open, "opens_again": said}
    turn.note("hours_checked", queue=node.queue, open=event.open,
              next_opening=event.next_opening.isoformat() if event.next_opening else None)
    turn.enter(node.if_open if event.open else node.if_closed)


register(NodeType(
    "hours", HoursNode, run, links=("if_open", "if_closed"),
    form=(QUEUE, FormField("if_open", "When open, go to"),
          FormField("if_closed", "When closed, go to")),
    cost=lambda node: (1, 0.0), result=HoursChecked, on_result=checked))
