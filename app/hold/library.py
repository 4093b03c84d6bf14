"""The hold audio library in the database: imported segments become playable rows."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from ..models import db
from .kinds import ChannelKind
from .models import HoldChannel, HoldSegment


def library_dir() -> Path:
    return Path(current_app.config["AUDIO_DIR"]) / "library"


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


def is_empty() -> bool:
    return db.session.scalar(select(func.count(HoldSegment.id))) == 0
