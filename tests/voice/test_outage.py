"""A database outage mid-call: every caller-facing webhook still reaches a person, and
the app recovers by itself when the database comes back.

The SQLite pass loses its database file; the PostgreSQL pass runs a server of its own
(other tests share tests/postgres.sh's server) and stops it with `pg_ctl -m immediate`.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from twilio.request_validator import RequestValidator

from app import system_tools
from app.models import db
from tests.conftest import POSTGRES, demo_app

# One private server per module run: keep its tests on one xdist worker.
pytestmark = [pytest.mark.db, pytest.mark.xdist_group("outage")]


class PrivateServer:
    """A throwaway PostgreSQL cluster this module may stop and start at will."""

    def __init__(self) -> None:
        self.data = Path(tempfile.mkdtemp(prefix="holdline-outage-"))
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.user = "postgres" if os.geteuid() == 0 else None  # PostgreSQL refuses root
        if self.user:
            shutil.chown(self.data, self.user)
        self.run("initdb", "-D", str(self.data), "-U", "holdline", "--auth=trust")
        self.start()

    def run(self, tool: str, *args: str) -> None:
        subprocess.run([system_tools.path(tool), *args], check=True, capture_output=True,
                       user=self.user, timeout=60)

    def start(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-w", "-l", str(self.data / "log"), "-o",
                 f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off",
                 "start")
        self.running = True

    def stop(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")
        self.running = False

    @property
    def url(self) -> str:
        return f"postgresql://holdline@127.0.0.1:{self.port}/postgres"

    def remove(self) -> None:
        subprocess.run([system_tools.path("pg_ctl"), "-D", str(self.data), "-m", "immediate",
                        "stop"], capture_output=True, user=self.user, timeout=60)
        shutil.rmtree(self.data, ignore_errors=True)


class SqliteFile:
    """A database file that can vanish (its directory moved away) and come back."""

    def __init__(self, root: Path) -> None:
        self.dir, self.away = root / "db", root / "db-away"
        self.dir.mkdir()

    url = property(lambda self: f"sqlite:///{self.dir}/holdline.db")

    def stop(self) -> None:
        self.dir.rename(self.away)
        db.engine.dispose()  # open connections would keep the moved file alive

    def start(self) -> None:
        self.away.rename(self.dir)

    def remove(self) -> None:
        pass


@pytest.fixture(scope="module")
def pg_server():
    server = PrivateServer()  # one initdb for the module: ~2 s each
    yield server
    server.remove()


@pytest.fixture
def database(request, tmp_path):
    if not POSTGRES:
        yield SqliteFile(tmp_path)
        return
    server = request.getfixturevalue("pg_server")
    yield server
    if not server.running:
        server.start()


@pytest.fixture
def outage_app(database, tmp_path):
    with demo_app(database.url, tmp_path / "instance") as application:
        yield application


@pytest.fixture
def post(outage_app):
    client = outage_app.test_client()

    def signed(path: str, **params: str):
        url = outage_app.config["PUBLIC_BASE_URL"] + path
        signature = RequestValidator(outage_app.config["TWILIO_AUTH_TOKEN"]) \
            .compute_signature(url, params)
        return client.post(path, data=params, headers={"X-Twilio-Signature": signature})

    signed.client = client
    return signed


def xml(response) -> ET.Element:
    assert response.status_code == 200, response.get_data(as_text=True)
    return ET.fromstring(response.get_data(as_text=True))


def reaches_person(response) -> bool:
    root = xml(response)
    return root.find("Enqueue") is not None or root.find("Dial") is not None


def gather_action(response) -> str:
    gather = xml(response).find("Gather")
    assert gather is not None, response.get_data(as_text=True)
    return gather.get("action").removeprefix("https://ivr.example.test")


def new_sid() -> str:
    return "CA" + uuid.uuid4().hex


def start_call(post, sid: str) -> str:
    """The greeting of a real call; returns the path of its Gather action."""
    return gather_action(post("/voice/incoming", CallSid=sid, From="+15551230001",
                              To="+15005550006"))


def caller_webhooks(post, sid: str, action: str):
    """Each caller-facing webhook of a call in progress, as the provider would post it."""
    call = {"CallSid": sid, "From": "+15551230001", "To": "+15005550006"}
    turn = action.split("turn=")[1].split("&")[0]
    return {
        "incoming (new call)": post("/voice/incoming", **{**call, "CallSid": new_sid()}),
        "incoming (retry)": post("/voice/incoming", **call),
        "gather input": post(action, **call, Digits="1"),
        "gather speech": post(action, **call, SpeechResult="pay my bill", Confidence="0.9"),
        "no input": post(f"/voice/no-input?turn={turn}", **call),
        "heard": post(f"/voice/heard?turn={turn}", **call),
        "queue done": post("/voice/queue-done", **call, QueueResult="system-error"),
        "dial done": post("/voice/dial-done", **call, DialCallStatus="failed"),
        "caller join": post("/voice/caller-join?a=1", **call),
        "fallback url": post("/voice/fallback", **call, ErrorCode="11200",
                             ErrorUrl="https://ivr.example.test" + action),
    }


def test_every_caller_reaches_a_person_while_the_database_is_down(post, database):
    sid = new_sid()
    action = start_call(post, sid)
    database.stop()

    for name, response in caller_webhooks(post, sid, action).items():
        assert reaches_person(response), name
    call = {"CallSid": sid, "From": "+15551230001", "To": "+15005550006"}
    for hold in ("/voice/wait?queue=general", "/voice/hold-input?queue=general&purpose=menu"):
        waiting = xml(post(hold, **call, QueuePosition="2", QueueTime="30"))
        assert waiting.find("Play") is not None and waiting.find("Redirect") is not None, hold
    assert xml(post("/voice/queue-done", **call, QueueResult="hangup")).find("Hangup") \
        is not None  # the caller is gone: no re-queue after an agent call ends
    agent = xml(post("/voice/agent-leg?a=1", CallSid=new_sid(), From="+15550001111"))
    assert agent.find("Hangup") is not None and agent.find("Enqueue") is None  # not queued
    recorded = xml(post("/voice/recorded?language=en-US", **call))  # after a voicemail
    assert recorded.find("Say") is not None and recorded.find("Hangup") is not None
    assert post("/voice/status", **call, CallStatus="completed",
                CallDuration="40").status_code == 204
    assert post("/voice/recording", **call, RecordingSid="RE" + "1" * 32,
                RecordingUrl="https://api.twilio.com/x").status_code == 204
    audio = post.client.get("/voice/hold-audio/1/abc.wav")  # a Play in earlier hold TwiML
    assert audio.status_code == 200 and audio.mimetype == "audio/wav"
    assert post.client.get("/readyz").status_code == 503
    assert post.client.get("/healthz").status_code == 200  # liveness: do not restart us

    database.start()
    assert post.client.get("/readyz").status_code == 200
    assert gather_action(post("/voice/incoming", CallSid=new_sid(), From="+15551230001",
                              To="+15005550006"))  # the menu again, not an apology
    after = post(action, **call, Digits="1")  # the call goes on where it was
    assert after.status_code == 200 and "went wrong" not in after.get_data(as_text=True)
    assert post("/voice/status", **call, CallStatus="completed").status_code == 204


def test_the_apology_is_in_the_callers_language(post, database):
    sid = new_sid()
    start_call(post, sid)
    database.stop()
    response = post("/voice/input?turn=1&lang=ko-KR", CallSid=sid, Digits="1")
    say = xml(response).find("Say")
    assert say.get("language") == "ko-KR" and "상담원" in say.text
    assert reaches_person(response)


def test_the_fallback_number_is_dialled_when_set(post, database, outage_app):
    outage_app.config["FALLBACK_NUMBER"] = "+15557770000"
    database.stop()
    response = post("/voice/incoming", CallSid=new_sid(), From="+15551230001")
    assert xml(response).find("Dial").text.strip() == "+15557770000"


def test_the_fallback_url_never_touches_the_database(post, outage_app):
    from sqlalchemy import event

    statements = []
    event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    response = post("/voice/fallback", CallSid=new_sid(), ErrorCode="11205",
                    ErrorUrl="https://ivr.example.test/voice/incoming")
    assert reaches_person(response) and statements == []
    unsigned = post.client.post("/voice/fallback", data={"CallSid": new_sid()})
    assert unsigned.status_code == 403


def test_after_a_restart_the_first_request_is_answered(post, database):
    """A pooled connection from before the restart is stale: pre-ping replaces it."""
    sid = new_sid()
    action = start_call(post, sid)
    database.stop()
    database.start()
    response = post(action, CallSid=sid, From="+15551230001", Digits="1")
    assert "Sorry, something went wrong" not in response.get_data(as_text=True)
    assert xml(response).find("Gather") is not None or reaches_person(response)


KOREAN = {"name": "ko-line", "start": "main", "settings": {"person": "agent",
                                                           "language": "ko-KR"},
          "nodes": {"main": {"type": "menu", "prompt": "상담원은 1번을 누르세요.",
                             "options": [{"key": "1", "phrases": ["상담원"], "go": "agent"}]},
                    "agent": {"type": "queue", "queue": "general", "prompt": "연결합니다."}}}


def test_an_internal_error_apologises_in_the_menus_language(app, signed, monkeypatch):
    from app import menus
    from app.calls import effects as calls  # where the turn runner calls the engine

    menus.save_version(KOREAN, publish=True)
    menus.route_number("+15550009999", "ko-line")
    db.session.commit()

    def broken(*args, **kwargs):
        raise RuntimeError("engine fault")

    monkeypatch.setattr(calls, "step", broken)  # a fault injected, not a fix faked
    response = signed("/voice/incoming", {"CallSid": new_sid(), "To": "+15550009999"})
    say = xml(response).find("Say")
    assert say.get("language") == "ko-KR" and "상담원" in say.text
    assert reaches_person(response)
