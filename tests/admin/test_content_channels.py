"""Hold channels made and removed in the operator app, and quiz questions deleted. Every
refusal names the field and leaves the channels, tracks and questions as they were."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from sqlalchemy import func, select

from app.hold.models import HoldChannel, HoldSegment, HoldSession, QuizQuestion
from app.models import db
from app.simulator import InProcess, Simulator, press, say
from tests.admin.test_content import add_track, audited, channel, sine_mp3

NEW = "/admin/content/channels/new"


def new_channel(token, **changes) -> dict:
    return {"csrf_token": token("/admin/content"), "new-key": "rain", "new-kind": "music",
            "new-name": "rain sounds", "new-digit": "8", "new-phrases": "rain, rainfall",
            "new-active": "on"} | changes


def channel_keys() -> list[str]:
    db.session.expire_all()
    return sorted(db.session.scalars(select(HoldChannel.key)))


def test_operator_adds_a_music_channel_with_its_first_track(operator, token, library,
                                                            tmp_path):
    with sine_mp3(tmp_path, name="rain.mp3").open("rb") as audio:
        response = operator.post(NEW, data=new_channel(token, audio=(audio, "rain.mp3")),
                                 follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Added the music channel &#39;rain sounds&#39; on digit 8." in page
    rain = channel("rain")
    assert (rain.kind, rain.digit, rain.phrases, rain.active) == ("music", "8",
                                                                  ["rain", "rainfall"], True)
    assert [s.track for s in rain.segments] == ["rain"]
    assert (library / "rain" / rain.segments[0].file_name).is_file()
    [entry] = audited("channel.create")
    assert entry.target == "rain" and entry.detail["segments"] == 1


def test_a_new_channel_is_offered_to_waiting_callers(operator, token, simulate):
    operator.post(NEW, data=new_channel(token, **{"new-kind": "quiz", "new-key": "trivia",
                                                  "new-name": "trivia time"}))
    t = simulate([say("agent"), say("more")], wait_loops=2)
    assert "For trivia time, press 8." in t.ivr_text


BAD_CHANNELS = [  # (changed fields, the problem shown)
    ({}, "audio: a music channel needs its first track; choose an audio file."),
    ({"new-kind": "spoken"}, "audio: a spoken channel needs its first track"),
    ({"new-key": "jazz"}, "key: a channel called &#39;jazz&#39; exists already."),
    ({"new-key": "Rain!"}, "key: 1 to 30 lower-case letters"),
    ({"new-digit": "1", "new-kind": "quiz"}, "digit: 1 is already the digit of jazz."),
    ({"new-digit": "0", "new-kind": "quiz"}, "digit: the digit must be one of 1 to 9."),
    ({"new-name": "", "new-kind": "quiz"}, "name: the name needs 1 to 60 characters."),
    ({"new-phrases": " , ", "new-kind": "quiz"}, "phrases: give at least one phrase"),
    ({"new-kind": "karaoke"}, "kind: choose one of music, spoken, quiz, callback."),
    ({"new-kind": "callback"}, "kind: callers have a callback channel already (callback)."),
]


def test_a_bad_new_channel_is_refused_with_the_field_named(operator, token, library):
    """One app for every case: a refusal changes nothing, so none can affect the next."""
    before = channel_keys()
    for changes, problem in BAD_CHANNELS:
        response = operator.post(NEW, data=new_channel(token, **changes))
        page = response.get_data(as_text=True)
        assert response.status_code == 422 and problem in page, changes
        assert 'value="rain sounds"' in page or changes.get("new-name") == ""  # typing kept
        assert channel_keys() == before and audited("channel.create") == []


def test_a_quiz_channel_needs_questions_in_the_quiz(operator, token):
    db.session.execute(QuizQuestion.__table__.update().values(active=False))
    db.session.commit()
    response = operator.post(NEW, data=new_channel(token, **{"new-kind": "quiz"}))
    assert response.status_code == 422
    assert "kind: the quiz has no questions in it" in response.get_data(as_text=True)
    assert "rain" not in channel_keys()


def test_a_file_that_is_not_audio_makes_no_channel(operator, token, library, tmp_path):
    fake = tmp_path / "notes.mp3"
    fake.write_text("not audio\n" * 300)
    with fake.open("rb") as upload:
        response = operator.post(NEW, data=new_channel(token, audio=(upload, "notes.mp3")))
    assert response.status_code == 422
    assert "audio: Not uploaded: not an audio file" in response.get_data(as_text=True)
    assert "rain" not in channel_keys() and not (library / "rain").exists()


def test_a_callback_channel_under_another_key_is_offered_when_closed(app, operator, token,
                                                                     simulate):
    """The hold planner finds the callback channel by its kind, not by the key 'callback'."""
    operator.post("/admin/content/channels/callback/delete", data={
        "csrf_token": token("/admin/content"), "confirm": "callback"})
    operator.post(NEW, data=new_channel(token, **{"new-kind": "callback", "new-key": "ring_me",
                                                  "new-name": "a call back later",
                                                  "new-digit": "9"}))
    app.config["QUEUE_HOURS"] = "*=00:00-00:01"
    t = simulate([say("agent")], wait_loops=1)
    assert "We can call you back at the number ending in 0 0 0 0" in t.ivr_text


# -- delete

def test_deleting_asks_first_then_removes_the_channel_and_its_tracks(operator, token):
    add_track("classical", "nocturne")
    confirm = operator.get("/admin/content/channels/classical/delete").get_data(as_text=True)
    assert "Delete the channel classical music?" in confirm and "Its 1 track go" in confirm
    assert channel("classical") is not None  # the GET changed nothing
    response = operator.post("/admin/content/channels/classical/delete", data={
        "csrf_token": token("/admin/content"), "confirm": "classical"}, follow_redirects=True)
    assert "Deleted the channel &#39;classical music&#39;." in response.get_data(as_text=True)
    assert "classical" not in channel_keys()
    assert db.session.scalar(select(func.count(HoldSegment.id)).where(
        HoldSegment.track == "nocturne")) == 0
    assert audited("channel.delete")[0].detail["kind"] == "music"


def test_a_delete_without_the_confirm_step_or_csrf_changes_nothing(operator, token):
    no_confirm = operator.post("/admin/content/channels/jazz/delete", data={
        "csrf_token": token("/admin/content")})
    forged = operator.post("/admin/content/channels/jazz/delete", data={"confirm": "jazz"})
    missing = operator.post("/admin/content/channels/nope/delete", data={
        "csrf_token": token("/admin/content"), "confirm": "nope"})
    assert (no_confirm.status_code, forged.status_code, missing.status_code) == (400, 400, 404)
    assert "jazz" in channel_keys() and audited("channel.delete") == []


def playing_channel(body: str) -> str | None:
    """The channel key of the hold segment a waitUrl answer plays."""
    for play in ET.fromstring(body).iter("Play"):
        if "/hold-audio/" in (play.text or ""):
            segment_id = int(play.text.split("/hold-audio/")[1].split("/")[0])
            return db.session.get(HoldSegment, segment_id).channel.key
    return None


def test_a_caller_listening_to_a_deleted_channel_moves_on_to_the_house_music(
        app, client, operator, token, library):
    for key in ("jazz", "classical"):
        add_track(key, f"{key} tune", parts=4)
        for segment in channel(key).segments:
            (library / key).mkdir(parents=True, exist_ok=True)
            (library / key / segment.file_name).write_bytes(b"RIFF" + bytes(64))
    sim = Simulator(InProcess(client), app.config["TWILIO_AUTH_TOKEN"],
                    app.config["PUBLIC_BASE_URL"], caller="+15551230001",
                    dialled="+15005550006", wait_loops=2, stay_on_line=True)
    t = sim.run([say("agent"), press("2")])
    assert db.session.scalar(select(HoldSession)).state["channel"] == "classical"
    assert [playing_channel(ET.tostring(r, encoding="unicode")) for r in t.responses][-1] \
        == "classical"
    page = operator.get("/admin/content/channels/classical/delete").get_data(as_text=True)
    assert "1 caller is listening now" in page

    operator.post("/admin/content/channels/classical/delete", data={
        "csrf_token": token("/admin/content"), "confirm": "classical"})
    assert audited("channel.delete")[0].detail["callers_moved"] == 1
    wait_url = next(r.find(".//Enqueue").get("waitUrl") for r in t.responses
                    if r.find(".//Enqueue") is not None)
    status, body = sim.signed_post(wait_url, sim.wait_params())
    assert status == 200 and playing_channel(body) == "jazz"
    session = db.session.scalar(select(HoldSession))
    assert session.ended_at is None


# -- quiz questions

def test_operator_deletes_a_question(operator, token):
    question = db.session.scalar(select(QuizQuestion).order_by(QuizQuestion.id))
    path = f"/admin/content/quiz/{question.id}"
    assert "Delete this question" in operator.get(path).get_data(as_text=True)
    response = operator.post(f"{path}/delete", data={"csrf_token": token(path)},
                             follow_redirects=True)
    assert "Question deleted." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(QuizQuestion, question.id) is None
    assert audited("quiz.delete")[0].detail["question"] == question.question


def test_the_last_question_of_a_live_quiz_channel_stays(operator, token):
    first, *rest = db.session.scalars(select(QuizQuestion).order_by(QuizQuestion.id)).all()
    for question in rest:
        db.session.delete(question)
    db.session.commit()
    path = f"/admin/content/quiz/{first.id}"
    deleted = operator.post(f"{path}/delete", data={"csrf_token": token(path)})
    taken_out = operator.post(f"{path}/active", data={"csrf_token": token(path),
                                                      "active": "0"})
    assert deleted.status_code == taken_out.status_code == 422
    assert "a quiz channel would have no questions left" in deleted.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(QuizQuestion, first.id).active is True
    assert audited("quiz.delete") == []


def test_a_first_track_over_the_limit_makes_no_channel(operator, token, monkeypatch, library):
    import io

    from app.admin import content_views

    monkeypatch.setattr(content_views, "UPLOAD_LIMIT", 2048)
    response = operator.post(NEW, data=new_channel(token, audio=(io.BytesIO(b"x" * 4096),
                                                                 "big.mp3")))
    assert response.status_code == 413
    assert "audio: Not uploaded: a file may be at most 0 MB." in response.get_data(as_text=True)
    assert "rain" not in channel_keys()


def test_agents_cannot_make_or_delete_channels_forms_or_questions(client, make_user, login):
    make_user("alex", "agent")
    login("alex")
    from tests.conftest import csrf_from

    csrf = csrf_from(client.get("/login").get_data(as_text=True))
    question = db.session.scalar(select(QuizQuestion.id))
    posts = {NEW: {"new-key": "rain", "new-kind": "quiz", "new-name": "rain",
                   "new-digit": "8", "new-phrases": "rain"},
             "/admin/content/channels/jazz/delete": {"confirm": "jazz"},
             f"/admin/content/quiz/{question}/delete": {},
             "/admin/content/forms": {"source": "id: x"}}
    for path, form in posts.items():
        assert client.post(path, data={"csrf_token": csrf, **form}).status_code == 403
    for path in ("/admin/content/forms/new", "/admin/content/channels/jazz/delete",
                 "/admin/content/forms/pay_bill/preview"):
        assert client.get(path).status_code == 403
    assert "jazz" in channel_keys() and "rain" not in channel_keys()
    assert db.session.get(QuizQuestion, question) is not None
