"""Provider fields, parsed strictly: numbers are ASCII digits within bounds, text has no
NUL or control characters (PostgreSQL refuses NUL; logs and screens should not see them)."""

from __future__ import annotations

import re

from flask import abort, request

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


# What the provider may report in a status callback (CallStatus).
CALL_STATUSES = frozenset({"queued", "ringing", "in-progress", "completed", "busy", "failed",
                           "no-answer", "canceled"})


def form_int(name: str, maximum: int, *, strict: bool) -> int | None:
    """A number field of the webhook. Malformed: a 400 where nobody waits on the answer
    (strict), else None, so the caller gets the safe default."""
    raw = request.form.get(name, "")
    if not raw:
        return None
    value = provider_int(raw, maximum)
    if value is None and strict:
        abort(400, description=f"{name} is not a number the provider sends")
    return value


def form_text(name: str, limit: int) -> str:
    return provider_text(request.form.get(name, ""), limit).strip()
