"""Hold content: the channels callers pick from and the tracks they hear, uploaded
through the audio pipeline. Quiz questions and SMS forms are in content_text_views."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from flask import abort, render_template, request
from flask_login import current_user
from sqlalchemy import delete, distinct, func, select, update
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import secure_filename

from ..auth import audit, role_required
from ..auth.lines import lines_of, owned
from ..hold.audio import AudioImportError, import_audio
from ..hold.kinds import ChannelKind
from ..hold.library import channel_named, library_dir, record_segments
from ..hold.models import HoldChannel, HoldSegment, PodcastFeed
from ..models import db
from .line_filter import chosen_line, known_lines, new_line
from .views import bp, done

UPLOAD_LIMIT = 50 * 1024 * 1024  # a long podcast episode as mp3
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MAX_PHRASES, MAX_PHRASE_CHARS = 10, 40
UPLOADS = ("admin.upload_track", "admin.create_channel")  # the endpoints that take audio


class TrackTooLarge(RequestEntityTooLarge):
    """Its own class, so the menus' 413 page does not answer for an upload."""


@bp.url_value_preprocessor
def allow_track_uploads(endpoint, values) -> None:
    """Only signed-in operators may send a body this large (runs before CSRF reads it)."""
    if request.method != "POST" or endpoint not in UPLOADS \
            or not current_user.is_authenticated or current_user.role not in ("operator",
                                                                               "admin"):
        return
    if (request.content_length or 0) > UPLOAD_LIMIT:
        raise TrackTooLarge()
    request.max_content_length = UPLOAD_LIMIT


@bp.errorhandler(TrackTooLarge)
def track_too_large(_error):
    limit = f"Not uploaded: a file may be at most {UPLOAD_LIMIT // 2**20} MB."
    if request.endpoint == "admin.create_channel":
        return render_channels(all_channels(), [f"audio: {limit}"], 413)
    try:
        channel = channel_named((request.view_args or {}).get("key", ""))
    except ValueError:
        return "no such channel", 404  # an error handler must not abort again
    return render_channel(channel, status=413, upload_error=limit)


@dataclass
class Track:
    """The segments cut from one upload, shown and changed together."""

    name: str
    segments: int
    duration_s: float
    weekday: int | None

    @property
    def length(self) -> str:
        return f"{int(self.duration_s // 60)}:{int(self.duration_s % 60):02d}"


def tracks_of(channel: HoldChannel) -> list[Track]:
    tracks: dict[str, Track] = {}
    for segment in channel.segments:
        track = tracks.setdefault(segment.track, Track(segment.track, 0, 0.0, segment.weekday))
        track.segments += 1
        track.duration_s += segment.duration_s
    return list(tracks.values())


def audio_channel(key: str) -> HoldChannel:
    try:
        return owned(channel_named(key))
    except ValueError:
        abort(404)


@bp.get("/content")
@role_required("operator")
def content():
    return render_channels(all_channels(chosen_line()))


def all_channels(line: str | None = None) -> list[HoldChannel]:
    """Every line's channels, or one line's (each line's callers hear only theirs): the one
    query of them here."""
    query = select(HoldChannel).order_by(HoldChannel.line, HoldChannel.position, HoldChannel.id)
    if line:
        query = query.where(HoldChannel.line == line)
    elif (allowed := lines_of()) is not None:  # the lines of a limited operator
        query = query.where(HoldChannel.line.in_(allowed))
    return list(db.session.scalars(query))


def render_channels(channels: list[HoldChannel], errors=(), status: int = 200):
    totals = {channel_id: (tracks, seconds) for channel_id, tracks, seconds in db.session.execute(
        select(HoldSegment.channel_id, func.count(distinct(HoldSegment.track)),
               func.sum(HoldSegment.duration_s)).group_by(HoldSegment.channel_id))}
    feeds = db.session.scalars(select(PodcastFeed).order_by(PodcastFeed.id)).all()
    return render_template("admin/content/index.html", channels=channels, totals=totals,
                           errors=errors, feeds=feeds, kinds=list(ChannelKind),
                           lines=known_lines(), line=chosen_line(), first_line=new_line(),
                           form=request.form if request.endpoint == "admin.save_channels"
                           else {}, new=request.form if request.endpoint ==
                           "admin.create_channel" else {}), status


@bp.post("/content/channels")
@role_required("operator")
def save_channels():
    """All rows (of the line shown) at once, so two channels can swap digits in one save."""
    channels = all_channels(chosen_line())
    posted = {channel.key: read_channel(channel.key) for channel in channels}
    errors = channel_problems(channels, posted)
    if errors:
        return render_channels(channels, errors, 422)
    changed = 0
    for channel in channels:
        changes = {field: value for field, value in posted[channel.key].items()
                   if getattr(channel, field) != value}
        if changes:
            for field, value in changes.items():
                setattr(channel, field, value)
            audit("channel.edit", channel.key, **changes)
            changed += 1
    return done(f"Saved {changed} channel{'s' if changed != 1 else ''}." if changed
                else "Nothing changed.",
                "admin.content", **({"line": line} if (line := chosen_line()) else {}))


def read_channel(key: str) -> dict:
    def field(name: str) -> str:
        return " ".join(request.form.get(f"{key}-{name}", "").split())

    return {"name": field("name"), "digit": field("digit"),
            "phrases": [p.strip() for p in field("phrases").split(",") if p.strip()],
            "position": int(field("position")) if field("position").isdigit() else -1,
            "active": request.form.get(f"{key}-active") == "on"}


def channel_problems(channels: list[HoldChannel], posted: dict[str, dict]) -> list[str]:
    problems = [f"{channel.key}: {problem}" for channel in channels
                for _, problem in row_problems(posted[channel.key])]
    for line in sorted({channel.line for channel in channels}):  # a line's callers' digits
        rows = {c.key: posted[c.key] for c in channels if c.line == line}
        digits = [row["digit"] for row in rows.values()]
        for digit in sorted({d for d in digits if digits.count(d) > 1}):
            holders = ", ".join(key for key, row in rows.items() if row["digit"] == digit)
            problems.append(f"Digit {digit} is given to more than one channel ({holders}).")
    return problems


def row_problems(row: dict) -> list[tuple[str, str]]:
    """One channel's name, digit, phrases and order: (field, problem) pairs."""
    problems = []
    if not 1 <= len(row["name"]) <= 60:
        problems.append(("name", "the name needs 1 to 60 characters."))
    if len(row["digit"]) != 1 or row["digit"] not in "123456789":
        problems.append(("digit", "the digit must be one of 1 to 9."))
    if not row["phrases"]:
        problems.append(("phrases", "give at least one phrase callers may say."))
    elif len(row["phrases"]) > MAX_PHRASES or \
            max(map(len, row["phrases"])) > MAX_PHRASE_CHARS:
        problems.append(("phrases", f"at most {MAX_PHRASES} phrases of up to "
                                    f"{MAX_PHRASE_CHARS} characters."))
    if not 0 <= row["position"] <= 99:
        problems.append(("order", "the order must be a number from 0 to 99."))
    return problems


@bp.get("/content/channels/<key>")
@role_required("operator")
def channel_page(key: str):
    return render_channel(audio_channel(key))


def render_channel(channel: HoldChannel, status: int = 200, **upload):
    return render_template("admin/content/channel.html", channel=channel,
                           tracks=tracks_of(channel), weekdays=WEEKDAYS,
                           limit_mb=UPLOAD_LIMIT // 2**20, **upload), status


@bp.post("/content/channels/<key>/tracks")
@role_required("operator")
def upload_track(key: str):
    """Nothing is written unless the pipeline accepts the file: it imports all or none."""
    channel = audio_channel(key)
    upload = request.files.get("audio")
    if upload is None or not upload.filename:
        return render_channel(channel, 422, upload_error="Choose an audio file to upload.")
    title = track_title(upload)
    if title in {track.name for track in tracks_of(channel)}:
        return render_channel(channel, 422, upload_error=f"Not uploaded: {channel.name} "
                              f"already has a track called {title!r}. Delete it first or "
                              "give this one another title.")
    try:
        infos = imported(upload, channel.key, title)
    except AudioImportError as exc:
        return render_channel(channel, 422, upload_error=f"Not uploaded: {exc}.")
    weekday = schedule_day() if channel.kind.by_weekday else None
    record_segments(channel, infos, weekday)
    seconds = sum(info.duration_s for info in infos)
    audit("track.upload", f"{key}/{title}", segments=len(infos), duration_s=round(seconds, 1),
          weekday=weekday)
    return done(f"Added {title!r} to {channel.name}: {len(infos)} segment"
                f"{'s' if len(infos) != 1 else ''}, {Track(title, 0, seconds, None).length}.",
                "admin.channel_page", key=key)


def track_title(upload) -> str:
    return " ".join(request.form.get("title", "").split())[:120] \
        or Path(upload.filename).stem[:120] or "Untitled"


def imported(upload, key: str, title: str) -> list:
    """The upload through the audio pipeline into the library folder of channel `key`:
    all segments or none (AudioImportError says why)."""
    with tempfile.TemporaryDirectory(prefix="holdline-upload-") as folder:
        source = Path(folder) / (secure_filename(upload.filename) or "upload")
        upload.save(source)
        return import_audio(source, key, library_dir(), title=title, max_bytes=UPLOAD_LIMIT)


def schedule_day() -> int | None:
    """The weekday select: "" plays every day, 0-6 only on that day (0 = Monday)."""
    day = request.form.get("weekday", "")
    return int(day) if day.isdigit() and int(day) < len(WEEKDAYS) else None


def posted_track(channel: HoldChannel) -> str:
    track = request.form.get("track", "")
    return track if track in {t.name for t in tracks_of(channel)} else abort(404)


@bp.post("/content/channels/<key>/tracks/delete")
@role_required("operator")
def delete_track(key: str):
    """Removes the rows; the content-addressed files stay (a call may be playing one)."""
    channel = audio_channel(key)
    track = posted_track(channel)
    db.session.execute(delete(HoldSegment).where(HoldSegment.channel_id == channel.id,
                                                 HoldSegment.track == track))
    audit("track.delete", f"{key}/{track}")
    return done(f"Deleted {track!r} from {channel.name}.", "admin.channel_page", key=key)


@bp.post("/content/channels/<key>/tracks/weekday")
@role_required("operator")
def schedule_track(key: str):
    channel = audio_channel(key)
    track = posted_track(channel)
    if not channel.kind.by_weekday:
        abort(400)
    weekday = schedule_day()
    db.session.execute(update(HoldSegment).where(HoldSegment.channel_id == channel.id,
                                                 HoldSegment.track == track)
                       .values(weekday=weekday))
    audit("track.schedule", f"{key}/{track}", weekday=weekday)
    when = "every day" if weekday is None else "on " + WEEKDAYS[weekday]
    return done(f"{track!r} now plays {when}.", "admin.channel_page", key=key)

