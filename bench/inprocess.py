"""In-process cost of call-path webhooks: no server, no network, no load generator.

    .venv/bin/python bench/inprocess.py [--calls 300] [--path ivr|hold|stream|all]
    .venv/bin/python bench/inprocess.py --profile incoming   # cProfile of one webhook
    bash tests/postgres.sh .venv/bin/python bench/inprocess.py --db postgres

Through Flask's test client on the demo (SQLite in a file, or PostgreSQL), each call a
new CallSid from a known caller:
- ivr: a signed `POST /voice/incoming`, then `POST /voice/input` pressing 1 at the main
  menu (the account lookup reads the balance);
- hold: pressing 0 (a person) puts the caller in the queue; then the provider's waitUrl
  twice: the first makes the hold session, the second is a waiting caller's next piece;
- stream: pressing 9 (the Korean menu, heard by our own recogniser) answers with
  `<Connect><Stream>`; the socket's answer (a key press) is stored as the socket would
  store it, untimed; then the `<Connect action>` webhook (`/voice/heard`) acts on it.
Reports the median and p90 wall time of each webhook, the median CPU time of the thread
(steadier than wall time on a shared machine), and the SQL statements each runs.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402
from twilio.request_validator import RequestValidator  # noqa: E402

from tests.conftest import _drop_schema, _fresh_schema_url, demo_app  # noqa: E402

CALLER, DIALLED = "+15551230001", "+15005550006"
Timing = tuple[float, float, int]  # wall s, CPU s, SQL statements


class Webhooks:
    """Signed requests through the test client, timed, with their SQL statements counted;
    a step named like `--profile` runs under cProfile."""

    def __init__(self, app, profile: str | None = None) -> None:
        self.app, self.client = app, app.test_client()
        self.base = app.config["PUBLIC_BASE_URL"]
        self.validator = RequestValidator(app.config["TWILIO_AUTH_TOKEN"])
        self.statements, self.profile = 0, profile
        self.profiler = cProfile.Profile()
        from app.models import db

        event.listen(db.engine, "before_cursor_execute", self._count)

    def _count(self, *_args) -> None:
        self.statements += 1

    def post(self, name: str, path: str, params: dict[str, str],
             expect: str) -> tuple[ET.Element, Timing]:
        """The TwiML answer (it must hold `expect`) and what it cost."""
        path = path.removeprefix(self.base)
        signature = self.validator.compute_signature(self.base + path, params)
        headers = {"X-Twilio-Signature": signature}
        if name == self.profile:
            self.profiler.enable()
        before, started, cpu = self.statements, time.perf_counter(), time.thread_time()
        response = self.client.post(path, data=params, headers=headers)
        elapsed, cpu = time.perf_counter() - started, time.thread_time() - cpu
        self.profiler.disable()
        if response.status_code != 200 or f"<{expect}".encode() not in response.data:
            raise RuntimeError(f"{path}: HTTP {response.status_code} {response.data[:300]!r}")
        return ET.fromstring(response.data), (elapsed, cpu, self.statements - before)


def new_leg() -> dict[str, str]:
    return {"CallSid": "CA" + uuid.uuid4().hex, "AccountSid": "AC" + "0" * 32,
            "From": CALLER, "To": DIALLED}


def answered(hooks: Webhooks, leg: dict[str, str], digits: str,
             expect: str) -> tuple[ET.Element, dict[str, Timing]]:
    """A new call, and the caller's key press at the main menu."""
    first, incoming = hooks.post("incoming", "/voice/incoming",
                                 {**leg, "CallStatus": "ringing"}, "Gather")
    action = first.find("Gather").get("action")
    reply, pressed = hooks.post("input", action, {**leg, "CallStatus": "in-progress",
                                                  "Digits": digits}, expect)
    return reply, {"incoming": incoming, "input": pressed}


def ivr_call(hooks: Webhooks) -> dict[str, Timing]:
    return answered(hooks, new_leg(), "1", "Gather")[1]


def hold_call(hooks: Webhooks) -> dict[str, Timing]:
    leg = new_leg()
    queued, _ = answered(hooks, leg, "0", "Enqueue")
    wait_url = queued.find("Enqueue").get("waitUrl")
    waiting = {**leg, "CallStatus": "in-progress", "QueuePosition": "1", "QueueTime": "5",
               "AvgQueueTime": "60", "CurrentQueueSize": "1", "QueueSid": "QU" + "0" * 32}
    _, first = hooks.post("wait-first", wait_url, waiting, "Redirect")
    _, again = hooks.post("wait", wait_url, {**waiting, "QueueTime": "35"}, "Redirect")
    return {"wait-first": first, "wait": again}


def stream_call(hooks: Webhooks) -> dict[str, Timing]:
    leg = new_leg()
    streamed, timings = answered(hooks, leg, "9", "Connect")
    connect = streamed.find("Connect")
    turn = int(connect.find("Stream/Parameter[@name='turn']").get("value"))
    socket_heard(hooks.app, leg["CallSid"], turn)
    _, heard = hooks.post("heard", connect.get("action"), {**leg, "CallStatus": "in-progress"},
                          "Enqueue")
    return {"connect": timings["input"], "heard": heard}


def socket_heard(app, call_sid: str, turn: int) -> None:
    """What the media-stream socket stores when the caller presses 4 (a person)."""
    from app.calls.session import find_call
    from app.models import db
    from app.voice import listening

    with app.test_request_context():
        listening.save_heard(find_call(call_sid), turn, "ko_main", result="dtmf", digits="4")
        db.session.commit()


PATHS: dict[str, Callable[[Webhooks], dict[str, Timing]]] = {
    "ivr": ivr_call, "hold": hold_call, "stream": stream_call}


def measure(app, calls: int, paths: list[str], profile: str | None) -> None:
    hooks = Webhooks(app, profile)
    for path in paths:
        for _ in range(20):  # warm up: imports, caches, the connection pool
            PATHS[path](hooks)
    hooks.profiler = cProfile.Profile()
    times: dict[str, list[Timing]] = {}
    for _ in range(calls):
        for path in paths:
            for name, timing in PATHS[path](hooks).items():
                times.setdefault(name, []).append(timing)
    if profile:
        return print_profile(hooks.profiler)
    print(f"{calls} calls on {app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}")
    print("| webhook | median ms | p90 ms | median CPU ms | SQL statements |\n"
          "|---|---:|---:|---:|---:|")
    for name, timings in times.items():
        wall = [t[0] * 1000 for t in timings]
        print(f"| {name} | {statistics.median(wall):.2f} | "
              f"{statistics.quantiles(wall, n=10)[-1]:.2f} | "
              f"{statistics.median(t[1] * 1000 for t in timings):.2f} | "
              f"{statistics.median(t[2] for t in timings):.0f} |")


def print_profile(profiler: cProfile.Profile) -> None:
    """SORT=tottime to re-sort, ONLY=a path's part to keep those rows, LINES=how many."""
    only = [os.environ["ONLY"]] if os.environ.get("ONLY") else []
    pstats.Stats(profiler).sort_stats(os.environ.get("SORT", "cumulative")).print_stats(
        *only, int(os.environ.get("LINES", "45")))


STEPS = {"incoming": "ivr", "input": "ivr", "wait-first": "hold", "wait": "hold",
         "connect": "stream", "heard": "stream"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--path", choices=[*PATHS, "all"], default="ivr")
    parser.add_argument("--profile", choices=list(STEPS))
    args = parser.parse_args()
    paths = list(PATHS) if args.path == "all" else [args.path]
    if args.profile:
        paths = [STEPS[args.profile]]
    import logging

    logging.disable(logging.INFO)  # a log line per call is not what is measured
    with tempfile.TemporaryDirectory() as folder:
        if args.db == "postgres":
            if not os.environ.get("HOLDLINE_TEST_DATABASE_URL"):
                parser.error("--db postgres runs under tests/postgres.sh")
            uri = _fresh_schema_url()
        else:
            uri = f"sqlite:///{folder}/bench.db"
        with demo_app(uri, Path(folder) / "instance") as app:
            try:
                measure(app, args.calls, paths, args.profile)
            finally:
                if args.db == "postgres":
                    _drop_schema(app)
    return 0


if __name__ == "__main__":
    sys.exit(main())
