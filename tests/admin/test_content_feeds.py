"""Podcast feeds on the content page: an operator adds a feed URL and its episodes arrive
(the refresh job runs inline in tests); bad addresses are refused and nothing is saved."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.hold.models import HoldSegment, PodcastFeed
from app.models import db
from tests.admin.test_content import audited, channel
from tests.conftest import csrf_from
from tests.hold.feed_server import episode_mp3, feed_host


@pytest.fixture
def host(app, tmp_path):
    app.config.update(AUDIO_DIR=str(tmp_path / "audio"), LOOKUP_ALLOW="127.0.0.1")
    with feed_host() as server:
        yield server


@pytest.fixture
def one_episode(host, tmp_path) -> str:
    audio = host.serve("/media/light.mp3", episode_mp3(tmp_path, "light.mp3"), "audio/mpeg")
    return host.feed("/feed.xml", [{"title": "Light savings", "day": 9, "url": audio}])


def add(operator, token, url: str, channel_key: str = "podcast"):
    return operator.post("/admin/content/feeds", data={
        "url": url, "channel": channel_key, "csrf_token": token("/admin/content")},
        follow_redirects=True)


def test_operator_adds_a_feed_and_sees_its_episode_playing(operator, token, one_episode):
    page = add(operator, token, one_episode).get_data(as_text=True)
    assert "Added the feed to our podcast." in page
    row = page[page.index('id="feed-1"'):page.index("</tr>", page.index('id="feed-1"'))]
    assert "Energy Talk" in row and one_episode in row
    assert "Light savings (2026-11-09):" in row and "playing, 0:25" in row
    assert channel("podcast").active is True
    assert [e.target for e in audited("feed.add")] == [one_episode]
    assert "<title>Content · Holdline</title>" in page and page.count('id="feed-1"') == 1


@pytest.mark.parametrize("url, problem", [
    ("ftp://example.com/feed.xml", "Give a full http:// or https:// address."),
    ("feed.xml", "Give a full http:// or https:// address."),
    ("https://example.com/" + "a" * 500, "The address is too long (at most 500 characters)."),
])
def test_an_address_that_cannot_be_a_feed_is_refused(operator, token, url, problem):
    response = add(operator, token, url)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f"Feed not added: {problem}" in page
    assert db.session.scalar(select(PodcastFeed)) is None


def test_a_music_channel_or_a_second_copy_is_refused(operator, token, one_episode):
    assert "Feed not added: Choose a spoken channel." in add(
        operator, token, one_episode, "jazz").get_data(as_text=True)
    add(operator, token, one_episode)
    again = add(operator, token, one_episode)
    assert again.status_code == 422
    assert "Feed not added: This feed is already on the list." in again.get_data(as_text=True)


def test_a_broken_feed_shows_why_on_the_page(operator, token, host):
    page = add(operator, token, host.serve("/feed.xml", b"<html>moved</html>",
                                           "text/html")).get_data(as_text=True)
    assert "Feed not read: this is not an RSS or Atom feed." in page
    assert channel("podcast").active is False  # still nothing to offer callers


def test_check_now_and_remove(operator, token, one_episode, host):
    add(operator, token, one_episode)
    feed = db.session.scalar(select(PodcastFeed))
    page = operator.post(f"/admin/content/feeds/{feed.id}/refresh",
                         data={"csrf_token": token("/admin/content")},
                         follow_redirects=True).get_data(as_text=True)
    assert "Checking Energy Talk for new episodes." in page
    assert host.hits["/feed.xml"] == 2 and host.hits["/media/light.mp3"] == 1
    page = operator.post(f"/admin/content/feeds/{feed.id}/delete",
                         data={"csrf_token": token("/admin/content")},
                         follow_redirects=True).get_data(as_text=True)
    assert "Removed Energy Talk and its 1 episode." in page
    assert db.session.scalar(select(HoldSegment).where(
        HoldSegment.channel_id == channel("podcast").id)) is None
    assert db.session.scalar(select(PodcastFeed)) is None


def test_agents_may_not_add_feeds(client, make_user, login):
    make_user("arun", "agent")
    csrf = csrf_from(client.get("/login").get_data(as_text=True))
    login("arun")
    response = client.post("/admin/content/feeds", data={
        "url": "http://127.0.0.1/feed.xml", "channel": "podcast", "csrf_token": csrf})
    assert response.status_code == 403
    assert db.session.scalar(select(PodcastFeed)) is None
