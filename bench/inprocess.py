"""In-process cost of one call-path webhook: no server, no network, no load generator.

    .venv/bin/python bench/inprocess.py [--calls 300] [--profile incoming|input]
    bash tests/postgres.sh .venv/bin/python bench/inprocess.py --db postgres

Through Flask's test client on the demo (SQLite in a file, or PostgreSQL): a signed
`POST /voice/incoming` for a new call (a known caller), then a signed `POST /voice/input`
pressing 1 at the main menu. Reports the median and p90 wall time of each, the median CPU
time of the thread (steadier than wall time on a shared machine), and the SQL statements
each runs. `--profile` prints cProfile's top functions for one of them.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402
from twilio.request_validator import RequestValidator  # noqa: E402

from tests.conftest import _drop_schema, _fresh_schema_url, demo_app  # noqa: E402

CALLER, DIALLED = "+15551230001", "+15005550006"


class Webhooks:
    """Signed requests through the test client, timed, with their SQL statements counted."""

    def __init__(self, app) -> None:
        self.client, self.base = app.test_client(), app.config["PUBLIC_BASE_URL"]
        self.validator = RequestValidator(app.config["TWILIO_AUTH_TOKEN"])
        self.statements = 0
        from app.models import db

        event.listen(db.engine, "before_cursor_execute", self._count)

    def _count(self, *_args) -> None:
        self.statements += 1

    def post(self, path: str, params: dict[str, str]) -> tuple[float, float, int]:
        signature = self.validator.compute_signature(self.base + path, params)
        before, started, cpu = self.statements, time.perf_counter(), time.thread_time()
        response = self.client.post(path, data=params, headers={"X-Twilio-Signature": signature})
        elapsed, cpu = time.perf_counter() - started, time.thread_time() - cpu
        if response.status_code != 200 or b"<Gather" not in response.data:
            raise RuntimeError(f"{path}: HTTP {response.status_code} {response.data[:300]!r}")
        return elapsed, cpu, self.statements - before


STEPS = (("incoming", "/voice/incoming", {"CallStatus": "ringing"}),
         ("input", "/voice/input?turn=1&lang=en-US", {"CallStatus": "in-progress", "Digits": "1"}))


def new_leg() -> dict[str, str]:
    return {"CallSid": "CA" + uuid.uuid4().hex, "AccountSid": "AC" + "0" * 32,
            "From": CALLER, "To": DIALLED}


def one_call(hooks: Webhooks) -> dict[str, tuple[float, float, int]]:
    leg = new_leg()
    return {name: hooks.post(path, {**leg, **extra}) for name, path, extra in STEPS}


def measure(app, calls: int, profile: str | None) -> None:
    hooks = Webhooks(app)
    for _ in range(20):  # warm up: imports, caches, the connection pool
        one_call(hooks)
    if profile:
        return profile_one(hooks, profile, calls)
    times: dict[str, list[float]] = {"incoming": [], "input": []}
    cpu: dict[str, list[float]] = {"incoming": [], "input": []}
    statements: dict[str, int] = {}
    for _ in range(calls):
        for name, (elapsed, used, count) in one_call(hooks).items():
            times[name].append(elapsed * 1000)
            cpu[name].append(used * 1000)
            statements[name] = count
    print(f"{calls} calls on {app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}")
    print("| webhook | median ms | p90 ms | median CPU ms | SQL statements |\n"
          "|---|---:|---:|---:|---:|")
    for name, values in times.items():
        p90 = statistics.quantiles(values, n=10)[-1]
        print(f"| {name} | {statistics.median(values):.2f} | {p90:.2f} | "
              f"{statistics.median(cpu[name]):.2f} | {statements[name]} |")


def profile_one(hooks: Webhooks, which: str, calls: int) -> None:
    """cProfile around one of the two webhooks of each call (SORT=tottime to re-sort,
    ONLY=a path's part to keep those rows, LINES=how many)."""
    profiler = cProfile.Profile()
    for _ in range(calls):
        leg = new_leg()
        for name, path, extra in STEPS:
            if name == which:
                profiler.enable()
            hooks.post(path, {**leg, **extra})
            profiler.disable()
    only = [os.environ["ONLY"]] if os.environ.get("ONLY") else []  # e.g. ONLY=/app/
    pstats.Stats(profiler).sort_stats(os.environ.get("SORT", "cumulative")).print_stats(
        *only, int(os.environ.get("LINES", "45")))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--profile", choices=["incoming", "input"])
    args = parser.parse_args()
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
                measure(app, args.calls, args.profile)
            finally:
                if args.db == "postgres":
                    _drop_schema(app)
    return 0


if __name__ == "__main__":
    sys.exit(main())
