"""Content in the operator app: hold channels, their tracks (through the audio pipeline),
quiz questions and SMS forms. Every refusal keeps the old state."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from flask import g
from sqlalchemy import select

from app.auth.models import AuditEntry
from app.hold.models import HoldChannel, HoldSegment, QuizQuestion
from app.models import db
from app.selfservice.forms import FORMS_DIR
from app.selfservice.models import FormDefinition
from tests.conftest import csrf_from
from tests.selfservice.test_selfservice_journeys import link_path, outbox, start_service


def sine_mp3(folder: Path, seconds: int = 25, name: str = "morning tune.mp3") -> Path:
    """A real encoded file; hold segments are at least 20 s, so shorter is refused."""
    path = folder / name
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    f"sine=frequency=440:duration={seconds}", "-ac", "1", "-b:a", "64k",
                    str(path)], check=True)
    return path


def channel(key: str) -> HoldChannel:
    db.session.expire_all()
    return db.session.scalar(select(HoldChannel).where(HoldChannel.key == key))


def audited(action: str) -> list[AuditEntry]:
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


def channel_form(**changes) -> dict[str, str]:
    """The overview form as the page posts it, with some fields changed."""
    form = {}
    for row in db.session.scalars(select(HoldChannel)):
        form |= {f"{row.key}-name": row.name, f"{row.key}-digit": row.digit,
                 f"{row.key}-phrases": ", ".join(row.phrases),
                 f"{row.key}-position": str(row.position)}
        if row.active:
            form[f"{row.key}-active"] = "on"
    return form | changes


def add_track(key: str, track: str, parts: int = 2) -> None:
    target = channel(key)
    for part in range(parts):
        db.session.add(HoldSegment(channel=target, track=track, title=f"{track} ({part + 1})",
                                   file_name=f"{track}-{part}.wav", sha256="0" * 64,
                                   duration_s=30.0, position=part))
    db.session.commit()


# -- who may

@pytest.mark.parametrize("path", ["/admin/content", "/admin/content/channels/jazz",
                                  "/admin/content/quiz", "/admin/content/forms",
                                  "/admin/content/forms/pay_bill"])
def test_anonymous_users_are_sent_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_agents_are_refused_every_content_page_and_change(client, make_user, login, library):
    make_user("alex", "agent")
    token = csrf_from(client.get("/login").get_data(as_text=True))
    login("alex")
    for path in ("/admin/content", "/admin/content/channels/jazz", "/admin/content/quiz",
                 "/admin/content/forms/pay_bill"):
        assert client.get(path).status_code == 403
    # (Only operators may send upload-sized bodies: an agent's large upload is a 413.)
    upload = client.post("/admin/content/channels/jazz/tracks", data={
        "csrf_token": token, "audio": (io.BytesIO(b"ID3" + bytes(1000)), "tune.mp3")})
    renamed = client.post("/admin/content/channels", data=channel_form(
        **{"jazz-name": "agent jazz", "csrf_token": token}))
    assert upload.status_code == renamed.status_code == 403
    assert channel("jazz").segments == [] and channel("jazz").name == "jazz"


def test_a_forged_post_without_the_csrf_token_changes_nothing(operator):
    response = operator.post("/admin/content/channels",
                             data=channel_form(**{"jazz-name": "forged"}))
    assert response.status_code == 400
    saved = operator.post("/admin/content/forms/pay_bill", data={
        "source": (FORMS_DIR / "pay_bill.yaml").read_text(), "version": "0"})
    assert saved.status_code == 400
    assert channel("jazz").name == "jazz" and db.session.scalar(select(FormDefinition)) is None


def test_the_admin_nav_links_to_content(operator):
    page = operator.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/content">Content</a>' in page


# -- channels

def test_overview_lists_channels_with_their_tracks_and_minutes(operator):
    add_track("tips", "saving on heating", parts=3)
    page = operator.get("/admin/content").get_data(as_text=True)
    row = page[page.index('id="channel-tips"'):page.index('id="channel-quiz"')]
    assert "today&#39;s energy tips" in row and "tips, energy tips" in row
    assert '<td class="num">1</td>' in row and '<td class="num">1.5</td>' in row


def test_operator_swaps_digits_renames_and_deactivates_in_one_save(operator, token):
    response = operator.post("/admin/content/channels", data=channel_form(**{
        "jazz-digit": "2", "classical-digit": "1", "jazz-name": "smooth jazz",
        "ambient-phrases": "calm,  relaxing ,", "csrf_token": token("/admin/content")}
        ) | {"ambient-active": ""}, follow_redirects=True)
    assert "Saved 3 channels." in response.get_data(as_text=True)
    assert (channel("jazz").digit, channel("classical").digit) == ("2", "1")
    assert channel("jazz").name == "smooth jazz"
    assert channel("ambient").phrases == ["calm", "relaxing"]
    assert channel("ambient").active is False
    [entry] = [e for e in audited("channel.edit") if e.target == "jazz"]
    assert entry.detail == {"digit": "2", "name": "smooth jazz"} and entry.username == "olive"


@pytest.mark.parametrize(("changes", "problem"), [
    ({"tips-digit": "1"}, "Digit 1 is given to more than one channel (jazz, tips)."),
    ({"tips-digit": "0"}, "tips: the digit must be one of 1 to 9."),
    ({"tips-phrases": " , "}, "tips: give at least one phrase callers may say."),
    ({"tips-name": ""}, "tips: the name needs 1 to 60 characters."),
])
def test_invalid_channel_edits_are_refused_and_nothing_changes(operator, token, changes,
                                                               problem):
    response = operator.post("/admin/content/channels", data=channel_form(
        **{"jazz-name": "renamed", "csrf_token": token("/admin/content"), **changes}))
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and problem.replace("'", "&#39;") in page
    assert 'value="renamed"' in page  # what the operator typed is kept
    tips = channel("tips")
    assert (tips.digit, tips.name, channel("jazz").name) == ("4", "today's energy tips", "jazz")
    assert audited("channel.edit") == []


# -- tracks

def test_upload_imports_the_track_through_the_pipeline(operator, token, library, tmp_path):
    path = "/admin/content/channels/tips"
    with sine_mp3(tmp_path).open("rb") as audio:
        response = operator.post(f"{path}/tracks", data={
            "csrf_token": token(path), "audio": (audio, "morning tune.mp3"), "weekday": "2"},
            follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Added &#39;morning tune&#39; to today&#39;s energy tips: 1 segment, 0:25." in page
    assert "<td>morning tune</td>" in page and '<td class="num">0:25</td>' in page
    [segment] = channel("tips").segments
    assert segment.weekday == 2 and (library / "tips" / segment.file_name).is_file()
    assert audited("track.upload")[0].target == "tips/morning tune"


def test_an_upload_that_is_not_audio_is_refused_with_the_pipelines_reason(operator, token,
                                                                          library, tmp_path):
    fake = tmp_path / "notes.mp3"
    fake.write_text("these are meeting notes, not audio\n" * 50)
    path = "/admin/content/channels/jazz"
    with fake.open("rb") as upload:
        response = operator.post(f"{path}/tracks", data={
            "csrf_token": token(path), "audio": (upload, "notes.mp3")})
    assert response.status_code == 422
    error = response.get_data(as_text=True).split('id="upload-error">')[1].split("</p>")[0]
    assert error.startswith("Not uploaded: not an audio file or corrupt")
    assert channel("jazz").segments == [] and not library.exists()
    assert audited("track.upload") == []


def test_an_upload_over_the_limit_is_refused_before_it_is_read(operator, token, monkeypatch,
                                                               library):
    from app.admin import content_views

    monkeypatch.setattr(content_views, "UPLOAD_LIMIT", 2048)
    path = "/admin/content/channels/jazz"
    response = operator.post(f"{path}/tracks", data={
        "csrf_token": token(path), "audio": (io.BytesIO(b"x" * 4096), "a.mp3")})
    assert response.status_code == 413
    assert "Not uploaded: a file may be at most 0 MB." in response.get_data(as_text=True)
    assert channel("jazz").segments == []


def test_a_duplicate_track_title_is_refused(operator, token, library, tmp_path):
    add_track("jazz", "morning tune")
    path = "/admin/content/channels/jazz"
    with sine_mp3(tmp_path).open("rb") as audio:
        response = operator.post(f"{path}/tracks", data={"csrf_token": token(path),
                                                         "audio": (audio, "morning tune.mp3")})
    assert response.status_code == 422 and "already has a track" in response.get_data(
        as_text=True)
    assert len(channel("jazz").segments) == 2


def test_operator_schedules_and_deletes_a_tip(operator, token):
    add_track("tips", "saving on heating")
    add_track("tips", "fridge facts")
    path = "/admin/content/channels/tips"
    page = operator.post(f"{path}/tracks/weekday", data={
        "csrf_token": token(path), "track": "fridge facts", "weekday": "4"},
        follow_redirects=True).get_data(as_text=True)
    assert "&#39;fridge facts&#39; now plays on Friday." in page
    assert {s.track: s.weekday for s in channel("tips").segments} == {
        "saving on heating": None, "fridge facts": 4}
    page = operator.post(f"{path}/tracks/delete", data={
        "csrf_token": token(path), "track": "saving on heating"},
        follow_redirects=True).get_data(as_text=True)
    assert "Deleted &#39;saving on heating&#39;" in page and "<td>saving on heating</td>" \
        not in page
    assert {s.track for s in channel("tips").segments} == {"fridge facts"}
    assert [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
            if e.action.startswith("track.")] == ["track.schedule", "track.delete"]


# -- quiz

def quiz_form(token: str, **changes) -> dict[str, str]:
    return {"csrf_token": token, "question": "Which bulb uses the least energy?",
            "choice-1": "halogen", "choice-2": "", "choice-3": "LED", "choice-4": "",
            "answer": "3", "fact": "LEDs last about 25 times longer."} | changes


def test_operator_adds_edits_and_takes_out_a_question(operator, token):
    response = operator.post("/admin/content/quiz", data=quiz_form(token("/admin/content/quiz")),
                             follow_redirects=True)
    assert "Question added." in response.get_data(as_text=True)
    question = db.session.scalar(select(QuizQuestion).order_by(QuizQuestion.id.desc()))
    assert (question.choices, question.answer) == (["halogen", "LED"], 1)  # gaps closed
    edit = f"/admin/content/quiz/{question.id}"
    operator.post(edit, data=quiz_form(token(edit), **{"choice-2": "incandescent",
                                                       "answer": "2"}))
    db.session.refresh(question)
    assert (question.choices, question.answer) == (["halogen", "incandescent", "LED"], 1)
    operator.post(f"{edit}/active", data={"csrf_token": token(edit), "active": "0"})
    db.session.refresh(question)
    assert question.active is False
    assert [e.action for e in audited("quiz.add") + audited("quiz.edit") +
            audited("quiz.deactivate")] == ["quiz.add", "quiz.edit", "quiz.deactivate"]


@pytest.mark.parametrize(("changes", "problem"), [
    ({"answer": "2"}, "The answer must be one of the choices."),
    ({"choice-3": ""}, "Give 2 to 4 choices."),
    ({"choice-3": "Halogen"}, "The choices must differ"),
    ({"question": "x" * 301}, "The question needs 1 to 300 characters."),
])
def test_invalid_questions_are_refused(operator, token, changes, problem):
    before = db.session.scalars(select(QuizQuestion.question)).all()
    response = operator.post("/admin/content/quiz", data=quiz_form(
        token("/admin/content/quiz"), **changes))
    assert response.status_code == 422 and problem in response.get_data(as_text=True)
    assert db.session.scalars(select(QuizQuestion.question)).all() == before


# -- SMS forms

FORM = "/admin/content/forms/start_service"


def edited(text: str, title: str) -> str:
    return text.replace("title: Start service", f"title: {title}", 1)


def test_a_saved_form_is_what_callers_get_and_revert_brings_back_the_shipped(
        operator, token, simulate, client):
    shipped = (FORMS_DIR / "start_service.yaml").read_text()
    assert "title: Start service" in shipped
    response = operator.post(FORM, data={"csrf_token": token(FORM), "version": "0",
                                         "source": edited(shipped, "Start your service")},
                             follow_redirects=True)
    assert "Saved the start_service form." in response.get_data(as_text=True)
    assert "Start your service" in operator.get("/admin/content/forms").get_data(as_text=True)

    start_service(simulate)  # the texted link and the form page use the saved form
    [text] = outbox()
    assert "Start your service" in text.body
    assert "Start your service" in client.get(link_path(text)).get_data(as_text=True)
    assert audited("form.save")[0].detail == {"version": 1}

    operator.post(f"{FORM}/revert", data={"csrf_token": token(FORM), "version": "1"})
    page = operator.get(FORM).get_data(as_text=True)
    assert "title: Start service" in page and "<small>shipped</small>" in page
    assert audited("form.revert")[0].detail == {"version": 2}


def test_an_invalid_form_shows_the_validators_problems_and_keeps_the_old_one(operator,
                                                                             token):
    shipped = (FORMS_DIR / "start_service.yaml").read_text()
    broken = shipped.replace("type: zip", "type: postcode", 1)
    response = operator.post(FORM, data={"csrf_token": token(FORM), "version": "0",
                                         "source": broken})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "start_service field &#39;zip&#39; type:" in page and "postcode" in page
    assert db.session.scalar(select(FormDefinition)) is None
    renamed = operator.post(FORM, data={"csrf_token": token(FORM), "version": "0",
                                         "source": shipped.replace("id: start_service",
                                                                   "id: other", 1)})
    assert "id &#39;other&#39; must match &#39;start_service&#39;" in renamed.get_data(
        as_text=True)


def test_two_operators_editing_one_form_cannot_overwrite_each_other(operator, token, app,
                                                                    make_user, login):
    shipped = (FORMS_DIR / "start_service.yaml").read_text()
    page = operator.get(FORM).get_data(as_text=True)
    assert 'name="version" value="0"' in page  # olive opens the shipped form

    other = app.test_client()  # meanwhile oscar opens it too and saves first
    make_user("oscar", "operator")
    g.pop("csrf_token", None)  # Flask-WTF caches a token per app context; the tests share one
    csrf = csrf_from(other.get("/login").get_data(as_text=True))
    other.post("/login", data={"username": "oscar", "password": "a-long-password",
                               "csrf_token": csrf})
    saved = other.post(FORM, data={"csrf_token": csrf, "version": "0",
                                   "source": edited(shipped, "Oscar's title")})
    assert saved.status_code == 303

    late = operator.post(FORM, data={"csrf_token": csrf_from(page), "version": "0",
                                     "source": edited(shipped, "Olive's title")})
    text = late.get_data(as_text=True)
    assert late.status_code == 409 and "Not saved: someone saved this form (oscar" in text
    assert "Olive&#39;s title" in text  # her text is kept to apply again
    db.session.expire_all()
    row = db.session.scalar(select(FormDefinition))
    assert "Oscar's title" in row.source and row.version == 1
    stale_revert = operator.post(f"{FORM}/revert", data={"csrf_token": csrf_from(page),
                                                         "version": "0"})
    assert stale_revert.status_code == 409
    assert "Oscar's title" in db.session.scalar(select(FormDefinition.source))
