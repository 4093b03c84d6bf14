"""Podcast channels fed by RSS/Atom: new episodes come in through the audio pipeline.

A refresh reads the feed (feedparser), takes its newest episodes, downloads each one into a
scratch folder and imports it like an operator upload, all of it or nothing. Every request,
redirects included, goes through the lookup connector's SSRF guard, with a size cap checked
on the declared length and on the bytes received. A feed or episode that fails is recorded
with its reason; what already plays stays.
"""

from __future__ import annotations

import calendar
import logging
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from urllib.parse import urljoin, urlsplit

import feedparser
from flask import current_app
from sqlalchemy import delete, select

from ..models import db, utcnow
from ..selfservice.http_lookup import LookupFailed, open_guarded, stream_body
from .audio import AudioImportError, import_audio
from .library import library_dir, record_segments
from .models import HoldChannel, HoldSegment, PodcastEpisode, PodcastFeed

log = logging.getLogger(__name__)

FEED_MAX_BYTES = 5 * 1024 * 1024
FEED_TIMEOUT_S = 20.0
MAX_REDIRECTS = 5
REDIRECTS = (301, 302, 303, 307, 308)
AUDIO_EXTENSIONS = {".mp3", ".m4a", ".aac", ".ogg", ".oga", ".opus", ".wav", ".flac"}
# A server may label audio generically; anything else (text/html, video/...) is refused.
GENERIC_TYPES = {"", "application/octet-stream", "binary/octet-stream"}
TRANSIENT = {"timed out", "connection failed", "host not found"}  # tried again next time
DEFAULTS = {"FEED_EPISODES": 3, "FEED_MAX_EPISODE_BYTES": 100 * 1024 * 1024,
            "FEED_MAX_EPISODE_S": 45 * 60.0, "FEED_DOWNLOAD_S": 300.0}


class FeedRefused(Exception):
    """A feed or an episode that cannot be used; the message is for operators."""


@dataclass(frozen=True)
class Entry:
    guid: str
    title: str
    published_at: datetime | None
    audio_url: str | None
    audio_type: str
    declared_bytes: int | None


@dataclass
class Refresh:
    feed: str
    added: list[str]
    refused: dict[str, str]
    error: str | None = None

    def summary(self) -> str:
        if self.error:
            return f"{self.feed}: {self.error}"
        parts = [f"{len(self.added)} new episode{'s' if len(self.added) != 1 else ''}"]
        parts += [f"{title!r} refused: {why}" for title, why in self.refused.items()]
        return f"{self.feed}: " + "; ".join(parts)


def setting(name: str):
    return current_app.config.get(name, DEFAULTS[name])


def check_feed_url(url: str) -> str | None:
    """Why an operator's URL cannot be a feed, or None. (The address is checked on fetch.)"""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "Give a full http:// or https:// address."
    if len(url) > 500:
        return "The address is too long (at most 500 characters)."
    return None


def refresh_by_id(feed_id: int) -> Refresh | None:
    feed = db.session.get(PodcastFeed, feed_id)
    return refresh_feed(feed) if feed is not None else None  # removed since it was queued


def refresh_all() -> list[Refresh]:
    return [refresh_feed(feed) for feed in db.session.scalars(
        select(PodcastFeed).order_by(PodcastFeed.id)).all()]


def refresh_feed(feed: PodcastFeed) -> Refresh:
    """Import the newest episodes not yet seen, then keep only the newest few playing."""
    result = Refresh(feed.title or feed.url, [], {})
    feed.checked_at = utcnow()
    try:
        title, entries = read_feed(feed.url)
    except FeedRefused as exc:
        feed.error = result.error = f"Feed not read: {exc}. The episodes already imported " \
            "keep playing."
        db.session.commit()
        return result
    feed.title, feed.ok_at, feed.error = title[:200] or feed.title, feed.checked_at, None
    result.feed = feed.title or feed.url
    seen = set(db.session.scalars(select(PodcastEpisode.guid).where(
        PodcastEpisode.feed_id == feed.id)))
    for entry in entries[:setting("FEED_EPISODES")]:
        if entry.guid[:500] not in seen:
            import_episode(feed, entry, result)
    retire_old(feed)
    db.session.commit()
    return result


def read_feed(url: str) -> tuple[str, list[Entry]]:
    """The feed's title and its entries, newest first (undated ones last, in feed order)."""
    with tempfile.TemporaryDirectory(prefix="holdline-feed-") as folder:
        path = Path(folder) / "feed.xml"
        download(url, path, FEED_MAX_BYTES, time.monotonic() + FEED_TIMEOUT_S,
                 "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.1")
        parsed = feedparser.parse(path.read_bytes())  # bytes: feedparser fetches nothing
    if not parsed.version:
        raise FeedRefused("this is not an RSS or Atom feed")
    entries = [entry_from(item) for item in parsed.entries]
    entries.sort(key=lambda e: e.published_at or datetime.min, reverse=True)  # stable
    return parsed.feed.get("title", ""), entries


def entry_from(item) -> Entry:
    links = [link for link in item.get("enclosures", []) if link.get("href")]
    enclosure = next((link for link in links if is_audio(link.get("type", ""), link["href"])),
                     links[0] if links else {})  # an image may come before the audio
    stamp = item.get("published_parsed") or item.get("updated_parsed")
    length = str(enclosure.get("length", ""))
    return Entry(
        guid=item.get("id") or enclosure.get("href") or item.get("title", ""),
        title=" ".join(item.get("title", "").split())[:100] or "Untitled episode",
        published_at=datetime.fromtimestamp(calendar.timegm(stamp), UTC)
        .replace(tzinfo=None) if stamp else None,
        audio_url=enclosure.get("href"), audio_type=enclosure.get("type", "").lower(),
        declared_bytes=int(length) if length.isdigit() else None)


def import_episode(feed: PodcastFeed, entry: Entry, result: Refresh) -> None:
    """One episode: imported with its segments in one commit, or refused with the reason."""
    track = f"{entry.title} ({entry.published_at:%Y-%m-%d})" if entry.published_at \
        else entry.title
    try:
        infos = fetch_episode(entry, feed.channel.key, track)
    except (FeedRefused, AudioImportError) as exc:
        reason = str(exc)
        result.refused[entry.title] = reason
        if reason not in TRANSIENT:  # a timeout may pass; a 2 GB file will not shrink
            db.session.add(PodcastEpisode(feed=feed, guid=entry.guid[:500], title=entry.title,
                                          published_at=entry.published_at, track=track,
                                          status="refused", error=reason[:300]))
        db.session.commit()
        log.info("podcast episode %r refused: %s", entry.title, reason)
        return
    had_audio = db.session.scalar(select(HoldSegment.id).where(
        HoldSegment.channel_id == feed.channel_id).limit(1)) is not None
    record_segments(feed.channel, infos)
    if not had_audio:
        feed.channel.active = True  # the podcast channel appears once it has something
    db.session.add(PodcastEpisode(feed=feed, guid=entry.guid[:500], title=entry.title,
                                  published_at=entry.published_at, track=track,
                                  status="imported",
                                  duration_s=sum(i.duration_s for i in infos)))
    db.session.commit()
    result.added.append(entry.title)


def fetch_episode(entry: Entry, channel: str, track: str) -> list:
    if not entry.audio_url:
        raise FeedRefused("the entry has no audio enclosure")
    if not is_audio(entry.audio_type, entry.audio_url):
        raise FeedRefused(f"the enclosure is not audio ({entry.audio_type or 'no type'})")
    cap = setting("FEED_MAX_EPISODE_BYTES")
    if entry.declared_bytes and entry.declared_bytes > cap:
        raise FeedRefused(too_large(entry.declared_bytes, cap))
    with tempfile.TemporaryDirectory(prefix="holdline-episode-") as folder:
        source = Path(folder) / ("episode" + PurePosixPath(urlsplit(
            entry.audio_url).path).suffix.lower()[:6])
        kind = download(entry.audio_url, source, cap,
                        time.monotonic() + setting("FEED_DOWNLOAD_S"), "audio/*")
        if not is_audio(kind, ""):
            raise FeedRefused(f"the server sent {kind}, not audio")
        return import_audio(source, channel, library_dir(), title=track, max_bytes=cap,
                            max_duration_s=setting("FEED_MAX_EPISODE_S"))


def is_audio(content_type: str, url: str) -> bool:
    kind = content_type.split(";")[0].strip().lower()
    if kind.startswith("audio/"):
        return True
    return kind in GENERIC_TYPES and (not url or PurePosixPath(
        urlsplit(url).path).suffix.lower() in AUDIO_EXTENSIONS)


def too_large(size: int, cap: int) -> str:
    return f"the episode is too large ({size / 2**20:,.0f} MB, limit {cap / 2**20:,.0f} MB)"


def download(url: str, path: Path, max_bytes: int, deadline: float, accept: str) -> str:
    """Fetch url into path, following a few redirects (each hop through the guard); returns
    the Content-Type. On any failure the partial file is removed."""
    allow = current_app.config.get("LOOKUP_ALLOW", "")
    visited: list[str] = []
    try:
        for _hop in range(MAX_REDIRECTS + 1):
            with open_guarded(url, deadline, allow, headers={"Accept": accept}) as response:
                if response.status in REDIRECTS and response.headers.get("Location"):
                    visited.append(url)
                    url = urljoin(url, response.headers["Location"])
                    if url in visited:
                        raise FeedRefused("the address redirects in a loop")
                    continue
                if not 200 <= response.status < 300:
                    raise FeedRefused(f"the server answered HTTP {response.status}")
                with path.open("wb") as out:
                    for chunk in stream_body(response, deadline, max_bytes):
                        out.write(chunk)
                return response.headers.get("Content-Type", "")
        raise FeedRefused(f"more than {MAX_REDIRECTS} redirects")
    except LookupFailed as exc:
        path.unlink(missing_ok=True)
        if exc.reason == "response too large":
            raise FeedRefused(f"more than {max_bytes / 2**20:,.0f} MB: refused") from None
        raise FeedRefused(exc.reason) from None
    except FeedRefused:
        path.unlink(missing_ok=True)
        raise


def retire_old(feed: PodcastFeed) -> None:
    """Keep the newest few imported episodes playing, newest first; older ones stop."""
    imported = list(db.session.scalars(select(PodcastEpisode).where(
        PodcastEpisode.feed_id == feed.id, PodcastEpisode.status == "imported")))
    imported.sort(key=lambda e: (e.published_at or e.added_at, e.id), reverse=True)
    keep = setting("FEED_EPISODES")
    for episode in imported[keep:]:
        db.session.execute(delete(HoldSegment).where(
            HoldSegment.channel_id == feed.channel_id, HoldSegment.track == episode.track))
        episode.status = "retired"
    play_newest_first(feed.channel)


def play_newest_first(channel: HoldChannel) -> None:
    """Positions by episode date across the channel's feeds; a track's parts stay in order."""
    episodes = db.session.scalars(select(PodcastEpisode).join(PodcastFeed).where(
        PodcastFeed.channel_id == channel.id, PodcastEpisode.status == "imported")).all()
    rank = {e.track: i for i, e in enumerate(sorted(
        episodes, key=lambda e: (e.published_at or e.added_at, e.id), reverse=True))}
    segments = db.session.scalars(select(HoldSegment).where(
        HoldSegment.channel_id == channel.id).order_by(HoldSegment.position)).all()
    ordered = sorted(segments, key=lambda s: rank.get(s.track, len(rank)))
    for position, segment in enumerate(ordered, start=1):
        segment.position = position
