"""The Twilio edge: signatures, malformed requests, retries, failures, status callbacks."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import select

from app.models import Call, CallEvent, MenuVersion, db


def sid() -> str:
    return "CA" + uuid.uuid4().hex


def verbs(response) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/xml"
    return [el.tag for el in ET.fromstring(response.get_data(as_text=True)).iter()]


def call_params(call_sid, **extra):
    return {"CallSid": call_sid, "From": "+15551230001", "To": "+15005550006", **extra}


def test_incoming_call_greets_and_gathers_speech_and_keys(signed):
    response = signed("/voice/incoming", call_params(sid()))
    root = ET.fromstring(response.get_data(as_text=True))
    gather = root.find("Gather")
    assert gather.get("input") == "dtmf speech"
    assert "pay my bill" in gather.get("hints")
    assert gather.get("action").startswith("https://ivr.example.test/voice/input?turn=")
    assert root.find("Redirect") is not None  # silence becomes an event, not dead air
    assert "Maria" in gather.find("Say").text  # prompts inside Gather: callers can barge in


@pytest.mark.parametrize("path", ["/voice/incoming", "/voice/input", "/voice/status",
                                  "/voice/wait", "/voice/no-input", "/voice/queue-done"])
def test_unsigned_requests_are_refused(client, path):
    assert client.post(path, data=call_params(sid())).status_code == 403


def test_wrongly_signed_request_is_refused(signed):
    assert signed("/voice/incoming", call_params(sid()), token="not-the-token").status_code == 403


def test_signature_is_checked_against_public_url_not_host(app, client):
    from twilio.request_validator import RequestValidator

    params = call_params(sid())
    local = RequestValidator(app.config["TWILIO_AUTH_TOKEN"]).compute_signature(
        "http://localhost/voice/incoming", params)
    response = client.post("/voice/incoming", data=params,
                           headers={"X-Twilio-Signature": local})
    assert response.status_code == 403


def test_a_signature_over_the_url_with_its_port_is_accepted(app, client):
    """Twilio signs some requests over https://host:443/...: still the caller's call."""
    from twilio.request_validator import RequestValidator

    params = call_params(sid())
    with_port = app.config["PUBLIC_BASE_URL"].replace(".test", ".test:443") + "/voice/incoming"
    signature = RequestValidator(app.config["TWILIO_AUTH_TOKEN"]).compute_signature(
        with_port, params)
    response = client.post("/voice/incoming", data=params,
                           headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200 and b"<Gather" in response.data


@pytest.mark.parametrize("bad", ["", "not-a-sid", "CA123", "XX" + "0" * 32])
def test_missing_or_malformed_call_sid_is_a_400(signed, bad):
    assert signed("/voice/incoming", call_params(bad)).status_code == 400


def test_oversized_body_is_refused(signed):
    response = signed("/voice/incoming", call_params(sid(), Junk="x" * 70_000))
    assert response.status_code == 413


def test_retried_webhook_does_not_apply_input_twice(signed, app):
    call_sid = sid()
    first = signed("/voice/incoming", call_params(call_sid))
    action = ET.fromstring(first.get_data(as_text=True)).find("Gather").get("action")
    path = action.removeprefix(app.config["PUBLIC_BASE_URL"])
    one = signed(path, call_params(call_sid, Digits="4"))
    again = signed(path, call_params(call_sid, Digits="4"))
    assert one.get_data() == again.get_data()
    call = db.session.scalar(select(Call).where(Call.call_sid == call_sid))
    inputs = [e for e in call.events if e.kind == "input"]
    assert len(inputs) == 1
    assert any(e.kind == "retry" for e in call.events)
    assert call.state["node"] == "request_number"


def test_same_key_on_a_later_turn_is_applied(signed, app):
    call_sid = sid()
    first = signed("/voice/incoming", call_params(call_sid, From="+15559990000"))
    action = ET.fromstring(first.get_data(as_text=True)).find("Gather").get("action")
    second = signed(action.removeprefix(app.config["PUBLIC_BASE_URL"]),
                    call_params(call_sid, Digits="7"))  # no such option
    action2 = ET.fromstring(second.get_data(as_text=True)).find("Gather").get("action")
    assert action2 != action
    signed(action2.removeprefix(app.config["PUBLIC_BASE_URL"]), call_params(call_sid, Digits="7"))
    call = db.session.scalar(select(Call).where(Call.call_sid == call_sid))
    assert call.state["attempts"] == 2


def test_input_for_an_unknown_call_gets_an_apology_and_a_person(signed):
    response = signed("/voice/input?turn=3", call_params(sid(), Digits="1"))
    tags = verbs(response)
    assert "Enqueue" in tags and "Say" in tags


def test_engine_crash_becomes_an_apology_not_a_500(signed, app, monkeypatch):
    import app.calls.effects as calls  # where the turn runner calls the engine

    def boom(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(calls, "step", boom)
    call_sid = sid()
    response = signed("/voice/incoming", call_params(call_sid))
    root = ET.fromstring(response.get_data(as_text=True))
    assert "Sorry" in root.find("Say").text and root.find("Enqueue").text == "general"
    call = db.session.scalar(select(Call).where(Call.call_sid == call_sid))
    assert call.outcome == "escalated" and call.handoff_reason == "system error"


def test_garbage_parameters_are_handled(signed):
    call_sid = sid()
    signed("/voice/incoming", call_params(call_sid))
    response = signed("/voice/input?turn=1", call_params(
        call_sid, Digits="12ab", SpeechResult="x" * 5000, Confidence="very"))
    assert "Gather" in verbs(response)


def test_status_callback_records_end_and_duration(signed):
    call_sid = sid()
    signed("/voice/incoming", call_params(call_sid))
    assert signed("/voice/status", call_params(
        call_sid, CallStatus="completed", CallDuration="42")).status_code == 204
    call = db.session.scalar(select(Call).where(Call.call_sid == call_sid))
    assert (call.status, call.duration_s, call.outcome) == ("completed", 42, "abandoned_in_ivr")


def test_a_menu_changed_mid_call_does_not_break_the_call(signed, app):
    from app import menus

    call_sid = sid()
    first = signed("/voice/incoming", call_params(call_sid))
    old = db.session.scalar(select(MenuVersion).where(MenuVersion.status == "published"))
    changed = dict(old.definition)
    changed["nodes"] = dict(changed["nodes"])
    changed["nodes"]["main"] = {**changed["nodes"]["main"], "prompt": "A brand new prompt."}
    menus.save_version(changed, publish=True)
    db.session.commit()
    action = ET.fromstring(first.get_data(as_text=True)).find("Gather").get("action")
    response = signed(action.removeprefix(app.config["PUBLIC_BASE_URL"]),
                      call_params(call_sid, Digits="4"))
    assert "service request number" in response.get_data(as_text=True)
    fresh = signed("/voice/incoming", call_params(sid()))
    assert "A brand new prompt." in fresh.get_data(as_text=True)


def test_every_step_is_recorded(signed):
    call_sid = sid()
    signed("/voice/incoming", call_params(call_sid))
    kinds = {e.kind for e in db.session.scalars(select(CallEvent))}
    assert {"entered"} <= kinds


def test_a_link_texted_in_the_first_answer_belongs_to_the_new_call(signed, app):
    """The call's row goes in before the link's, and the rest of the call carries on."""
    from app import menus
    from app.models import Message
    from app.selfservice.models import SmsLink

    signed("/voice/incoming", call_params(sid()))  # loads the sentence model: seconds
    old = db.session.scalar(select(MenuVersion).where(MenuVersion.status == "published"))
    nodes = old.definition["nodes"]  # the greeting texts the bill link, then goes on
    menus.save_version({**old.definition, "nodes": {**nodes, "greeting": nodes["pay_bill"]}},
                       publish=True)
    db.session.commit()
    call_sid = sid()
    first = signed("/voice/incoming", call_params(call_sid))
    assert "texted you a secure link" in first.get_data(as_text=True)
    call = db.session.scalar(select(Call).where(Call.call_sid == call_sid))
    link = db.session.scalar(select(SmsLink).where(SmsLink.call_id == call.id))
    assert link is not None and link.phone == "+15551230001" and link.form == "pay_bill"
    assert db.session.scalar(select(Message).where(Message.call_id == call.id)) is not None
    action = ET.fromstring(first.get_data(as_text=True)).find("Gather").get("action")
    goodbye = signed(action.removeprefix(app.config["PUBLIC_BASE_URL"]),
                     call_params(call_sid, Digits="2"))
    assert "Goodbye" in goodbye.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Call, call.id).outcome == "self_service"
