"""An app on a file database served on threads, for Chromium tests of the live streams:
a stream holds one server thread while others answer (the shared live_server fixture is
one thread on in-memory SQLite, so its pages get no stream and poll). Streams last 3 s,
so a test also sees EventSource reconnect. Import `app` and `live_server` from here."""

from __future__ import annotations

import pytest

from tests.conftest import demo_app, serving

# Every EventSource a page opens, to see it open (the page's own code keeps none global).
RECORD_SOURCES = """(() => {
  const Original = window.EventSource;
  window.sources = [];
  window.EventSource = class extends Original {
    constructor(...args) { super(...args); window.sources.push(this); }
  };
})()"""
STREAMING = "() => window.sources.some((s) => s.readyState === EventSource.OPEN)"


@pytest.fixture
def app(tmp_path):
    with demo_app(f"sqlite:///{tmp_path}/live.db", tmp_path / "instance",
                  LIVE_STREAM_S=3) as application:
        yield application


@pytest.fixture
def live_server(app):
    yield from serving(app, threaded=True)


def polls(requests: list[str]) -> list[str]:
    return [url for url in requests if url.split("?")[0].endswith(".json")]
