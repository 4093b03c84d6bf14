"""The nodes where a call leaves the menu: a queue, a transfer, a voicemail, a hang-up.
A failure at one of them escalates at once (there is nothing to ask again)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from ..actions import Action, Enqueue, Hangup, Record, Transfer
from ..node_types import FormField, NodeType, Turn, register
from ..parts import NodeBase, QueueName

QUEUE = FormField("queue", "Queue")


class QueueNode(NodeBase):
    type: Literal["queue"]
    queue: QueueName
    reason: str = "asked for a person"


class TransferNode(NodeBase):
    type: Literal["transfer"]
    number: Annotated[str, Field(pattern=r"^\+?[0-9]{3,15}$")]


class HangupNode(NodeBase):
    type: Literal["hangup"]


class VoicemailNode(NodeBase):
    """Record a message (the prompt says so); it is transcribed offline for the agents."""

    type: Literal["voicemail"]
    queue: QueueName = "general"
    max_length_s: int = Field(default=120, ge=10, le=300)


def leave(turn: Turn, node: NodeBase, action: Action) -> None:
    """The prompt, then the action that takes the call out of the menu."""
    turn.say(node.prompt)
    turn.actions.append(action)
    turn.finish()


def enqueue(turn: Turn, node_id: str, node: QueueNode) -> None:
    leave(turn, node, Enqueue(node.queue, turn.state.handoff_reason or node.reason))


def transfer(turn: Turn, node_id: str, node: TransferNode) -> None:
    leave(turn, node, Transfer(node.number))


def hang_up(turn: Turn, node_id: str, node: HangupNode) -> None:
    leave(turn, node, Hangup())


def record(turn: Turn, node_id: str, node: VoicemailNode) -> None:
    """The thanks after the beep is said in the node's language and voice."""
    language = turn.language()
    leave(turn, node, Record(node.queue, node.max_length_s, language,
                             turn.settings.voice_for(language)))


register(NodeType("queue", QueueNode, enqueue, ends=True, reaches_person=True,
                  form=(QUEUE, FormField("reason", "Reason the agent sees"))))
register(NodeType("transfer", TransferNode, transfer, ends=True, reaches_person=True,
                  form=(FormField("number", "Transfer to number"),)))
register(NodeType("hangup", HangupNode, hang_up, prompts=True, ends=True))
register(NodeType("voicemail", VoicemailNode, record, prompts=True, ends=True, form=(QUEUE,)))
