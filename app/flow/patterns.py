"""Operator-written patterns (a collect node's `pattern`), matched by RE2 in linear time:
no pattern can make a caller's turn backtrack for seconds ("(1+)+2" against 27 ones)."""

from __future__ import annotations

import functools

import re2

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # a refused pattern is reported to the operator, not to stderr


class PatternError(ValueError):
    """The pattern is not one RE2 runs (bad syntax, backreferences, lookaround)."""


@functools.lru_cache(maxsize=256)
def compile_pattern(pattern: str) -> re2._Regexp:
    try:
        return re2.compile(pattern, _OPTIONS)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        raise PatternError(reason.decode() if isinstance(reason, bytes) else str(reason)) \
            from None


def full_match(pattern: str, value: str) -> bool:
    return compile_pattern(pattern).fullmatch(value) is not None
