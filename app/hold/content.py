"""A line's hold content (channels, segments, feeds, quiz), read once per process.

Every waitUrl request of every caller needs it, and it changes only when an operator
edits it, so a worker keeps what it read for CONTENT_TTL_S seconds. A change this
process commits through the session (ORM objects, or an ORM UPDATE/DELETE of these
tables) clears it at once; another worker's change is heard here within the TTL (a
caller's next waitUrl request comes 20-45 s later anyway). Rows are kept raw: what
depends on the caller (language, date, the daily rotation) is worked out per request.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any, cast

from flask import current_app
from sqlalchemy import Table, bindparam, event, select
from sqlalchemy.orm import ORMExecuteState, Session

from .models import HoldAudio, HoldChannel, HoldSegment, PodcastFeed, QuizQuestion

CONTENT_TTL_S = 5.0
CONTENT = (HoldChannel, HoldSegment, HoldAudio, PodcastFeed, QuizQuestion)
TOUCHED = "holdline.hold_content_touched"
CACHE = "holdline.hold_content"

_channels = cast(Table, HoldChannel.__table__)
_segments = cast(Table, HoldSegment.__table__)
_feeds = cast(Table, PodcastFeed.__table__)
_quiz = cast(Table, QuizQuestion.__table__)
CHANNELS = (select(_channels.c.id, _channels.c.key, _channels.c.name, _channels.c.kind,
                   _channels.c.digit, _channels.c.phrases)
            .where(_channels.c.active.is_(True), _channels.c.line == bindparam("line"))
            .order_by(_channels.c.position))
SEGMENTS = (select(_segments.c.channel_id, _segments.c.id, _segments.c.track,
                   _segments.c.sha256, _segments.c.weekday, _segments.c.language)
            .where(_segments.c.channel_id.in_(bindparam("channels", expanding=True)))
            .order_by(_segments.c.channel_id, _segments.c.position, _segments.c.id))
FED = select(_feeds.c.channel_id).where(
    _feeds.c.channel_id.in_(bindparam("channels", expanding=True)))
QUIZ = (select(_quiz.c.id, _quiz.c.question, _quiz.c.choices, _quiz.c.answer, _quiz.c.fact)
        .where(_quiz.c.active.is_(True), _quiz.c.line == bindparam("line"))
        .order_by(_quiz.c.position))


@dataclass(frozen=True)
class LineContent:
    channels: tuple[Any, ...]  # rows: id, key, name, kind (its value), digit, phrases
    segments: tuple[Any, ...]  # rows: channel_id, id, track, sha256, weekday, language
    fed: frozenset[int]  # channels whose segments are a podcast's (kept in feed order)
    questions: tuple[Any, ...]  # rows: id, question, choices, answer, fact


class _Cache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.lines: dict[str, tuple[float, int, LineContent]] = {}
        self.generation = 0  # bumped by every change this process commits

    def clear(self) -> None:
        with self.lock:
            self.generation += 1
            self.lines.clear()


def _cache() -> _Cache:
    return current_app.extensions.setdefault(CACHE, _Cache())


def of_line(line: str, connection) -> LineContent:
    """The line's active content, from this process's copy when it is fresh."""
    cache, now = _cache(), time.monotonic()
    kept = cache.lines.get(line)
    if kept is not None and now - kept[0] < current_app.config.get(
            "HOLD_CONTENT_TTL_S", CONTENT_TTL_S):
        return kept[2]
    generation = cache.generation
    content = read(line, connection)
    with cache.lock:
        if cache.generation == generation:  # not read across a change committed meanwhile
            cache.lines[line] = (now, generation, content)
    return content


def read(line: str, connection) -> LineContent:
    channels = tuple(connection.execute(CHANNELS, {"line": line}))
    ids = [row.id for row in channels]
    if not ids:
        return LineContent((), (), frozenset(), tuple(connection.execute(QUIZ, {"line": line})))
    return LineContent(channels, tuple(connection.execute(SEGMENTS, {"channels": ids})),
                       frozenset(connection.scalars(FED, {"channels": ids})),
                       tuple(connection.execute(QUIZ, {"line": line})))


def _is_content(obj: object) -> bool:
    return isinstance(obj, CONTENT)


@event.listens_for(Session, "after_flush")
def _note_changes(session: Session, _context) -> None:
    if any(map(_is_content, (*session.new, *session.dirty, *session.deleted))):
        session.info[TOUCHED] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statements(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete or state.is_insert) and any(
            mapper.class_ in CONTENT for mapper in state.all_mappers):
        state.session.info[TOUCHED] = True


@event.listens_for(Session, "after_commit")
def _clear_if_changed(session: Session) -> None:
    if session.info.pop(TOUCHED, False) and current_app:
        _cache().clear()


@event.listens_for(Session, "after_rollback")
def _nothing_changed(session: Session) -> None:
    session.info.pop(TOUCHED, None)
