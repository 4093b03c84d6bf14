"""A line's hold content (channels, segments, feeds, quiz), read once per process.

Every waitUrl request of every caller needs it, and it changes only when an operator
edits it, so a worker keeps what it read for CONTENT_TTL_S seconds (app/process_cache.py:
a change this process commits clears it at once; another worker's change is heard here
within the TTL, and a caller's next waitUrl request comes 20-45 s later anyway). Rows are
kept raw: what depends on the caller (language, date, the daily rotation) is worked out
per request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, bindparam, select

from ..process_cache import ProcessCache
from .models import HoldAudio, HoldChannel, HoldSegment, PodcastFeed, QuizQuestion

CONTENT_TTL_S = 5.0
CONTENT = (HoldChannel, HoldSegment, HoldAudio, PodcastFeed, QuizQuestion)

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


CACHE = ProcessCache("holdline.hold_content", CONTENT, "HOLD_CONTENT_TTL_S", CONTENT_TTL_S)


def of_line(line: str, connection) -> LineContent:
    """The line's active content, from this process's copy when it is fresh."""
    return CACHE.get(line, lambda: read(line, connection))


def read(line: str, connection) -> LineContent:
    channels = tuple(connection.execute(CHANNELS, {"line": line}))
    ids = [row.id for row in channels]
    if not ids:
        return LineContent((), (), frozenset(), tuple(connection.execute(QUIZ, {"line": line})))
    return LineContent(channels, tuple(connection.execute(SEGMENTS, {"channels": ids})),
                       frozenset(connection.scalars(FED, {"channels": ids})),
                       tuple(connection.execute(QUIZ, {"line": line})))
