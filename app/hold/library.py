"""The hold audio library in the database: imported segments become playable rows.

Each segment's telephony file is stored in the database (HoldAudio, by content hash) in
the same transaction as its row, so any app server that sees the row can play it. The
machine's AUDIO_DIR/library is a cache: the importing machine has the file already,
another one writes it on its first request and serves it from disk after that.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite

from ..models import db
from .kinds import ChannelKind
from .models import HoldAudio, HoldChannel, HoldSegment

# Both of our databases can skip a row whose content hash is already stored, even when
# two machines import the same file at once.
INSERT_IGNORING_DUPLICATES: dict[str, Callable[..., Any]] = {
    "postgresql": postgresql.insert, "sqlite": sqlite.insert}


def library_dir() -> Path:
    return Path(current_app.config["AUDIO_DIR"]) / "library"


def segment_file(segment: HoldSegment) -> Path:
    """Where this machine keeps the segment's file (named by its content hash)."""
    return library_dir() / segment.channel.key / segment.file_name


def playable_file(segment: HoldSegment) -> Path:
    """The segment's file on this machine's disk, fetched from the database on first use;
    FileNotFoundError when neither has it."""
    path = segment_file(segment)
    if not path.is_file():
        audio = db.session.get(HoldAudio, segment.sha256)
        if audio is None:
            raise FileNotFoundError(f"hold segment {segment.id} has no audio anywhere")
        cache(path, audio.wav)
    return path


def cache(path: Path, wav: bytes) -> None:
    """Written under a temporary name, then renamed: a thread serving the same segment
    never reads half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".cache-", delete=False) as out:
        out.write(wav)
    os.replace(out.name, path)


def store_audio(infos: Iterable) -> None:
    """Put the imported files in the database, so every machine can play them."""
    insert = INSERT_IGNORING_DUPLICATES[db.session.get_bind().dialect.name]
    for sha256, info in {info.sha256: info for info in infos}.items():
        wav = (library_dir() / info.channel / info.file_name).read_bytes()
        db.session.execute(insert(HoldAudio).values(sha256=sha256, wav=wav)
                           .on_conflict_do_nothing(index_elements=["sha256"]))


def channel_named(key: str) -> HoldChannel:
    channel = db.session.scalar(select(HoldChannel).where(HoldChannel.key == key))
    if channel is None or not channel.kind.plays_audio:
        known = db.session.scalars(select(HoldChannel.key).where(
            HoldChannel.kind.in_(ChannelKind.with_audio()))).all()
        raise ValueError(f"no audio channel {key!r}; audio channels: {', '.join(known)}")
    return channel


def record_segments(channel: HoldChannel, infos: Iterable, weekday: int | None = None,
                    language: str | None = None) -> int:
    """Add imported segments after the channel's existing ones (in play order); with a
    language, only callers in that language hear them."""
    infos = list(infos)
    store_audio(infos)
    position = db.session.scalar(select(func.max(HoldSegment.position)).where(
        HoldSegment.channel_id == channel.id)) or 0
    count = 0
    for info in infos:
        position += 1
        count += 1
        db.session.add(HoldSegment(
            channel=channel, track=info.title[:120], title=f"{info.title} ({info.part}/"
            f"{info.parts})"[:120], file_name=info.file_name, sha256=info.sha256,
            duration_s=info.duration_s, position=position, weekday=weekday,
            language=language))
    return count


def channels_without_audio() -> set[str]:
    """Keys of the audio channels that have no segment yet."""
    filled = select(HoldSegment.channel_id).distinct()
    return set(db.session.scalars(select(HoldChannel.key).where(
        HoldChannel.kind.in_(ChannelKind.with_audio()), HoldChannel.id.not_in(filled))))
