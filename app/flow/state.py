"""Per-call state: JSON-serialisable so any worker can pick up the next webhook."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, ClassVar, Self


class Stored:
    """A dataclass kept as JSON between webhooks. Keys it no longer has (a row written by
    an older release) are dropped on reading, so an upgrade never breaks a live call."""

    if TYPE_CHECKING:  # every subclass is a dataclass: what asdict and fields look for
        __dataclass_fields__: ClassVar[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        """Its fields, copied: nothing shared with this live state. (Its values are JSON's
        own types, so a plain copy does what asdict does, at an eighth of its cost.)"""
        return {name: _copied(value) for name, value in vars(self).items()}

    def copy(self) -> Self:
        """A deep copy (a quarter of copy.deepcopy's cost, on every webhook)."""
        return type(self)(**self.to_dict())

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Self:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (data or {}).items() if k in known})


@dataclass
class CallState(Stored):
    node: str | None = None  # the node waiting for the caller (or for a lookup)
    history: list[str] = field(default_factory=list)  # for "back"
    variables: dict[str, Any] = field(default_factory=dict)
    attempts: int = 0  # failed attempts at the current node
    pending: dict[str, Any] | None = None  # a confirm question awaiting yes/no
    rejections: int = 0  # confirm questions answered "no" at the current node
    carry: dict[str, Any] | None = None  # the last choice's words and label, not yet used
    notice_due: bool = False  # the returning-caller notice, said before the first question
    handoff_reason: str | None = None
    turn: int = 0
    done: bool = False


def _copied(value: Any) -> Any:
    if type(value) is dict:
        return {key: _copied(item) for key, item in value.items()}
    if type(value) is list:
        return [_copied(item) for item in value]
    return value
