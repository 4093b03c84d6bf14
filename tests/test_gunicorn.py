"""The server as `make run` and the Procfile start it: gunicorn with gunicorn.conf.py."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import requests
from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "gunicorn-test-token"


@pytest.fixture
def gunicorn(tmp_path):
    from bench.webhooks import free_port, sqlite_env

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = sqlite_env(base, str(tmp_path), TWILIO_AUTH_TOKEN=TOKEN,  # a short demo library
                     HOLDLINE_AUDIO_DIR=str(tmp_path / "audio"), HOLDLINE_DEMO_PIECES="1",
                     HOLDLINE_DEMO_PIECE_S="20")
    venv = Path(sys.executable).parent
    subprocess.run([str(venv / "flask"), "--app", "app", "init-demo"], env=env, cwd=ROOT,
                   check=True, capture_output=True)
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        server = subprocess.Popen([str(venv / "gunicorn"), "--bind", f"127.0.0.1:{port}",
                                   "--workers", "2", "app:create_app()"], env=env, cwd=ROOT,
                                  stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for(base)
        yield base, log
    finally:
        server.terminate()
        server.wait(30)


def wait_for(base: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if requests.get(base + "/healthz", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not start")


def signed_post(url: str, params: dict[str, str]) -> requests.Response:
    signature = RequestValidator(TOKEN).compute_signature(url, params)
    return requests.post(url, data=params, headers={"X-Twilio-Signature": signature},
                         timeout=10)


def call_params() -> dict[str, str]:
    return {"CallSid": "CA" + uuid.uuid4().hex, "AccountSid": "AC" + "0" * 32,
            "From": "+15551230001", "To": "+15005550006", "CallStatus": "ringing"}


def incoming(base: str) -> requests.Response:
    return signed_post(base + "/voice/incoming", call_params())


def test_workers_share_one_model_and_each_answers_calls(gunicorn):
    base, log = gunicorn
    answers = [incoming(base) for _ in range(8)]  # spread over both workers
    assert all(a.status_code == 200 and "<Gather" in a.text for a in answers)
    lines = log.read_text().splitlines()
    loads = [i for i, line in enumerate(lines) if "speech model" in line and "loaded" in line]
    first_worker = next(i for i, line in enumerate(lines) if "Booting worker" in line)
    assert len(loads) == 1 and loads[0] < first_worker, (
        "the model must load once, in the master before the workers fork:\n" + "\n".join(lines))


def test_each_worker_understands_callers_and_stops_when_asked(gunicorn):
    """The meaning layer runs in the workers (each makes its own sentence model after the
    fork), and SIGTERM stops them promptly: the fixture's teardown waits at most 30 s."""
    base, _ = gunicorn
    for _ in range(4):  # both workers
        params = call_params()
        first = ET.fromstring(signed_post(base + "/voice/incoming", params).text)
        action = first.find("Gather").get("action")
        reply = signed_post(action, {**params, "CallStatus": "in-progress",
                                     "SpeechResult": "the electricity is gone in the whole house",
                                     "Confidence": "0.9"})
        assert "outage" in reply.text.lower(), reply.text
