"""Hold that callers choose, through the real waitUrl loop driven by the simulator."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.hold import service as hold
from app.hold.models import CallbackRequest, HoldChannel, HoldSegment, HoldSession
from app.hold.wait_report import report
from app.models import Call, CallEvent, db, utcnow
from app.simulator import SILENCE, InProcess, Simulator, press, say

MARIA = "+15551230001"


@pytest.fixture
def library(app, tmp_path):
    """24 segments per music channel and today's tips, as small files on disk."""
    app.config["AUDIO_DIR"] = str(tmp_path / "audio")
    for channel in db.session.scalars(select(HoldChannel)):
        if channel.kind not in ("music", "spoken"):
            continue
        folder = tmp_path / "audio" / "library" / channel.key
        folder.mkdir(parents=True)
        for i in range(24):
            name = f"{channel.key}{i:02d}.wav"
            (folder / name).write_bytes(b"RIFF" + bytes(40 + i))
            weekday = utcnow().weekday() if channel.kind == "spoken" and i < 12 else None
            if channel.kind == "spoken" and i >= 12:
                weekday = (utcnow().weekday() + 1) % 7  # tomorrow's tips
            db.session.add(HoldSegment(channel=channel, track=f"{channel.key}-track-{i // 3}",
                                       file_name=name, sha256=f"{i:02d}" + "a" * 62,
                                       duration_s=30, position=i, weekday=weekday))
    db.session.commit()


def the_call(t) -> Call:
    return db.session.scalar(select(Call).where(Call.call_sid == t.call_sid))


def played(t) -> list[str]:
    return [text for who, text in t.lines if who == "IVR" and "/hold-audio/" in text]


def segments_of(t) -> list[HoldSegment]:
    ids = [int(line.split("/hold-audio/")[1].split("/")[0]) for line in played(t)]
    return [db.session.get(HoldSegment, i) for i in ids]


def wait(simulate, steps, loops, **kw):
    return simulate([say("agent"), *steps], wait_loops=loops, caller=kw.pop("caller", MARIA),
                    **kw)


def test_entry_tells_place_and_honest_wait_then_offers_choices(simulate, library):
    t = wait(simulate, [], 1, queue_position=3)
    text = t.ivr_text
    assert "You're third in line, about three to five minutes." in text  # provider's average
    menu = next(line for line in t.said() if line.startswith("While you wait:"))
    assert menu == ("While you wait: For jazz, press 1. For classical music, press 2. For "
                    "calm ambient sounds, press 3. Or say more for other choices.")
    assert len(menu.split()) <= 25


def test_fifteen_minute_wait_never_repeats_a_segment(simulate, library):
    t = wait(simulate, [press("1")], 40, queue_position=9, advance_every_s=100)
    segments = segments_of(t)
    assert sum(30 for _ in segments) >= 15 * 60
    assert len({s.id for s in segments}) == len(segments)
    assert segments[0].channel.key == "jazz"
    assert "That's all we have on jazz for now" in t.ivr_text  # moved on, no repeat


def test_announcements_are_sparse_and_only_when_moving_up(simulate, library):
    t = wait(simulate, [press("1")], 40, queue_position=6, advance_every_s=200)
    events = [e.detail for e in the_call(t).events if e.kind == "hold_announced"]
    marks = [(e["queue_time_s"], e["position"]) for e in events]
    positions = [p for _, p in marks]
    assert len(events) >= 3
    for (t0, p0), (t1, p1) in zip(marks, marks[1:], strict=False):
        assert t1 - t0 >= 90
        assert p1 < p0 or t1 - t0 >= 270
    assert 1 not in positions  # never when the caller is next
    assert "your call is important" not in t.ivr_text.lower()


def test_estimate_comes_from_recent_answered_waits(app, simulate, library):
    # 100-140 s per place for callers who entered 3rd in the last hour; the slow morning
    # (1,000 s per place, two hours ago) is not the queue's answer rate now.
    for wait_s, ago in ((300, 1), (360, 20), (420, 50), (3000, 120), (3000, 130)):
        db.session.add(HoldSession(call=Call(call_sid=f"CAx{wait_s}{ago}", from_number="+1",
                                             to_number="+1"), queue="general",
                                   entry_position=3, outcome="answered", wait_s=wait_s,
                                   ended_at=utcnow() - timedelta(minutes=ago)))
    db.session.commit()
    t = wait(simulate, [], 1, queue_position=5)
    assert "You're fifth in line, about eight to twelve minutes." in t.ivr_text  # 5 x 120 s


@pytest.mark.parametrize("switch", [[press("*"), press("2")], [say("classical")],
                                    [say("play some classical music")]])
def test_switching_channels_by_key_or_by_name(simulate, library, switch):
    t = wait(simulate, [press("1"), SILENCE, *switch], 6)
    channels = [s.channel.key for s in segments_of(t)]
    assert channels[:2] == ["jazz", "jazz"] and channels[-1] == "classical"
    assert "Here's classical music." in t.ivr_text


def test_unknown_key_gets_the_choices_again(simulate, library):
    t = wait(simulate, [press("9")], 2)
    assert "Sorry, that's not one of the choices." in t.ivr_text


def test_quiz_keeps_score_by_key_and_speech(app, simulate, library):
    app.config["HOLD_ROTATE_DAILY"] = False  # the seeded order, whatever today's date
    # Q1 answer is 2 (heating and cooling); Q2 answer 3; Q3 answer "check your breaker panel".
    t = wait(simulate, [press("5"), press("2"), press("1"), say("check your breaker panel")], 5)
    text = t.ivr_text
    assert "Correct! Heating and cooling" in text
    assert "Not quite: it's about three quarters." in text
    assert "Your score is 2 out of 3." in text


def test_tips_rotate_daily(simulate, library):
    t = wait(simulate, [press("4")], 6)
    today = utcnow().weekday()
    assert segments_of(t) and all(s.weekday == today for s in segments_of(t))


def test_a_new_call_brings_tracks_not_heard_last_time(simulate, library):
    first = segments_of(wait(simulate, [press("1")], 4))
    second = segments_of(wait(simulate, [press("1")], 4))
    assert {s.track for s in first}.isdisjoint({s.track for s in second})


def test_callback_keeps_the_place_in_line(app, simulate, library, client):
    early = wait(simulate, [], 1, caller="+15559990001")  # still waiting (hung up later)
    session = db.session.scalar(select(HoldSession).join(Call).where(
        Call.call_sid == early.call_sid))
    session.outcome, session.joined_at = None, utcnow() - timedelta(minutes=10)
    middle = wait(simulate, [press("6"), press("1")], 3)
    cb = db.session.scalar(select(CallbackRequest))
    middle_session = db.session.scalar(select(HoldSession).where(
        HoldSession.call_id == cb.call_id))
    cb.joined_at = middle_session.joined_at = utcnow() - timedelta(minutes=5)
    late = wait(simulate, [], 1, caller="+15559990003")
    for t in (late,):
        s = db.session.scalar(select(HoldSession).join(Call).where(Call.call_sid == t.call_sid))
        s.outcome = None
    db.session.commit()
    assert "keep your place in line. Goodbye." in middle.ivr_text
    assert (cb.number, cb.queue, cb.status) == (MARIA, "general", "pending")
    assert middle_session.outcome == "callback"
    line = hold.next_in_line("general")
    assert [kind for kind, _ in line] == ["caller", "callback", "caller"]


def test_callback_to_another_number(simulate, library):
    t = wait(simulate, [press("6"), press("2"), press("4155550123"), press("1")], 5)
    assert "We'll call 4 1 5, 5 5 5, 0 1 2 3. Press 1 if that's right" in t.ivr_text
    assert db.session.scalar(select(CallbackRequest)).number == "+14155550123"
    assert "Goodbye" in t.ivr_text


def test_waiting_events_are_recorded(simulate, library):
    t = wait(simulate, [press("2")], 3, answered=True)
    kinds = {e.kind for e in the_call(t).events}
    assert {"hold_joined", "hold_announced", "hold_channel", "hold_played",
            "hold_answered"} <= kinds
    assert db.session.scalar(select(HoldSession)).outcome == "answered"


def test_caller_hanging_up_in_queue_is_abandoned(simulate, library):
    wait(simulate, [], 2)
    assert db.session.scalar(select(HoldSession)).outcome == "abandoned"


def test_wait_url_for_unknown_call_keeps_music_playing(signed):
    response = signed("/voice/wait?queue=general", {"CallSid": "CA" + "1" * 32,
                                                    "QueuePosition": "2"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<Play>" in body and "<Redirect" in body


def test_hold_audio_served_with_etag_range_and_versioned_url(app, client, tmp_path, library):
    segment = db.session.scalar(select(HoldSegment).limit(1))
    url = f"/voice/hold-audio/{segment.id}/{segment.sha256[:16]}.wav"
    full = client.get(url)
    assert full.status_code == 200 and full.headers["ETag"]
    assert "max-age=31536000" in full.headers["Cache-Control"]
    part = client.get(url, headers={"Range": "bytes=0-3"})
    assert part.status_code == 206 and part.data == b"RIFF"
    assert client.get(url, headers={"If-None-Match": full.headers["ETag"]}).status_code == 304
    assert client.get(f"/voice/hold-audio/{segment.id}/deadbeef.wav").status_code == 404
    assert client.get("/voice/hold-audio/1/..%2f..%2fetc%2fpasswd.wav").status_code == 404


def test_default_hold_music_is_real_telephony_audio(app, client, tmp_path):
    app.config["AUDIO_DIR"] = str(tmp_path)
    audio = client.get("/voice/hold-music.wav")
    (tmp_path / "heard.wav").write_bytes(audio.data)
    probe = json.loads(subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-of", "json", str(tmp_path / "heard.wav")],
        capture_output=True, check=True, text=True).stdout)["streams"][0]
    assert (probe["codec_name"], probe["sample_rate"], probe["channels"]) == (
        "pcm_mulaw", "8000", 1)


def test_hold_events_count_callbacks_apart_from_abandoned(simulate, library):
    wait(simulate, [press("6"), press("1")], 3)
    kinds = [e.kind for e in db.session.scalars(select(CallEvent))]
    assert "hold_callback" in kinds and "hold_abandoned" not in kinds


def test_audio_import_command_adds_playable_segments(app, client, tmp_path):
    app.config["AUDIO_DIR"] = str(tmp_path / "audio")
    source = tmp_path / "song.mp3"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=f=330:d=50", "-ar",
                    "44100", "-ac", "2", str(source)], check=True)
    junk = tmp_path / "notes.mp3"
    junk.write_text("not audio at all")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audio", "import", str(source), "--channel", "jazz"])
    assert result.exit_code == 0, result.output
    segments = db.session.scalars(select(HoldSegment)).all()
    assert len(segments) >= 2 and all(20 <= s.duration_s <= 45 for s in segments)
    audio = client.get(f"/voice/hold-audio/{segments[0].id}/{segments[0].sha256[:16]}.wav")
    (tmp_path / "out.wav").write_bytes(audio.data)
    probe = json.loads(subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-of", "json", str(tmp_path / "out.wav")],
        capture_output=True, check=True, text=True).stdout)["streams"][0]
    assert (probe["codec_name"], probe["sample_rate"]) == ("pcm_mulaw", "8000")
    refused = runner.invoke(args=["audio", "import", str(junk), "--channel", "jazz"])
    assert refused.exit_code == 1 and "not imported" in refused.output
    assert len(db.session.scalars(select(HoldSegment)).all()) == len(segments)
    unknown = runner.invoke(args=["audio", "import", str(source), "--channel", "polka"])
    assert unknown.exit_code == 2 and "audio channels: jazz" in unknown.output


def long_wait(app, client, steps, minutes=30, caller=MARIA):
    """The provider's loop for a long wait: 8th in line, one place every 225 s."""
    sim = Simulator(InProcess(client), app.config["TWILIO_AUTH_TOKEN"],
                    app.config["PUBLIC_BASE_URL"], caller=caller, dialled="+15005550006",
                    wait_loops=10_000, queue_position=8, advance_every_s=225,
                    max_wait_s=minutes * 60, avg_queue_time_s=1800)
    t = sim.run([say("agent"), *steps])
    return t, report(t.lines, list(the_call(t).events), sim.queue_time, sim.silences)


def test_a_thirty_minute_wait_stays_fresh_honest_and_never_silent(app, client, library):
    t, r = long_wait(app, client, [press("1")])
    assert r.waited_s >= 30 * 60 and r.segments >= 50
    assert r.repeats == 0
    assert [p for _, p, _, _ in r.announcements] == [8, 7, 6, 5, 4, 3, 2]
    assert r.estimates_fall and r.announcements[0][3] == "about 25 to 35 minutes"
    assert r.next_told == 1 and t.ivr_text.count("You're next.") == 1
    assert r.longest_silence_s <= 1
    assert r.callback_offers >= 3  # again every few minutes while the wait stays long
    marks = sorted({e.detail["queue_time_s"] for e in the_call(t).events if e.kind in (
        "hold_announced", "hold_next", "hold_still_with_you", "hold_callback_offered")})
    assert all(b - a >= 90 for a, b in zip(marks, marks[1:], strict=False))


def test_a_callback_offered_while_waiting_is_taken_with_one_key(app, client, library):
    t, r = long_wait(app, client, [press("1"), *[SILENCE] * 9, press("6"), press("1")])
    assert "It's still a long wait. To get a call back instead, press 6." in t.ivr_text
    assert db.session.scalar(select(CallbackRequest)).number == MARIA
    assert db.session.scalar(select(HoldSession)).outcome == "callback"


def morning_zone() -> str:
    """A zone where it is morning now, so 'after 5 pm' is later today whenever tests run."""
    return next(f"Etc/GMT{-h:+d}" for h in range(-12, 15)
                if 8 <= datetime.now(ZoneInfo(f"Etc/GMT{-h:+d}")).hour < 12)


def test_a_callback_after_5_pm_waits_until_then_within_the_hours(app, simulate, library):
    app.config.update(CENTRE_TIMEZONE=morning_zone(), QUEUE_HOURS="general=08:00-20:00")
    refused = wait(simulate, [press("6"), say("after 9 pm")], 3, caller="+15559990007")
    assert "We can call you back today until 8:00\u202fPM." in refused.ivr_text
    t = wait(simulate, [press("6"), say("after 5 pm")], 3)
    assert "We'll call you back after 5:00\u202fPM today" in t.ivr_text
    [booked] = db.session.scalars(select(CallbackRequest)).all()
    local = datetime.now(ZoneInfo(app.config["CENTRE_TIMEZONE"])).replace(
        hour=17, minute=0, second=0, microsecond=0)
    assert booked.next_attempt_at == local.astimezone(UTC).replace(tzinfo=None)
    assert booked.next_attempt_at > utcnow()  # not handed to an agent before then


def test_the_hold_menu_names_what_callers_chose_most_and_more_reads_them_all(simulate,
                                                                             library):
    chooser = Call(call_sid="CAchooser", from_number="+15550000009", to_number="+1")
    for key in ("quiz", "quiz", "quiz", "tips", "tips", "jazz"):
        db.session.add(CallEvent(call=chooser, kind="hold_channel",
                                 detail={"channel": key, "why": "caller chose"}))
    db.session.add(CallEvent(call=chooser, kind="hold_channel",  # moved, not chosen
                             detail={"channel": "ambient", "why": "channel exhausted"}))
    db.session.commit()
    t = wait(simulate, [press("9"), say("more")], 3)
    said = t.said()
    assert ("While you wait: For a quiz, press 5. For today's energy tips, press 4. For "
            "jazz, press 1. Or say more for other choices.") in said
    hint = said.index("Sorry, that's not one of the choices. Say more to hear them all.")
    assert said[hint + 1].startswith("Here are the choices. For jazz, press 1.")
    assert "To get a call back that keeps your place, press 6." in said[hint + 1]
