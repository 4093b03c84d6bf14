"""A real Chromium uploads a track: the progress bar moves, the page stays, and the track
is listed with its duration once the audio pipeline has levelled and cut it."""

from __future__ import annotations

from pathlib import Path

from tests.admin.test_browser import page, pytestmark, shot, sign_in  # noqa: F401
from tests.admin.test_content import sine_mp3

WATCH_PROGRESS = """() => {
  window.progressSeen = [];
  window.samePage = true;
  new MutationObserver(() => {
    const bar = document.querySelector('#upload-status progress');
    if (bar && bar.hasAttribute('value')) window.progressSeen.push(bar.value);
  }).observe(document.querySelector('main').parentNode, {attributes: true, subtree: true});
  window.announced = [];
  const status = document.getElementById('upload-announce');
  new MutationObserver(() => window.announced.push(status.textContent))
    .observe(status, {childList: true, characterData: true, subtree: true});
}"""


def test_operator_uploads_a_tip_and_sees_it_listed(page, make_user, app,  # noqa: F811
                                                   tmp_path):
    app.config["AUDIO_DIR"] = str(tmp_path / "audio")
    make_user("olive", "operator")
    audio = sine_mp3(tmp_path, name="heating tips.mp3")
    sign_in(page, "olive")
    page.click("nav >> text=Content")
    page.click("#channel-tips a")

    page.evaluate(WATCH_PROGRESS)
    page.set_input_files("#audio", str(audio))
    page.select_option("#weekday", label="Wednesday")
    page.click("#upload button[type=submit]")
    flash = page.wait_for_selector(".flash", timeout=60_000)

    assert "Added 'heating tips' to today's energy tips: 1 segment, 0:25." in flash.inner_text()
    row = page.locator("#tracks tr", has_text="heating tips")
    assert "0:25" in row.inner_text()
    assert row.locator("select").input_value() == "2"  # Wednesday
    assert page.evaluate("window.samePage")  # the upload ran in the page, not a reload
    assert 100 in page.evaluate("window.progressSeen")
    # A screen reader hears the start, a few quarters and the outcome, not every tick.
    announced = page.evaluate("window.announced")
    assert announced[0] == "Uploading… 0%" and announced[-1].startswith("Added 'heating tips'")
    assert len(announced) <= 7
    shot(page, "content-upload", tmp_path)


def test_operator_adds_a_podcast_feed_and_sees_the_episode(page, make_user, app,  # noqa: F811
                                                           tmp_path):
    from tests.hold.feed_server import episode_mp3, feed_host

    app.config.update(AUDIO_DIR=str(tmp_path / "audio"), LOOKUP_ALLOW="127.0.0.1")
    make_user("olive", "operator")
    with feed_host() as host:
        audio = host.serve("/media/light.mp3", episode_mp3(tmp_path, "light.mp3"), "audio/mpeg")
        url = host.feed("/feed.xml", [{"title": "Light savings", "day": 9, "url": audio}])
        sign_in(page, "olive")
        page.click("nav >> text=Content")
        page.fill("#feed-url", url)
        assert page.locator("#feed-channel").input_value() == "podcast"
        page.click("#feed-form button[type=submit]")
        flash = page.wait_for_selector(".flash", timeout=60_000)

    assert "Added the feed to our podcast." in flash.inner_text()
    row = page.locator("#feed-list tr", has_text="Energy Talk")
    assert "Light savings (2026-11-09): playing, 0:25" in row.inner_text()
    assert page.locator("#channel-podcast input[type=checkbox]").is_checked()  # now offered
    shot(page, "content-feed", tmp_path)


def test_operator_makes_a_channel_and_a_form_then_a_call_uses_both(page, make_user, app,  # noqa: F811
                                                                   simulate, tmp_path):
    from app import menus
    from app.demo import northwind
    from app.hold.models import HoldSegment
    from app.models import db
    from app.simulator import say
    from tests.admin.test_content_forms import WELCOME, with_welcome_pack
    from tests.selfservice.test_selfservice_journeys import link_path, outbox

    app.config["AUDIO_DIR"] = str(tmp_path / "audio")
    make_user("olive", "operator")
    sign_in(page, "olive")
    page.click("nav >> text=Content")
    page.fill("#new-key", "rain")
    page.select_option("#new-kind", "music")
    page.fill("#new-digit", "8")
    page.fill("#new-name", "rain sounds")
    page.fill("#new-phrases", "rain, rainfall")
    page.set_input_files("#new-audio", str(sine_mp3(tmp_path, name="soft rain.mp3")))
    page.click("#new-channel button[type=submit]")
    flash = page.wait_for_selector(".flash", timeout=60_000)
    assert "Added the music channel 'rain sounds' on digit 8." in flash.inner_text()
    assert page.locator("#channel-rain input[aria-label='rain name']").input_value() == \
        "rain sounds"
    shot(page, "content-new-channel", tmp_path)

    page.click(".tabs >> text=SMS forms")
    page.click("#new-form")
    page.fill("#source", WELCOME)
    page.click("#form-creator button[type=submit]")
    assert "Created the welcome_pack form (version 1)." in page.inner_text(".flash")
    page.click("#preview")
    assert page.inner_text("h1") == "Get your welcome pack"  # the caller's page
    page.click("button[type=submit]")  # an empty answer is refused as it would be for them
    assert "Your name is required." in page.inner_text(".error-summary")
    shot(page, "content-new-form", tmp_path)

    menu = Path(northwind.__file__).parent / "menus" / "northwind.yaml"
    menus.save_version(menus.load_yaml(with_welcome_pack(menu.read_text())), publish=True)
    db.session.commit()
    held = simulate([say("agent"), say("rain")], wait_loops=2)
    [segment_id] = {int(text.split("/hold-audio/")[1].split("/")[0])
                    for who, text in held.lines if "/hold-audio/" in text}
    assert db.session.get(HoldSegment, segment_id).channel.key == "rain"
    texted = simulate([say("I need to start service"), say("start")],
                      caller="+15559990002")
    [text] = outbox("+15559990002")
    assert "Get your welcome pack" in text.body and "texted you" in texted.ivr_text
    page.goto(link_path(text))
    assert page.inner_text("h1") == "Get your welcome pack"
