"""Phone numbers as they may appear in logs."""

from __future__ import annotations


def mask(number: str | None) -> str:
    """Phone numbers in logs keep only their last four digits."""
    if not number:
        return "unknown"
    return number[:2] + "*" * max(len(number) - 6, 0) + number[-4:]
