"""Nobody can answer (closed, or every agent away): a callback or a voicemail, never an
endless wait."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from app.hold.models import CallbackRequest, HoldSession
from app.models import Call, db
from app.simulator import press, say


def close_general(app) -> None:
    hour = datetime.now(UTC).hour
    window = "13:00-14:00" if hour < 12 else "01:00-02:00"  # a window that excludes now
    app.config["QUEUE_HOURS"] = f"general={window}"


def test_a_closed_queue_offers_a_message_and_records_it(app, simulate):
    close_general(app)
    t = simulate([say("agent"), press("3")], wait_loops=2)
    assert "Or press 3 to leave a message." in t.ivr_text
    record = t.responses[-1].find("Record")
    assert record is not None, "after choosing a message the caller is recorded"
    assert "leave your message after the tone" in t.ivr_text
    call = db.session.scalar(select(Call).where(Call.call_sid == t.call_sid))
    assert (call.outcome, call.queue) == ("voicemail", "general")
    assert db.session.scalar(select(HoldSession)).outcome == "voicemail"
    assert db.session.scalar(select(CallbackRequest)) is None  # made when the audio arrives


def test_saying_message_works_as_well_as_the_key(app, simulate):
    close_general(app)
    t = simulate([say("agent"), say("I'd like to leave a message")], wait_loops=2)
    assert t.responses[-1].find("Record") is not None


def test_operators_can_offer_only_the_callback(app, simulate):
    close_general(app)
    app.config["UNANSWERED_VOICEMAIL"] = False
    t = simulate([say("agent"), press("3")], wait_loops=2)
    assert "leave a message" not in t.ivr_text
    assert all(r.find("Record") is None for r in t.responses)
