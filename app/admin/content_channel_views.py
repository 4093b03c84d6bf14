"""Hold channels made and removed in the operator app, of any declared kind. A channel
must have something to play when it is made (a track, or quiz questions), and removing
one moves its listeners on to the house music at their next piece."""

from __future__ import annotations

import re

from flask import abort, render_template, request
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from ..auth import audit, role_required
from ..hold.audio import AudioImportError
from ..hold.kinds import ChannelKind
from ..hold.library import record_segments
from ..hold.models import (
    HoldChannel,
    HoldSegment,
    HoldSession,
    PodcastFeed,
    QuizQuestion,
)
from ..models import db
from .content_text_views import quiz_rows
from .content_views import (
    all_channels,
    imported,
    read_channel,
    render_channels,
    row_problems,
    track_title,
)
from .line_filter import posted_line
from .views import bp, done

KEY = re.compile(r"[a-z][a-z0-9_]{0,29}")


@bp.post("/content/channels/new")
@role_required("operator")
def create_channel():
    """Nothing is saved unless every field is right and the first track imports."""
    channels, line = all_channels(), posted_line("new-line")
    row, kind = read_channel("new"), posted_kind()
    row["position"] = max((c.position for c in channels if c.line == line), default=0) + 1
    key = request.form.get("new-key", "").strip()
    problems = new_channel_problems(channels, key, kind, row, line)
    if problems:
        return render_channels(channels, problems, 422)
    assert kind is not None  # (new_channel_problems names a missing kind)
    infos = []
    if kind.plays_audio:
        upload = request.files["audio"]
        try:
            infos = imported(upload, key, track_title(upload))
        except AudioImportError as exc:
            return render_channels(channels, [f"audio: Not uploaded: {exc}."], 422)
    channel = HoldChannel(key=key, kind=kind, line=line, **row)
    try:
        with db.session.begin_nested():
            db.session.add(channel)
    except IntegrityError:  # another operator made this key meanwhile
        return render_channels(all_channels(), [f"key: a channel called {key!r} exists "
                                                "already."], 422)
    if infos:
        record_segments(channel, infos)
    audit("channel.create", key, kind=str(kind), name=row["name"], digit=row["digit"],
          segments=len(infos))
    return done(f"Added the {kind} channel {row['name']!r} on digit {row['digit']}.",
                "admin.content")


def posted_kind() -> ChannelKind | None:
    value = request.form.get("new-kind", "")
    return next((kind for kind in ChannelKind if kind.value == value), None)


def new_channel_problems(channels: list[HoldChannel], key: str, kind: ChannelKind | None,
                         row: dict, line: str) -> list[str]:
    """Each problem starts with the field it is about. Keys are unique across lines (they
    name the channel in addresses and reports); digits and the callback within a line."""
    problems = [f"{field}: {problem}" for field, problem in row_problems(row)]
    if not KEY.fullmatch(key):
        problems.append("key: 1 to 30 lower-case letters, digits or _, starting with a letter.")
    elif key in {c.key for c in channels}:
        problems.append(f"key: a channel called {key!r} exists already.")
    channels = [c for c in channels if c.line == line]  # what this line's callers choose from
    holder = next((c for c in channels if c.digit == row["digit"]), None)
    if holder is not None:
        problems.append(f"digit: {row['digit']} is already the digit of {holder.key}.")
    if kind is None:
        problems.append("kind: choose one of " + ", ".join(ChannelKind) + ".")
    else:
        problems += content_problems(channels, kind, line)
    return problems


def content_problems(channels: list[HoldChannel], kind: ChannelKind, line: str) -> list[str]:
    """What a channel of this kind needs before callers may choose it."""
    if kind.plays_audio:
        upload = request.files.get("audio")
        return [] if upload is not None and upload.filename else [
            f"audio: a {kind} channel needs its first track; choose an audio file."]
    if kind is ChannelKind.QUIZ and not active_questions(line):
        return ["kind: the quiz has no questions in it; add one on the Quiz page first."]
    if kind is ChannelKind.CALLBACK and (other := next(
            (c for c in channels if c.kind is ChannelKind.CALLBACK), None)):
        return [f"kind: callers have a callback channel already ({other.key})."]
    return []


def active_questions(line: str) -> int:
    return db.session.scalar(quiz_rows(func.count(QuizQuestion.id), line=line)
                             .where(QuizQuestion.active.is_(True))) or 0


def channel_keyed(key: str) -> HoldChannel:
    return next((c for c in all_channels() if c.key == key), None) or abort(404)


def listening(channel: HoldChannel) -> int:
    """Callers waiting now whose hold is on this channel."""
    states = db.session.scalars(select(HoldSession.state).where(
        HoldSession.ended_at.is_(None), HoldSession.outcome.is_(None)))
    return sum((state or {}).get("channel") == channel.key for state in states)


@bp.get("/content/channels/<key>/delete")
@role_required("operator")
def confirm_delete_channel(key: str):
    channel = channel_keyed(key)
    tracks = db.session.scalar(select(func.count(func.distinct(HoldSegment.track)))
                               .where(HoldSegment.channel_id == channel.id))
    feeds = db.session.scalars(select(PodcastFeed).where(
        PodcastFeed.channel_id == channel.id)).all()
    return render_template("admin/content/channel_delete.html", channel=channel,
                           tracks=tracks, feeds=feeds, listening=listening(channel))


@bp.post("/content/channels/<key>/delete")
@role_required("operator")
def delete_channel(key: str):
    """Its rows go; the audio files stay (content-addressed, maybe shared or playing)."""
    channel = channel_keyed(key)
    if request.form.get("confirm") != key:
        abort(400)  # only the confirm page posts this
    moved = listening(channel)
    for feed in db.session.scalars(select(PodcastFeed).where(
            PodcastFeed.channel_id == channel.id)):
        db.session.delete(feed)  # (its episodes go with it)
    db.session.execute(delete(HoldSegment).where(HoldSegment.channel_id == channel.id))
    db.session.delete(channel)
    audit("channel.delete", key, kind=str(channel.kind), name=channel.name,
          callers_moved=moved)
    return done(f"Deleted the channel {channel.name!r}." + (
        f" {moved} caller{'s' if moved != 1 else ''} listening hear the house music from "
        "their next piece." if moved else ""), "admin.content")
