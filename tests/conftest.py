"""Shared fixtures: an app on a fresh database (SQLite, or PostgreSQL when
HOLDLINE_TEST_DATABASE_URL points at one), a signed-webhook helper and the simulator."""

from __future__ import annotations

import json
import os
import threading
import uuid
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import text
from twilio.request_validator import RequestValidator
from werkzeug.serving import make_server

from app import create_app
from app.config import TestConfig
from app.models import db
from app.simulator import InProcess, Simulator

pytest_plugins = ["pytester"]  # tests of the skip policy run pytest on a tiny suite

POSTGRES = os.environ.get("HOLDLINE_TEST_DATABASE_URL", "").startswith("postgres")


@pytest.fixture
def app(tmp_path):
    uri = _fresh_schema_url() if POSTGRES else TestConfig.SQLALCHEMY_DATABASE_URI
    with demo_app(uri, tmp_path / "instance") as application:
        yield application
        if POSTGRES:
            _drop_schema(application)


@contextmanager
def demo_app(uri: str, instance: Path, **config):
    """An app on that database, migrated and seeded with the demo, inside its context."""
    application = create_app(type("Config", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": uri,
                                                            **config}))
    application.instance_path = str(instance)
    with application.app_context():
        from app.demo.northwind import seed
        from app.migrate import upgrade

        upgrade()
        seed()
        try:
            yield application
        finally:
            db.session.remove()
            db.engine.dispose()


def _fresh_schema_url() -> str:
    """One PostgreSQL schema per test, so tests can run in parallel on one server."""
    base = os.environ["HOLDLINE_TEST_DATABASE_URL"]
    schema = "t_" + uuid.uuid4().hex[:12]
    from sqlalchemy import create_engine

    engine = create_engine(_psycopg(base))
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    sep = "&" if "?" in base else "?"
    return f"{_psycopg(base)}{sep}options=-csearch_path%3D{schema}"


def _drop_schema(application) -> None:
    schema = application.config["SQLALCHEMY_DATABASE_URI"].rsplit("%3D", 1)[1]
    db.session.remove()
    with db.engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))


def _psycopg(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture
def live_server(app):
    """The test's app on a real socket (in-memory SQLite is one shared connection). One
    thread: a live stream would hold it, so pages get no stream and poll (the fallback);
    tests of the streams serve a file database on threads (tests/live_server.py)."""
    app.config["LIVE_STREAMS_PER_WORKER"] = 0
    yield from serving(app, threaded=False)


def serving(app, threaded: bool):
    """Serve `app` on a free port in a thread while the test runs; yields its address."""
    server = make_server("127.0.0.1", 0, app, threaded=threaded)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def signed(client, app):
    """POST a webhook signed the way Twilio signs it."""

    def post(path: str, params: dict[str, str] | None = None, *, token: str | None = None):
        params = dict(params or {})
        url = app.config["PUBLIC_BASE_URL"] + path
        signature = RequestValidator(token or app.config["TWILIO_AUTH_TOKEN"]) \
            .compute_signature(url, params)
        return client.post(path, data=params, headers={"X-Twilio-Signature": signature})

    return post


@pytest.fixture
def simulate(client, app):
    """Run a scripted call through the real webhooks; returns the transcript."""

    def run(script, *, caller: str = "+15559990000", dialled: str = "+15005550006",
            wait_loops: int = 1, **kwargs):
        sim = Simulator(InProcess(client), app.config["TWILIO_AUTH_TOKEN"],
                        app.config["PUBLIC_BASE_URL"], caller=caller, dialled=dialled,
                        wait_loops=wait_loops, **kwargs)
        return sim.run(script)

    return run


# The only skip a run may have: no package registry ships an English Vosk model. Any other
# skip (a missing tool, model or package) fails the test with its reason.
ALLOWED_SKIPS = ("English Vosk model",)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    report = (yield).get_result()
    if report.skipped and not hasattr(report, "wasxfail"):
        reason = str(report.longrepr[-1] if isinstance(report.longrepr, tuple)
                     else report.longrepr)
        if not any(allowed in reason for allowed in ALLOWED_SKIPS):
            report.outcome = "failed"
            report.longrepr = (f"skipped, which only {ALLOWED_SKIPS} may be: {reason}. "
                               "A missing tool or model is a failure: run make test (it "
                               "installs them) or make doctor")


def pytest_collection_modifyitems(items):
    """Every test that touches the database also runs in the PostgreSQL pass (but for
    those that check only the markup, which no database changes)."""
    for item in items:
        if "app" in getattr(item, "fixturenames", ()) and not item.get_closest_marker("markup"):
            item.add_marker(pytest.mark.db)


def add_user(username: str, role: str, password: str = "a-long-password"):
    """An account in the app of the current context (passwords hashed as in the app)."""
    from app.auth.models import User

    user = User(username=username, role=role)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


@pytest.fixture
def make_user(app):
    return add_user


def csrf_from(html: str) -> str:
    import re

    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


@pytest.fixture
def login(client):
    """Sign in through the real form, CSRF token included."""

    def sign_in(username: str, password: str = "a-long-password"):
        token = csrf_from(client.get("/login").get_data(as_text=True))
        return client.post("/login", data={"username": username, "password": password,
                                           "csrf_token": token})

    return sign_in


class ProviderHandler(BaseHTTPRequestHandler):
    """Base of the fake provider APIs: answers with a body, keeps the test log quiet."""

    def reply(self, status: int, body: dict | bytes, content_type: str = "application/json"):
        data = json.dumps(body).encode() if isinstance(body, dict) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def fake_provider(app, handler) -> ThreadingHTTPServer:
    """A local stand-in for Twilio's REST API; the real twilio library is pointed at it.
    Shut it down with .shutdown()."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    app.config.update(TWILIO_ACCOUNT_SID="AC" + "1" * 32,
                      TWILIO_API_BASE=f"http://127.0.0.1:{server.server_port}")
    return server
