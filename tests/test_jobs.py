"""Background work is a persisted job (huey): it survives a restart and runs on a bounded
consumer; calls whose status callback was lost are reconciled."""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta

import pytest
from huey.consumer import Consumer
from huey.storage import SqliteStorage
from sqlalchemy import select

from app import jobs
from app.hold.models import CallbackRequest
from app.models import Call, CallEvent, db, utcnow
from tests.conftest import ProviderHandler, fake_provider


def new_sid() -> str:
    return "CA" + uuid.uuid4().hex


@pytest.fixture
def persisted_jobs(app, tmp_path):
    """Jobs kept in a SQLite file, as in production on one machine (not run inline)."""
    app.config.update(JOBS_IMMEDIATE=False, JOBS_DB=str(tmp_path / "jobs.db"))
    jobs.init_app(app)
    yield tmp_path / "jobs.db"
    app.config["JOBS_IMMEDIATE"] = True
    jobs.init_app(app)


def voicemail_status(sid: str) -> str:
    db.session.expire_all()
    call = db.session.scalar(select(Call).where(Call.call_sid == sid))
    event = db.session.scalar(select(CallEvent).where(
        CallEvent.call_id == call.id, CallEvent.kind == "voicemail"))
    return event.detail["status"]


def test_a_voicemail_queued_before_a_restart_is_transcribed_after_it(app, signed,
                                                                      persisted_jobs):
    sid = new_sid()
    signed("/voice/incoming", {"CallSid": sid, "From": "+15551230001"})
    assert signed("/voice/recording?language=en-US", {
        "CallSid": sid, "RecordingSid": "RE1", "RecordingStatus": "completed",
        "RecordingUrl": "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1",
        "RecordingDuration": "4"}).status_code == 204
    assert voicemail_status(sid) == "transcribing"
    # The web process goes away; what it queued is in the file, not in its memory.
    assert SqliteStorage("holdline", filename=str(persisted_jobs)).queue_size() == 1

    jobs.init_app(app)  # a new process opens the same storage
    consumer = Consumer(jobs.huey, workers=1, worker_type="thread", periodic=False)
    consumer.start()
    try:
        deadline = time.monotonic() + 20
        while voicemail_status(sid) == "transcribing" and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        consumer.stop(graceful=True)
    assert voicemail_status(sid) == "no audio (recording not reachable)"  # no credentials
    assert db.session.scalar(select(CallbackRequest)) is not None  # a person calls back
    assert jobs.huey.pending_count() == 0


def test_the_jobs_command_refuses_to_run_inline_jobs(app):
    result = app.test_cli_runner().invoke(args=["jobs", "run"])
    assert result.exit_code != 0 and "inline" in result.output


def old_call(hours: float) -> Call:
    call = Call(call_sid=new_sid(), from_number="+15551230001", to_number="+15005550006",
                started_at=utcnow() - timedelta(hours=hours))
    db.session.add(call)
    db.session.commit()
    return call


def test_stale_calls_without_credentials_are_closed_as_unknown(app):
    stale, live = old_call(5), old_call(0.5)
    result = app.test_cli_runner().invoke(args=["calls", "reconcile"])
    assert result.exit_code == 0 and "1 closed unknown" in result.output
    db.session.expire_all()
    assert (stale.status, stale.ended_at is not None) == ("unknown", True)
    assert (live.status, live.ended_at) == ("in-progress", None)


class CallsApi(ProviderHandler):
    """Twilio's GET /Calls/{sid}.json: one call completed, the other unknown (404)."""

    known: dict = {}

    def do_GET(self):  # noqa: N802
        sid = self.path.rsplit("/", 1)[-1].removesuffix(".json")
        if sid in self.known:
            self.reply(200, {"sid": sid, "status": "completed", "duration": "125"})
        else:
            self.reply(404, {"code": 20404, "message": "not found", "status": 404})


def test_stale_calls_are_closed_with_the_providers_status(app):
    answered, vanished = old_call(6), old_call(6)
    CallsApi.known = {answered.call_sid: True}
    server = fake_provider(app, CallsApi)
    app.config["TWILIO_AUTH_TOKEN"] = "test-auth-token"
    try:
        result = app.test_cli_runner().invoke(args=["calls", "reconcile"])
    finally:
        server.shutdown()
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert (answered.status, answered.duration_s) == ("completed", 125)
    assert vanished.status == "unknown"


def test_reconciling_is_a_periodic_job_every_ten_minutes():
    due = {task.name for task in jobs.huey.read_periodic(datetime(2026, 1, 1, 3, 10))}
    assert "reconcile_calls" in due
    # Only push routing's clock runs every minute (offers that time out, wrap-ups that end).
    assert {task.name for task in jobs.huey.read_periodic(datetime(2026, 1, 1, 3, 11))} == {
        "route_callers"}


def test_a_transcript_whose_job_was_lost_is_queued_again(app):
    call = old_call(1)
    lost = CallEvent(call=call, kind="voicemail", at=utcnow() - timedelta(hours=1), detail={
        "status": "transcribing", "language": "en-US",
        "recording_url": "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE9"})
    db.session.add(lost)
    db.session.commit()
    jobs.reconcile_calls()  # the periodic job (run inline here)
    db.session.expire_all()
    assert lost.detail["status"] == "no audio (recording not reachable)"
