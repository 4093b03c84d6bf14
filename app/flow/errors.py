"""What the validator reports: a problem named by node id and field."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MenuError:
    node: str | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"node {self.node!r}, " if self.node else ""
        return f"{where}field {self.field!r}: {self.message}"


class MenuInvalid(ValueError):
    def __init__(self, errors: list[MenuError]) -> None:
        super().__init__("; ".join(map(str, errors)))
        self.errors = errors
