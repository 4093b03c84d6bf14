"""Hold content and per-call hold sessions. Hold state lives here because the provider
re-requests the waitUrl and any worker may answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..models import Call, Model, utcnow
from .kinds import ChannelKind

# Stored as its name in a VARCHAR(12), as before there was an enum: no migration, and a
# value that is no declared kind fails loudly when read.
# Hold content made before there were lines, or by code that names none, is the first
# line's (the demo's). A line is named by its menu's name (app/lines.py).
FIRST_LINE = "northwind-main"
LINE_NAME = 60  # as long as a menu's name

KIND_COLUMN = Enum(ChannelKind, native_enum=False, create_constraint=False, length=12,
                   values_callable=lambda kinds: [k.value for k in kinds])


class HoldChannel(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(30), unique=True)  # jazz, tips, quiz, callback
    line: Mapped[str] = mapped_column(String(LINE_NAME), index=True, default=FIRST_LINE)
    name: Mapped[str] = mapped_column(String(60))  # what callers hear and say
    kind: Mapped[ChannelKind] = mapped_column(KIND_COLUMN)
    digit: Mapped[str] = mapped_column(String(1))
    phrases: Mapped[list[str]] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    segments: Mapped[list[HoldSegment]] = relationship(
        back_populates="channel", order_by="HoldSegment.position")

    @validates("kind")
    def _a_declared_kind(self, _: str, kind: str) -> ChannelKind:
        # "music" as well as ChannelKind.MUSIC; else ValueError. (mypy reads a call by value
        # as a call of the members' two-argument __new__.)
        return ChannelKind(kind)  # type: ignore[call-arg]


class HoldSegment(Model):
    """A 20-45 s piece of a track: 8 kHz mu-law WAV kept in HoldAudio, cached on each
    machine's disk under AUDIO_DIR/library."""

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("hold_channel.id"), index=True)
    track: Mapped[str] = mapped_column(String(120))  # play history is kept per track
    title: Mapped[str] = mapped_column(String(120), default="")
    file_name: Mapped[str] = mapped_column(String(120))  # content hash: never caller-chosen
    sha256: Mapped[str] = mapped_column(String(64))
    duration_s: Mapped[float] = mapped_column(default=0.0)
    position: Mapped[int] = mapped_column(default=0)
    weekday: Mapped[int | None]  # tips/podcast: the day of week it plays (0 = Monday)
    # Spoken content in one language ("ko"): only callers in it hear it. None: everyone.
    language: Mapped[str | None] = mapped_column(String(12), default=None)
    channel: Mapped[HoldChannel] = relationship(back_populates="segments")


class HoldAudio(Model):
    """A segment's telephony file, by content hash: every machine plays what one imported."""

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    wav: Mapped[bytes] = mapped_column(LargeBinary)


class QuizQuestion(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    line: Mapped[str] = mapped_column(String(LINE_NAME), index=True, default=FIRST_LINE)
    question: Mapped[str] = mapped_column(String(300))
    choices: Mapped[list[str]] = mapped_column(JSON)
    answer: Mapped[int]  # index into choices
    fact: Mapped[str] = mapped_column(String(300), default="")
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)


class HoldSession(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id"), unique=True)
    queue: Mapped[str] = mapped_column(String(40), index=True)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    entry_position: Mapped[int | None]
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    outcome: Mapped[str | None] = mapped_column(String(20))  # answered|abandoned|callback
    ended_at: Mapped[datetime | None]
    wait_s: Mapped[int | None]
    claimed_by: Mapped[int | None] = mapped_column(ForeignKey("agent_profile.id"))
    call: Mapped[Call] = relationship()


class PlayHistory(Model):
    """Which tracks a number heard, so the next call brings something new. The number is
    kept as a keyed hash, not in clear."""

    id: Mapped[int] = mapped_column(primary_key=True)
    caller_hash: Mapped[str] = mapped_column(String(64), index=True)
    track: Mapped[str] = mapped_column(String(120))
    heard_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class CallbackRequest(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id"))
    number: Mapped[str] = mapped_column(String(20))
    queue: Mapped[str] = mapped_column(String(40), index=True)
    joined_at: Mapped[datetime] = mapped_column(index=True)  # their original place in line
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(index=True)  # a retry waits until
    last_result: Mapped[str | None] = mapped_column(String(20))  # no-answer, busy, failed...
    call: Mapped[Call] = relationship()


class PodcastFeed(Model):
    """An RSS/Atom feed whose newest episodes play on a spoken channel. A refresh that fails
    records why and leaves the episodes already imported playing."""

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("hold_channel.id"), index=True)
    url: Mapped[str] = mapped_column(String(500), unique=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    checked_at: Mapped[datetime | None]
    ok_at: Mapped[datetime | None]  # the last refresh that could read the feed
    error: Mapped[str | None] = mapped_column(String(300))  # the last refresh's problem
    channel: Mapped[HoldChannel] = relationship()
    episodes: Mapped[list[PodcastEpisode]] = relationship(
        back_populates="feed", order_by="PodcastEpisode.published_at.desc()",
        cascade="all, delete-orphan")


class PodcastEpisode(Model):
    """One feed entry seen: imported (its segments carry `track`), refused (with the reason,
    not tried again) or retired (older than the episodes kept; its segments are gone)."""

    __table_args__ = (UniqueConstraint("feed_id", "guid"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("podcast_feed.id"), index=True)
    guid: Mapped[str] = mapped_column(String(500))
    title: Mapped[str] = mapped_column(String(200))
    published_at: Mapped[datetime | None]
    track: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(12))  # imported | refused | retired
    error: Mapped[str | None] = mapped_column(String(300))
    duration_s: Mapped[float] = mapped_column(default=0.0)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    feed: Mapped[PodcastFeed] = relationship(back_populates="episodes")
