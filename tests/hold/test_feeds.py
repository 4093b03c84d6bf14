"""Podcast channels from RSS/Atom against a local feed host: new episodes in through the
audio pipeline, newest first, capped; every bad feed or episode refused with a reason while
the channel keeps what it had."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.hold import service
from app.hold.feeds import refresh_all
from app.hold.models import HoldChannel, HoldSegment, PodcastEpisode, PodcastFeed
from app.models import db
from app.simulator import say
from tests.hold.feed_server import TWO_GB, endless, episode_mp3, feed_host
from tests.hold.media import snapshot


@pytest.fixture(scope="module")
def mp3s(tmp_path_factory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("episodes")
    return {name: episode_mp3(folder, f"{name}.mp3", hz) for name, hz in
            (("heat", 330), ("light", 440), ("water", 550))}


@pytest.fixture
def host(app, tmp_path):
    app.config.update(AUDIO_DIR=str(tmp_path / "audio"), LOOKUP_ALLOW="127.0.0.1",
                      FEED_EPISODES=2, FEED_MAX_EPISODE_BYTES=1024 * 1024)
    with feed_host() as server:
        yield server


def podcast() -> HoldChannel:
    db.session.expire_all()
    return db.session.scalar(select(HoldChannel).where(HoldChannel.key == "podcast"))


def add_feed(url: str) -> PodcastFeed:
    feed = PodcastFeed(url=url, channel=podcast())
    db.session.add(feed)
    db.session.commit()
    return feed


def playing() -> list[str]:
    """The podcast's tracks in the order a caller hears them today."""
    channel = podcast()
    tracks = [s.track for s in service.todays_segments({channel.id: channel.key})["podcast"]]
    return list(dict.fromkeys(tracks))


def episodes(host, mp3s, *days: tuple[str, int]) -> list[dict]:
    out = []
    for name, day in days:
        out.append({"title": f"{name.title()} savings", "day": day,
                    "url": host.serve(f"/media/{name}.mp3", mp3s[name], "audio/mpeg")})
    return out


def test_newest_episodes_play_first_and_only_the_newest_few_are_kept(host, mp3s):
    assert podcast().active is False  # nothing to offer callers yet
    add_feed(host.feed("/feed.xml", episodes(host, mp3s, ("heat", 3), ("light", 9),
                                             ("water", 5))))
    [result] = refresh_all()
    assert result.added == ["Light savings", "Water savings"] and result.error is None
    assert playing() == ["Light savings (2026-11-09)", "Water savings (2026-11-05)"]
    assert podcast().active is True
    assert host.hits.get("/media/heat.mp3") is None  # beyond the kept two: never fetched

    refresh_all()  # nothing new: nothing downloaded again
    assert host.hits["/media/light.mp3"] == 1

    host.feed("/feed.xml", episodes(host, mp3s, ("heat", 20), ("light", 9), ("water", 5)))
    [result] = refresh_all()
    assert result.added == ["Heat savings"]
    assert playing() == ["Heat savings (2026-11-20)", "Light savings (2026-11-09)"]
    retired = db.session.scalar(select(PodcastEpisode).where(PodcastEpisode.title ==
                                                              "Water savings"))
    assert retired.status == "retired"


def test_a_feed_that_is_not_xml_keeps_the_last_good_episodes(host, mp3s):
    feed = add_feed(host.feed("/feed.xml", episodes(host, mp3s, ("light", 9))))
    refresh_all()
    host.serve("/feed.xml", b"<html><body>Moved to our new site!</body></html>", "text/html")
    [result] = refresh_all()
    assert result.error == ("Feed not read: this is not an RSS or Atom feed. The episodes "
                            "already imported keep playing.")
    assert playing() == ["Light savings (2026-11-09)"]
    db.session.refresh(feed)
    assert feed.error == result.error and feed.ok_at is not None


def test_a_redirect_loop_is_refused(host):
    host.redirect("/a.xml", host.url("/b.xml"))
    host.redirect("/b.xml", host.url("/a.xml"))
    add_feed(host.url("/a.xml"))
    [result] = refresh_all()
    assert result.error.startswith("Feed not read: the address redirects in a loop.")
    assert host.hits == {"/a.xml": 1, "/b.xml": 1}  # seen again: not asked a second time


def test_an_enclosure_behind_a_redirect_is_followed_and_a_cover_image_skipped(host, mp3s):
    [episode] = episodes(host, mp3s, ("light", 9))
    episode["url"] = host.redirect("/go/light", "/media/light.mp3")
    episode["cover"] = host.serve("/cover.jpg", b"\xff\xd8", "image/jpeg")
    add_feed(host.feed("/feed.xml", [episode]))
    assert refresh_all()[0].added == ["Light savings"]
    assert "/cover.jpg" not in host.hits


@pytest.mark.parametrize("how", ["declared in the feed", "declared by the server",
                                 "counted while streaming"])
def test_a_2_gb_episode_is_refused_and_nothing_is_half_written(host, mp3s, tmp_path, how):
    good = episodes(host, mp3s, ("light", 9))
    add_feed(host.feed("/feed.xml", good))
    refresh_all()
    library = snapshot(tmp_path / "audio" / "library")
    huge = {"title": "Everything about meters", "day": 20, "url": host.url("/media/huge.mp3")}
    if how == "declared in the feed":
        huge["length"] = TWO_GB
        host.serve("/media/huge.mp3", mp3s["heat"], "audio/mpeg")
    elif how == "declared by the server":
        host.serve("/media/huge.mp3", b"\xff" * 1000, "audio/mpeg", **{"Content-Length":
                                                                        str(TWO_GB)})
    else:
        host.serve("/media/huge.mp3", endless(), "audio/mpeg")
    host.feed("/feed.xml", [huge, *good])

    [result] = refresh_all()
    reason = result.refused["Everything about meters"]
    assert reason in ("the episode is too large (2,048 MB, limit 1 MB)",
                      "more than 1 MB: refused")
    assert host.hits.get("/media/huge.mp3", 0) == (0 if how == "declared in the feed" else 1)
    assert snapshot(tmp_path / "audio" / "library") == library  # no byte of it kept
    assert playing() == ["Light savings (2026-11-09)"]
    refused = db.session.scalar(select(PodcastEpisode).where(PodcastEpisode.status ==
                                                              "refused"))
    assert refused.error == reason
    refresh_all()  # refused for good: not fetched again on the next refresh
    assert host.hits.get("/media/huge.mp3", 0) == (0 if how == "declared in the feed" else 1)


@pytest.mark.parametrize("content_type, body, reason", [
    ("text/html", b"<html>Subscribe now</html>", "the server sent text/html, not audio"),
    ("audio/mpeg", b"<html>Subscribe now</html>" * 40, "not an audio file or corrupt"),
])
def test_an_episode_that_is_not_audio_is_refused(host, mp3s, content_type, body, reason):
    fake = {"title": "Not really audio", "day": 20,
            "url": host.serve("/media/fake.mp3", body, content_type)}
    video = {"title": "A video", "day": 21, "type": "video/mp4",
             "url": host.serve("/media/clip.mp4", b"\x00" * 100, "video/mp4")}
    add_feed(host.feed("/feed.xml", [fake, video]))
    app_result = refresh_all()[0]
    assert reason in app_result.refused["Not really audio"]
    assert app_result.refused["A video"] == "the enclosure is not audio (video/mp4)"
    assert host.hits.get("/media/clip.mp4") is None
    assert db.session.scalar(select(HoldSegment.id).where(
        HoldSegment.channel_id == podcast().id)) is None
    assert podcast().active is False


def test_internal_addresses_are_refused_like_the_lookup_connector(app, host, mp3s):
    app.config["LOOKUP_ALLOW"] = ""
    add_feed(host.feed("/feed.xml", episodes(host, mp3s, ("light", 9))))
    assert "address 127.0.0.1 is not allowed" in refresh_all()[0].error
    assert host.hits == {}


def test_a_redirect_into_a_refused_address_is_refused(app, host):
    app.config["LOOKUP_ALLOW"] = "localhost"  # the name is allowed, 127.0.0.1 is not
    port = host.base.rsplit(":", 1)[1]
    host.redirect("/feed.xml", host.url("/inside.xml"))
    add_feed(f"http://localhost:{port}/feed.xml")
    assert "address 127.0.0.1 is not allowed" in refresh_all()[0].error
    assert "/inside.xml" not in host.hits


def test_the_command_refreshes_every_feed_and_fails_on_a_broken_one(app, host, mp3s):
    add_feed(host.feed("/feed.xml", episodes(host, mp3s, ("light", 9))))
    add_feed(host.serve("/broken.xml", b"not a feed at all", "text/plain"))
    out = app.test_cli_runner().invoke(args=["hold", "refresh-feeds"])
    assert out.exit_code == 1
    assert "Energy Talk: 1 new episode" in out.output
    assert "Feed not read: this is not an RSS or Atom feed" in out.output


def test_a_caller_on_the_podcast_hears_the_newest_episode_and_it_keeps_playing(
        host, mp3s, simulate):
    add_feed(host.feed("/feed.xml", episodes(host, mp3s, ("light", 9), ("water", 5))))
    refresh_all()
    host.serve("/feed.xml", b"oops", "text/plain")  # the feed breaks after a good refresh
    refresh_all()
    t = simulate([say("agent"), say("the podcast please")], wait_loops=3, caller="+15551239999")
    ids = [int(line.split("/hold-audio/")[1].split("/")[0]) for who, line in t.lines
           if who == "IVR" and "/hold-audio/" in line]
    tracks = [db.session.get(HoldSegment, i).track for i in ids]
    assert tracks[0] == "Light savings (2026-11-09)"
    assert set(tracks) <= {"Light savings (2026-11-09)", "Water savings (2026-11-05)"}


def test_tips_and_quiz_questions_start_elsewhere_each_date(app):
    from datetime import datetime, timedelta

    from app.hold.models import QuizQuestion

    tips = db.session.scalar(select(HoldChannel).where(HoldChannel.key == "tips"))
    for n in range(4):
        db.session.add(HoldSegment(channel=tips, track=f"Hold tips {n + 1}", file_name=f"{n}",
                                   sha256=f"{n}" * 64, position=n))
    db.session.commit()
    days = [datetime(2026, 12, 1) + timedelta(days=n) for n in range(10)]
    firsts = [service.questions("northwind-main", today=day)[0].id for day in days]
    asked = db.session.scalars(select(QuizQuestion.id).where(
        QuizQuestion.line == "northwind-main")).all()
    assert sorted(firsts) == sorted(asked)  # ten days, ten questions, each leads once
    assert sorted(q.id for q in service.questions("northwind-main", today=days[3])) == sorted(asked)
    leads = {service.todays_segments({tips.id: "tips"}, day)["tips"][0].track
             for day in days[:4]}
    assert leads == {f"Hold tips {n + 1}" for n in range(4)}
