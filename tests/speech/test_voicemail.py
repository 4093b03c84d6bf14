"""Voicemail: recorded by the provider, fetched with our credentials, transcribed by Vosk
on this machine, and waiting for a person as a callback with its transcript."""

from __future__ import annotations

import subprocess
import threading
import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import select

from app import menus
from app.hold.models import CallbackRequest
from app.models import Call, CallEvent, db
from app.simulator import press
from tests.conftest import ProviderHandler, fake_provider

CALLER = "+15557770001"
LINE = "+15550002222"
MENU = {
    "name": "vm-test", "start": "main", "settings": {"person": "agent"},
    "nodes": {
        "main": {"type": "menu", "prompt": "Press 1 to leave a message.",
                 "options": [{"key": "1", "phrases": ["message"], "go": "message"}]},
        "message": {"type": "voicemail", "queue": "billing", "language": "ko-KR",
                    "max_length_s": 60, "prompt": "삐 소리가 나면 메시지를 남겨 주세요."},
        "agent": {"type": "queue", "queue": "general", "prompt": "Connecting you."},
    },
}


@pytest.fixture
def voicemail_line(app):
    menus.save_version(MENU, publish=True)
    menus.route_number(LINE, "vm-test")
    db.session.commit()


class Recordings(ProviderHandler):
    """The provider's recording store: the WAV for the right credentials only."""

    audio = b""
    asked: list = []

    def do_GET(self):  # noqa: N802 (http.server's naming)
        Recordings.asked.append((self.path, self.headers.get("Authorization")))
        found = self.path.endswith("/Recordings/RE1.wav") and self.headers.get(
            "Authorization", "").startswith("Basic ")
        if found:
            self.reply(200, self.audio, "audio/x-wav")
        else:
            self.reply(404, b"")


@pytest.fixture
def provider(app):
    Recordings.audio = subprocess.run(
        ["espeak-ng", "-v", "ko", "-s", "130", "--stdout", "정전 신고 부탁합니다."],
        capture_output=True, check=True).stdout
    Recordings.asked = []
    server = fake_provider(app, Recordings)
    yield Recordings
    server.shutdown()


def leave_message(simulate, signed, url="https://api.twilio.com/2010-04-01/Accounts/AC1/"
                                        "Recordings/RE1"):
    transcript = simulate([press("1")], caller=CALLER, dialled=LINE)
    response = signed("/voice/recording?language=ko-KR", {
        "CallSid": transcript.call_sid, "RecordingSid": "RE1", "RecordingUrl": url,
        "RecordingStatus": "completed", "RecordingDuration": "4"})
    assert response.status_code == 204
    for thread in threading.enumerate():
        if thread.name == "voicemail-transcriber":
            thread.join(timeout=120)
    db.session.expire_all()
    return transcript


def voicemail_of(call_sid: str) -> dict:
    call = db.session.scalar(select(Call).where(Call.call_sid == call_sid))
    return db.session.scalar(select(CallEvent).where(
        CallEvent.call_id == call.id, CallEvent.kind == "voicemail")).detail


def test_the_voicemail_node_records_with_a_beep_and_our_callbacks(simulate, voicemail_line):
    transcript = simulate([press("1")], caller=CALLER, dialled=LINE)
    record = transcript.responses[-1].find("Record")
    assert record is not None
    assert record.get("maxLength") == "60" and record.get("playBeep") == "true"
    assert record.get("action") == "https://ivr.example.test/voice/recorded?language=ko-KR"
    assert record.get("recordingStatusCallback").startswith(
        "https://ivr.example.test/voice/recording")
    call = db.session.scalar(select(Call).where(Call.call_sid == transcript.call_sid))
    assert (call.outcome, call.queue) == ("voicemail", "vm-test.billing")  # the line's own queue


def test_after_recording_the_caller_is_thanked_in_their_language(signed, simulate,
                                                                 voicemail_line):
    transcript = simulate([press("1")], caller=CALLER, dialled=LINE)
    body = signed("/voice/recorded?language=ko-KR", {"CallSid": transcript.call_sid}).text
    root = ET.fromstring(body)
    assert root.find("Say").get("language") == "ko-KR"
    assert "감사합니다" in root.find("Say").text and root.find("Hangup") is not None


def test_the_recording_is_transcribed_here_and_waits_as_a_callback(
        simulate, signed, voicemail_line, provider):
    transcript = leave_message(simulate, signed)
    voicemail = voicemail_of(transcript.call_sid)
    assert voicemail["status"] == "transcribed"
    assert voicemail["transcript"].strip()  # espeak-ng Korean: words, not accuracy
    assert voicemail["duration_s"] == 4
    [(path, auth)] = provider.asked
    assert path.endswith("/Recordings/RE1.wav") and auth.startswith("Basic ")
    callback = db.session.scalar(select(CallbackRequest))
    assert (callback.queue, callback.number, callback.status) == (
        "vm-test.billing", CALLER, "pending")


def test_credentials_go_only_to_the_provider(simulate, signed, voicemail_line, provider):
    transcript = leave_message(simulate, signed, url="https://evil.example/steal")
    assert provider.asked == []
    assert voicemail_of(transcript.call_sid)["status"].startswith("no audio")
    assert db.session.scalar(select(CallbackRequest)) is not None  # still called back


def test_without_provider_credentials_the_callback_still_happens(simulate, signed,
                                                                  voicemail_line):
    transcript = leave_message(simulate, signed)
    assert voicemail_of(transcript.call_sid)["status"].startswith("no audio")
    assert db.session.scalar(select(CallbackRequest)).status == "pending"


def test_an_unsigned_recording_callback_is_refused(client, simulate, voicemail_line):
    transcript = simulate([press("1")], caller=CALLER, dialled=LINE)
    response = client.post("/voice/recording", data={
        "CallSid": transcript.call_sid, "RecordingUrl": "https://api.twilio.com/x"})
    assert response.status_code == 403
    assert db.session.scalar(select(CallbackRequest)) is None


def test_the_agent_who_calls_back_sees_the_transcript(simulate, signed, voicemail_line,
                                                      provider, app, make_user, client,
                                                      login):
    from app.agents.models import AgentProfile
    from app.agents.service import whisper
    from tests.conftest import csrf_from

    transcript = leave_message(simulate, signed)
    words = voicemail_of(transcript.call_sid)["transcript"]
    app.config["TWILIO_ACCOUNT_SID"] = None  # the agent's leg goes to the local outbox
    # The message was left in Korean: "take next" gives it only to an agent who speaks it.
    db.session.add(AgentProfile(user=make_user("bo", "agent"), phone="+15550008888",
                                skills=["vm-test.billing"], languages=["ko"]))
    db.session.commit()
    login("bo")
    token = csrf_from(client.get("/agent/").get_data(as_text=True))
    screen = client.post("/agent/take-next", data={"csrf_token": token}).location
    html = client.get(screen).get_data(as_text=True)
    assert "Voicemail" in html and words in html and "4 s" in html
    call = db.session.scalar(select(Call).where(Call.call_sid == transcript.call_sid))
    assert "They left a message: " + words in whisper(call)
