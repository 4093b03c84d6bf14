"""Podcast feeds on the content page: operators add a feed URL for a spoken channel; the
episodes arrive through a background job (app/jobs.py) and the audio pipeline."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from sqlalchemy import delete, select

from .. import jobs
from ..auth import audit, role_required
from ..auth.lines import owned
from ..hold.feeds import check_feed_url
from ..hold.models import HoldChannel, HoldSegment, PodcastFeed
from ..models import db
from .content_views import all_channels, render_channels
from .views import bp


def spoken_channel(key: str) -> HoldChannel | None:
    return next((c for c in all_channels() if c.key == key and c.kind.takes_feeds), None)


@bp.post("/content/feeds")
@role_required("operator")
def add_feed():
    url = request.form.get("url", "").strip()
    channel = spoken_channel(request.form.get("channel", ""))
    problem = check_feed_url(url) or (None if channel else "Choose a spoken channel.")
    if problem is None and db.session.scalar(select(PodcastFeed.id).where(
            PodcastFeed.url == url)) is not None:
        problem = "This feed is already on the list."
    if problem:
        return render_channels(all_channels(), [f"Feed not added: {problem}"], 422)
    feed = PodcastFeed(url=url, channel=channel)
    db.session.add(feed)
    audit("feed.add", url, channel=channel.key)
    db.session.commit()
    jobs.refresh_feed(feed.id)
    flash(f"Added the feed to {channel.name}. Its newest episodes are being fetched; "
          "reload this page to see them.")
    return redirect(url_for("admin.content") + "#feeds"), 303


def posted_feed(feed_id: int) -> PodcastFeed:
    feed = db.session.get(PodcastFeed, feed_id) or abort(404)
    owned(feed.channel)  # a feed is its channel's line's
    return feed


@bp.post("/content/feeds/<int:feed_id>/refresh")
@role_required("operator")
def refresh_feed(feed_id: int):
    feed = posted_feed(feed_id)
    jobs.refresh_feed(feed.id)
    flash(f"Checking {feed.title or feed.url} for new episodes.")
    return redirect(url_for("admin.content") + "#feeds"), 303


@bp.post("/content/feeds/<int:feed_id>/delete")
@role_required("operator")
def delete_feed(feed_id: int):
    """The feed and its episodes stop; the content-addressed files stay (a call may be
    playing one)."""
    feed = posted_feed(feed_id)
    tracks = [e.track for e in feed.episodes if e.status == "imported"]
    db.session.execute(delete(HoldSegment).where(HoldSegment.channel_id == feed.channel_id,
                                                 HoldSegment.track.in_(tracks)))
    audit("feed.delete", feed.url, episodes=len(tracks))
    db.session.delete(feed)
    db.session.commit()
    flash(f"Removed {feed.title or feed.url} and its {len(tracks)} episode"
          f"{'s' if len(tracks) != 1 else ''}.")
    return redirect(url_for("admin.content") + "#feeds"), 303
