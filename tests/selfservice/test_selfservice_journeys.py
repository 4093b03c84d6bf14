"""Self-service that finishes the job: a texted link, a mobile form, a resolved call."""

from __future__ import annotations

import re
import threading
import time
from http.server import ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from sqlalchemy import select

from app.models import Call, CallEvent, Message, db
from app.selfservice.models import FormSubmission, SmsLink
from app.simulator import press, say
from tests.conftest import ProviderHandler, csrf_from, fake_provider

CALLER = "+15559990000"


def outbox(to: str = CALLER) -> list[Message]:
    return db.session.scalars(select(Message).where(Message.to_number == to)
                              .order_by(Message.id)).all()


def link_path(message: Message) -> str:
    return re.search(r"https://ivr\.example\.test(/s/\S+)", message.body).group(1)


def start_service(simulate, caller=CALLER):
    return simulate([say("I need to start service"), say("start")], caller=caller)


FORM = {"full_name": "Dana Reyes", "service_address": "12 Elm Street", "zip": "94107",
        "start_date": "2030-01-15", "phone": "4155550123"}


def fill(client, path, values):
    token = csrf_from(client.get(path).get_data(as_text=True))
    return client.post(path, data={**values, "csrf_token": token})


def test_start_service_by_text_link_resolves_the_call(simulate, client):
    t = start_service(simulate)
    assert "texted you a link to start service" in t.ivr_text
    [text] = outbox()
    assert "Start service" in text.body and text.status == "outbox"
    path = link_path(text)
    page = client.get(path)
    assert page.status_code == 200 and 'name="service_address"' in page.get_data(as_text=True)
    done = fill(client, path, FORM)
    assert done.status_code == 200 and "texted you a confirmation" in done.get_data(as_text=True)
    call = db.session.scalar(select(Call).where(Call.call_sid == t.call_sid))
    assert call.outcome == "self_service"
    kinds = [e.kind for e in call.events]
    assert {"link_sent", "link_opened", "link_submitted"} <= set(kinds)
    assert db.session.scalar(select(FormSubmission)).data["service_address"] == "12 Elm Street"
    assert len(outbox()) == 2  # the link, then the confirmation


def test_a_used_link_cannot_be_submitted_twice(simulate, client):
    start_service(simulate)
    path = link_path(outbox()[0])
    fill(client, path, FORM)
    again = client.get(path)
    assert again.status_code == 410 and "Dana" not in again.get_data(as_text=True)
    assert len(db.session.scalars(select(FormSubmission)).all()) == 1


def test_tampered_link_gets_a_page_that_reveals_nothing(simulate, client):
    start_service(simulate)
    path = link_path(outbox()[0])
    forged = client.get(path[:-3] + ("aaa" if not path.endswith("aaa") else "bbb"))
    html = forged.get_data(as_text=True)
    assert forged.status_code == 404
    assert CALLER not in html and "Start service" not in html and "Elm" not in html


def test_expired_link_is_refused(app, simulate, client):
    app.config["LINK_MAX_AGE_S"] = 1
    start_service(simulate)
    path = link_path(outbox()[0])
    time.sleep(2.1)
    response = client.get(path)
    assert response.status_code == 410 and "expired" in response.get_data(as_text=True).lower()


def test_bad_answers_are_explained_and_kept(simulate, client):
    start_service(simulate)
    path = link_path(outbox()[0])
    bad = {**FORM, "zip": "9410", "full_name": "<script>alert(1)</script>",
           "service_address": "x" * 5000}
    response = fill(client, path, bad)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "ZIP" in html
    assert db.session.scalar(select(FormSubmission)) is None
    assert db.session.scalar(select(SmsLink)).status == "opened"


def test_returning_caller_is_greeted_with_the_link_and_reaches_a_person(simulate):
    start_service(simulate)
    t = simulate([press("0")], caller=CALLER)
    assert "We texted you a link to start service earlier" in t.ivr_text
    call = db.session.scalar(select(Call).where(Call.call_sid == t.call_sid))
    assert (call.queue, call.handoff_reason) == ("general", "self-service could not help")


def test_another_lines_link_is_not_its_business(simulate):
    """A caller texted the utility's start-service link who then calls the dental clinic
    is not greeted with it there; calling the utility again, they are."""
    start_service(simulate)
    clinic = simulate([], caller=CALLER, dialled="+15005550011")
    assert "Brightsmile Dental" in clinic.ivr_text
    assert "We texted you a link" not in clinic.ivr_text
    utility = simulate([], caller=CALLER)
    assert "We texted you a link to start service earlier" in utility.ivr_text


def test_texts_are_rate_limited_per_number(simulate):
    for _ in range(3):
        start_service(simulate)
    t = start_service(simulate)
    assert "already texted you several links" in t.ivr_text
    assert t.ended_by == "queue" and len(outbox()) == 3


def test_outbox_page_needs_a_login_and_lists_texts(simulate, client, make_user, login):
    start_service(simulate)
    assert client.get("/outbox").status_code == 302
    make_user("olive", "operator")
    login("olive")
    assert "Start service" in client.get("/outbox").get_data(as_text=True)


# --- the real twilio library against a local fake of its REST API -------------------


class FakeTwilio(ProviderHandler):
    requests: list = []
    fail = False

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        FakeTwilio.requests.append((self.path, self.headers.get("Authorization"),
                                    parse_qs(body)))
        status = 500 if FakeTwilio.fail else 201
        self.reply(status, {"sid": "SM" + "a" * 32, "status": "queued"} if status == 201 else {
            "code": 20500, "message": "Internal error", "status": 500})


@pytest.fixture
def fake_twilio(app):
    FakeTwilio.requests, FakeTwilio.fail = [], False
    server = fake_provider(app, FakeTwilio)
    yield FakeTwilio
    server.shutdown()


def test_twilio_library_sends_the_right_fields(simulate, fake_twilio, app):
    start_service(simulate)
    [(path, auth, fields)] = fake_twilio.requests
    assert path == f"/2010-04-01/Accounts/{app.config['TWILIO_ACCOUNT_SID']}/Messages.json"
    assert auth.startswith("Basic ")
    assert fields["To"] == [CALLER] and fields["From"] == [app.config["TWILIO_PHONE_NUMBER"]]
    assert "/s/" in fields["Body"][0]
    assert fields["StatusCallback"] == ["https://ivr.example.test/sms/status"]
    message = db.session.scalar(select(Message))
    assert (message.sid, message.channel) == ("SM" + "a" * 32, "twilio")


def test_sms_provider_error_is_told_to_the_caller_with_a_person(simulate, fake_twilio):
    fake_twilio.fail = True
    t = start_service(simulate)
    assert "couldn't send the text message" in t.ivr_text
    assert t.ended_by == "queue"
    assert db.session.scalar(select(SmsLink)) is None  # no link that was never sent


def test_sms_status_callback_records_delivery(simulate, fake_twilio, signed):
    start_service(simulate)
    assert signed("/sms/status", {"MessageSid": "SM" + "a" * 32,
                                  "MessageStatus": "delivered"}).status_code == 204
    assert db.session.scalar(select(Message)).status == "delivered"
    assert signed("/sms/status", {"MessageStatus": "sent"}).status_code == 400


def test_sms_status_needs_a_signature(client):
    assert client.post("/sms/status", data={"MessageSid": "SMx"}).status_code == 403


# --- the HTTP lookup connector inside a real call ----------------------------------


class Billing(ProviderHandler):
    mode = "ok"

    def do_GET(self):  # noqa: N802
        if Billing.mode == "slow":
            time.sleep(2)
        status, body = {"ok": (200, b'{"data": {"due": "$12.50"}}'),
                        "error": (500, b"oops"), "garbage": (200, b"<html>")}.get(
            Billing.mode, (200, b'{"data": {"due": "$12.50"}}'))
        self.reply(status, body)


@pytest.fixture
def http_menu(app):
    from app import menus

    app.config["LOOKUP_ALLOW"] = "127.0.0.1"  # the stand-in billing API is on loopback
    server = ThreadingHTTPServer(("127.0.0.1", 0), Billing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    menu = {"name": "http-demo", "start": "look", "settings": {"person": "agent"},
            "nodes": {
                "look": {"type": "lookup", "params": {"account": "{{ caller.account }}"},
                         "http": {"url": f"http://127.0.0.1:{server.server_port}/due",
                                  "timeout_s": 0.5, "mapping": {"due": "data.due"}},
                         "result": "bill", "found": "told", "not_found": "agent"},
                "told": {"type": "hangup", "prompt": "You owe {{ bill.due }}."},
                "agent": {"type": "queue", "queue": "billing"}}}
    menus.save_version(menu, publish=True)
    menus.route_number("+15005550999", "http-demo")
    db.session.commit()
    yield
    server.shutdown()


@pytest.mark.parametrize("mode, heard", [("ok", "You owe $12.50."),
                                         ("slow", "can't look that up"),
                                         ("error", "can't look that up"),
                                         ("garbage", "can't look that up")])
def test_http_lookup_answers_or_falls_back_to_a_person(simulate, http_menu, mode, heard):
    Billing.mode = mode
    started = time.perf_counter()
    t = simulate([], dialled="+15005550999", caller="+15551230001")
    assert heard in t.ivr_text
    assert time.perf_counter() - started < 5
    if mode != "ok":
        failed = db.session.scalar(select(CallEvent).where(CallEvent.kind == "lookup_failed"))
        assert failed is not None and t.ended_by == "queue"


def test_http_lookup_to_an_internal_address_is_refused_without_the_allow_list(
        app, simulate, http_menu):
    """A menu pointed at a service on loopback does not read its answer to the caller."""
    app.config["LOOKUP_ALLOW"] = ""
    Billing.mode = "ok"
    t = simulate([], dialled="+15005550999", caller="+15551230001")
    assert "$12.50" not in t.ivr_text and "can't look that up" in t.ivr_text
    failed = db.session.scalar(select(CallEvent).where(CallEvent.kind == "lookup_failed"))
    assert "not allowed" in str(failed.detail) and t.ended_by == "queue"
