"""Live pages by Server-Sent Events: the agent console and the wallboard.

A stream sends the page's whole state first (so a reconnecting EventSource recovers it),
then checks it every LIVE_TICK_S and sends it again only when its digest changed; the
event id is that digest. Under gunicorn's gthread workers a stream holds one of the
worker's threads, so it is bounded twice, that webhooks are never starved: it ends after
LIVE_STREAM_S (EventSource reconnects by itself, after `retry`), and a worker serves at
most LIVE_STREAMS_PER_WORKER at once; past that the page is answered 204, which tells
EventSource not to reconnect, and the page polls instead (app/static/live.js).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterator

from flask import Response, current_app, stream_with_context

from .models import db

RETRY_MS = 2000  # how long EventSource waits before it reconnects
KEEP_ALIVE_S = 5  # a comment this often: a closed page ends its stream at the next write


class StreamSlots:
    """A worker's open streams, counted under a lock (gthread: one thread per request)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.open = 0

    def take(self, cap: int) -> bool:
        with self._lock:
            if self.open >= cap:
                return False
            self.open += 1
            return True

    def give_back(self) -> None:
        with self._lock:
            self.open -= 1


slots = StreamSlots()


def as_text(state: dict) -> str:
    return json.dumps(state, sort_keys=True, default=str)


def digest(state: dict) -> str:
    """The event id: the same state always gives the same id."""
    return hashlib.sha256(as_text(state).encode()).hexdigest()[:16]


def stream(state: Callable[[], dict]) -> Response:
    """The response for one page's stream; state() is the page's JSON, read each tick."""
    config = current_app.config
    if not slots.take(config["LIVE_STREAMS_PER_WORKER"]):
        return Response(status=204)  # this worker is full: the page polls instead
    response = Response(stream_with_context(_events(state, config["LIVE_TICK_S"],
                                                    config["LIVE_STREAM_S"])),
                        mimetype="text/event-stream",
                        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
    # The server closes the body when the stream ends or the page went away, even if it
    # never started it (a generator's own finally would not run then).
    response.call_on_close(slots.give_back)
    return response


def _events(state: Callable[[], dict], tick_s: float, lifetime_s: float) -> Iterator[str]:
    """The stream's text. Between ticks no database connection is held: each tick ends
    its transaction (which returns the connection to the pool), so open streams never use
    up the pool or pin a snapshot."""
    yield f"retry: {RETRY_MS}\n\n"
    start = last_write = time.monotonic()
    sent = None
    while True:
        now_state = state()
        db.session.commit()
        ident = digest(now_state)
        if ident != sent:
            sent = ident
            last_write = time.monotonic()
            yield f"id: {ident}\ndata: {as_text(now_state)}\n\n"
        elif time.monotonic() - last_write >= KEEP_ALIVE_S:
            last_write = time.monotonic()
            yield ": still here\n\n"
        if time.monotonic() - start + tick_s > lifetime_s:
            return  # EventSource reconnects and gets the whole state again
        time.sleep(tick_s)
