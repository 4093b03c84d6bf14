"""Provider fields, parsed strictly: numbers are ASCII digits within bounds, text has no
NUL or control characters (PostgreSQL refuses NUL; logs and screens should not see them)."""

from __future__ import annotations

import re

DIGITS = re.compile(r"[0-9]{1,12}")  # not str.isdigit(): that accepts "²" and "٣"
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def provider_int(value: str | None, maximum: int) -> int | None:
    """A count or duration from the provider; None when it is not one we can trust."""
    if value is None or not DIGITS.fullmatch(value):
        return None
    number = int(value)
    return number if number <= maximum else None


def provider_text(value: str | None, limit: int) -> str:
    """Free text (a number, a status, what was said), safe to store and show."""
    return CONTROL.sub("", value or "")[:limit]
