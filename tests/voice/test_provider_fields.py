"""Provider numbers are ASCII digits within bounds; provider text has no control bytes."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import select

from app.models import Call, CallEvent, db

CALLER = {"From": "+15551230001", "To": "+15005550006"}
NOT_NUMBERS = ["²", "٣", "-1", "4.5", "99999999999999999999", " 42"]


def new_sid() -> str:
    return "CA" + uuid.uuid4().hex


def the_call(sid: str) -> Call:
    db.session.expire_all()
    return db.session.scalar(select(Call).where(Call.call_sid == sid))


@pytest.fixture
def call(signed) -> str:
    sid = new_sid()
    assert signed("/voice/incoming", {"CallSid": sid, **CALLER}).status_code == 200
    return sid


def twiml(response) -> ET.Element:
    assert response.status_code == 200, response.get_data(as_text=True)
    return ET.fromstring(response.get_data(as_text=True))


def test_a_status_callback_with_an_impossible_duration_is_a_400(signed, call):
    for duration in NOT_NUMBERS:
        response = signed("/voice/status", {"CallSid": call, **CALLER,
                                            "CallStatus": "completed", "CallDuration": duration})
        assert response.status_code == 400, duration
    assert the_call(call).status == "in-progress"  # nothing half-recorded


def test_a_status_nobody_sends_is_a_400_and_nul_bytes_never_reach_the_database(signed, call):
    assert signed("/voice/status", {"CallSid": call, **CALLER,
                                    "CallStatus": "gibberish"}).status_code == 400
    assert signed("/voice/status", {"CallSid": call, **CALLER, "CallStatus": "compl\x00eted",
                                    "CallDuration": "42"}).status_code == 204
    assert (the_call(call).status, the_call(call).duration_s) == ("completed", 42)


def test_control_characters_in_the_callers_number_are_stripped(signed):
    sid = new_sid()
    response = signed("/voice/incoming", {"CallSid": sid, "From": "+1555\x00123\x1b0001",
                                          "To": "+15005550006"})
    assert twiml(response).find("Gather") is not None
    assert the_call(sid).from_number == "+15551230001"  # and recognised: Maria


def test_a_waiting_caller_gets_hold_content_whatever_the_queue_figures(signed, call):
    for figure in NOT_NUMBERS:
        waiting = twiml(signed("/voice/wait?queue=general", {
            "CallSid": call, **CALLER, "QueuePosition": figure, "QueueTime": figure,
            "AvgQueueTime": figure}))
        assert waiting.find("Redirect") is not None, figure
    done = twiml(signed("/voice/queue-done", {"CallSid": call, **CALLER,
                                              "QueueResult": "hangup", "QueueTime": "²"}))
    assert done.find("Hangup") is not None


@pytest.mark.parametrize("turn", ["%C2%B2", "99999999999999999999"])  # "²"
def test_a_malformed_turn_gets_the_current_prompt(signed, call, turn):
    response = twiml(signed(f"/voice/heard?turn={turn}", {"CallSid": call, **CALLER}))
    assert response.find("Gather") is not None or response.find("Enqueue") is not None


@pytest.mark.parametrize("duration", ["²", "99999999999999999999"])
def test_a_recording_with_an_impossible_duration_is_a_400(signed, call, duration):
    response = signed("/voice/recording", {"CallSid": call, **CALLER, "RecordingDuration":
                                           duration, "RecordingSid": "RE" + "1" * 32})
    assert response.status_code == 400
    voicemails = db.session.scalars(select(CallEvent).where(CallEvent.kind == "voicemail"))
    assert list(voicemails) == []


def test_control_characters_in_a_text_receipt_are_stripped(app, signed):
    from app.models import Message

    db.session.add(Message(to_number="+15551230001", from_number="+15005550006", body="hi",
                           sid="SM" + "b" * 32, status="queued", channel="twilio"))
    db.session.commit()
    assert signed("/sms/status", {"MessageSid": "SM" + "b" * 32,
                                  "MessageStatus": "deliv\x00ered"}).status_code == 204
    db.session.expire_all()
    assert db.session.scalar(select(Message)).status == "delivered"
