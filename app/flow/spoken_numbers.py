"""Placeholder until the self-service helper lands the full parser (same API)."""

from __future__ import annotations

import re

_WORDS = {"zero": "0", "oh": "0", "o": "0", "one": "1", "two": "2", "three": "3",
          "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9"}


def spoken_to_digits(text: str) -> str | None:
    out = []
    for word in re.findall(r"[a-z]+|\d+", text.lower()):
        if word.isdigit():
            out.append(word)
        elif word in _WORDS:
            out.append(_WORDS[word])
    return "".join(out) or None


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return bool(digits) and total % 10 == 0
