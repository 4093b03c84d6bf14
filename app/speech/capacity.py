"""Per-process cap on concurrent recognizers, so calls above it fall back to provider speech."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class Token:
    """Proof of one held recognizer slot; give it back with release()."""

    pool_id: int
    number: int


class RecognizerPool:
    """Counts recognizer slots; never blocks, because a caller must not wait in silence."""

    _ids = itertools.count(1)

    def __init__(self, capacity: int) -> None:
        if capacity < 0:
            raise ValueError("capacity must be >= 0")
        self.capacity = capacity
        self._id = next(self._ids)
        self._numbers = itertools.count(1)
        self._held: set[Token] = set()
        self._lock = threading.Lock()
        self.refused = 0  # how many asks found the pool full (for metrics)

    @property
    def in_use(self) -> int:
        """Slots held right now."""
        with self._lock:
            return len(self._held)

    def try_acquire(self) -> Token | None:
        """A slot token, or None when the pool is full."""
        with self._lock:
            if len(self._held) >= self.capacity:
                self.refused += 1
                return None
            token = Token(self._id, next(self._numbers))
            self._held.add(token)
            return token

    def release(self, token: Token | None) -> None:
        """Give a slot back; releasing None, twice, or a foreign token does nothing."""
        if token is None:
            return
        with self._lock:
            self._held.discard(token)

    @contextmanager
    def slot(self) -> Iterator[Token | None]:
        """`with pool.slot() as token:` token is None when full; released on exit."""
        token = self.try_acquire()
        try:
            yield token
        finally:
            self.release(token)
