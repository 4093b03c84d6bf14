"""Turns: old, future and replayed webhooks never move a call; first requests may race."""

from __future__ import annotations

import threading
import uuid
import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import event, func, select
from twilio.request_validator import RequestValidator

from app import create_app
from app.config import TestConfig
from app.models import Call, db
from tests.conftest import POSTGRES, _drop_schema, _fresh_schema_url

MARIA = {"From": "+15551230001", "To": "+15005550006"}  # a known demo customer


def new_sid() -> str:
    return "CA" + uuid.uuid4().hex


def root(response) -> ET.Element:
    assert response.status_code == 200, response.get_data(as_text=True)
    return ET.fromstring(response.get_data(as_text=True))


def action_of(response) -> str:
    return root(response).find("Gather").get("action").removeprefix("https://ivr.example.test")


def the_call(sid: str) -> Call:
    db.session.expire_all()
    return db.session.scalar(select(Call).where(Call.call_sid == sid))


@pytest.fixture
def at_balance(signed):
    """A call past the main menu: 1 (billing) read Maria's balance and asks again."""
    sid = new_sid()
    first = action_of(signed("/voice/incoming", {"CallSid": sid, **MARIA}))
    balance = signed(first, {"CallSid": sid, **MARIA, "Digits": "1"})
    assert "Your balance is" in balance.get_data(as_text=True)
    return sid, first, balance


def test_an_earlier_turn_gets_the_current_prompt_not_applied(signed, at_balance):
    sid, first, balance = at_balance
    replay = signed(first, {"CallSid": sid, **MARIA, "Digits": "2"})  # "2" = outage there
    assert replay.get_data(as_text=True) == balance.get_data(as_text=True)
    call = the_call(sid)
    assert call.state["node"] == "pay_offer" and call.state["attempts"] == 0


def test_a_future_turn_is_not_applied(signed, at_balance):
    sid, _, balance = at_balance
    turn = the_call(sid).state["turn"]
    future = signed(f"/voice/input?turn={turn + 5}", {"CallSid": sid, **MARIA, "Digits": "1"})
    assert future.get_data(as_text=True) == balance.get_data(as_text=True)
    assert the_call(sid).state["turn"] == turn


def test_incoming_replayed_after_a_hand_off_goes_back_to_the_person(signed):
    sid = new_sid()
    first = action_of(signed("/voice/incoming", {"CallSid": sid, **MARIA}))
    signed(first, {"CallSid": sid, **MARIA, "Digits": "0"})  # a person, please
    replay = root(signed("/voice/incoming", {"CallSid": sid, **MARIA}))
    assert replay.find("Enqueue") is not None


def test_incoming_replayed_after_the_call_ended_hangs_up(signed):
    sid = new_sid()
    first = action_of(signed("/voice/incoming", {"CallSid": sid, **MARIA}))
    signed(first, {"CallSid": sid, **MARIA, "Digits": "1"})
    signed("/voice/status", {"CallSid": sid, **MARIA, "CallStatus": "completed"})
    assert root(signed("/voice/incoming", {"CallSid": sid, **MARIA})).find("Hangup") \
        is not None


def test_a_call_sid_with_a_trailing_newline_is_refused(signed):
    assert signed("/voice/incoming", {"CallSid": new_sid() + "\n", **MARIA}).status_code == 400


@pytest.fixture
def shared_app(tmp_path):
    """An app whose database threads can share: a file, or a PostgreSQL schema."""
    uri = _fresh_schema_url() if POSTGRES else f"sqlite:///{tmp_path}/race.db"
    application = create_app(type("Config", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": uri}))
    application.instance_path = str(tmp_path / "instance")
    with application.app_context():
        from app.demo.northwind import seed
        from app.migrate import upgrade

        upgrade()
        seed()
        db.session.commit()
        yield application
        if POSTGRES:
            _drop_schema(application)
        db.engine.dispose()


def first_requests_at_once(app, params: dict) -> list[tuple[int, str]]:
    """Two signed copies of one first webhook, released together from two threads."""
    url = app.config["PUBLIC_BASE_URL"] + "/voice/incoming"
    signature = RequestValidator(app.config["TWILIO_AUTH_TOKEN"]).compute_signature(url, params)
    start, answers = threading.Barrier(2), []

    def post():
        client = app.test_client()
        start.wait()
        response = client.post("/voice/incoming", data=params,
                               headers={"X-Twilio-Signature": signature})
        answers.append((response.status_code, response.get_data(as_text=True)))

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return answers


@pytest.mark.db  # the race is PostgreSQL's unique index in the second pass
def test_two_concurrent_first_requests_get_the_same_answer(shared_app):
    for _ in range(5):  # the race is likely, not certain, in any one round
        answers = first_requests_at_once(shared_app, {"CallSid": new_sid(), **MARIA})
        assert answers[0] == answers[1] and answers[0][0] == 200
        assert "Sorry" not in answers[0][1]


@pytest.mark.db
def test_a_first_request_that_loses_the_insert_answers_as_the_winner(shared_app):
    """The worst interleaving, forced: one copy is about to insert the call's row when
    the other inserts it and commits. The loser gets the winner's answer, not a 500."""
    params = {"CallSid": new_sid(), **MARIA}
    url = shared_app.config["PUBLIC_BASE_URL"] + "/voice/incoming"
    headers = {"X-Twilio-Signature": RequestValidator(
        shared_app.config["TWILIO_AUTH_TOKEN"]).compute_signature(url, params)}
    winner: list = []
    raced = threading.Event()

    def other_copy_first(_conn, _cursor, statement, *_args):
        if statement.startswith("INSERT INTO call ") and not raced.is_set():
            raced.set()  # the copy below inserts unhindered
            thread = threading.Thread(target=lambda: winner.append(shared_app.test_client()
                                      .post("/voice/incoming", data=params, headers=headers)))
            thread.start()
            thread.join(30)

    event.listen(db.engine, "before_cursor_execute", other_copy_first)
    try:
        loser = shared_app.test_client().post("/voice/incoming", data=params, headers=headers)
    finally:
        event.remove(db.engine, "before_cursor_execute", other_copy_first)
    assert winner[0].status_code == loser.status_code == 200
    assert loser.get_data(as_text=True) == winner[0].get_data(as_text=True)
    assert "Sorry" not in loser.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Call).where(
        Call.call_sid == params["CallSid"])) == 1
