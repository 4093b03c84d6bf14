"""Webhook latency under load: whole simulated journeys through gunicorn.

    .venv/bin/python bench/webhooks.py                 # SQLite
    bash tests/postgres.sh .venv/bin/python bench/webhooks.py --db postgres

Starts gunicorn (2 workers x 8 threads, as `make run`) on loopback, then runs scripted
calls from N client threads at once, timing every signed webhook. Prints p50/p99 per
webhook and calls per second for each concurrency level, as a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.simulator import SILENCE, Http, Simulator, press, say  # noqa: E402

TOKEN = "bench-token"
JOURNEYS = [  # (caller, script): a mix of what callers do
    ("+15551230001", [say("my power is out"), say("report")]),
    ("+15551230001", [press("1")]),
    ("+15559990000", [press("4"), say("one oh four two one seven"), say("yes"), say("no")]),
    ("+15559990000", [say("I'm moving next month"), say("move")]),
    ("+15559990000", [SILENCE, say("banana"), press("0")]),
]


class TimedHttp(Http):
    def __init__(self, server: str, sink: list[float], think: float) -> None:
        super().__init__(server)
        self.sink, self.think = sink, think

    def post(self, url, params, headers):
        time.sleep(self.think * random.uniform(0.5, 1.5))  # the caller listening; not timed
        started = time.perf_counter()
        result = super().post(url, params, headers)
        self.sink.append((urlsplit(url).path, time.perf_counter() - started))
        if result[0] != 200 and "/status" not in url:
            raise RuntimeError(f"HTTP {result[0]} from {url}")
        return result


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(env: dict[str, str], port: int, setup: str = "", threads: int = 8):
    """gunicorn on loopback for the length of a benchmark, stopped whatever happens."""
    server = start_server(env, port, setup, threads)
    try:
        yield server
    finally:
        server.terminate()
        server.wait(10)


def sqlite_env(base: str, folder: str, **extra: str) -> dict[str, str]:
    """The environment of a benchmark server: loopback URLs, a known token, a fresh DB."""
    return {**os.environ, "PUBLIC_BASE_URL": base, "TWILIO_AUTH_TOKEN": TOKEN,
            "SECRET_KEY": "bench", "DATABASE_URL": f"sqlite:///{folder}/bench.db", **extra}


def p50_p99_ms(latencies: list[float]) -> str:
    q = statistics.quantiles(latencies, n=100)
    return f"{statistics.median(latencies) * 1000:.1f} | {q[98] * 1000:.1f}"


def start_server(env: dict[str, str], port: int, setup: str = "",
                 threads: int = 8) -> subprocess.Popen:
    venv = Path(sys.executable).parent
    subprocess.run([str(venv / "flask"), "--app", "app", "init-demo"], env=env, cwd=ROOT,
                   check=True, capture_output=True)
    if setup:  # extra data for a benchmark, run inside the app
        subprocess.run([sys.executable, "-c", setup], env=env, cwd=ROOT, check=True)
    server = subprocess.Popen(
        [str(venv / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "2",
         "--threads", str(threads), "--worker-class", "gthread", "--log-level", "warning",
         "app:create_app()"], env=env, cwd=ROOT)
    deadline = time.monotonic() + 120  # the preload loads the speech models: slow on busy cores
    while time.monotonic() < deadline and server.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("gunicorn did not start")


def run_level(base: str, concurrency: int, calls: int, think: float = 0.0,
              journeys=JOURNEYS, wait_loops: int = 1) -> tuple[list[tuple[str, float]], float]:
    latencies: list[tuple[str, float]] = []

    def one(i: int) -> None:
        caller, script = journeys[i % len(journeys)]
        Simulator(TimedHttp(base, latencies, think), TOKEN, base, caller=caller,
                  dialled="+15005550006", wait_loops=wait_loops).run(list(script))

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(calls)))
    return latencies, calls / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--levels", default="1,10,25,50")
    parser.add_argument("--calls-per-level", type=int, default=150)
    parser.add_argument("--think", type=float, default=1.0,
                        help="seconds a caller takes between webhooks (real prompts: 3-10)")
    args = parser.parse_args()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "PUBLIC_BASE_URL": base, "TWILIO_AUTH_TOKEN": TOKEN,
               "SECRET_KEY": "bench"}
        if args.db == "sqlite":
            env["DATABASE_URL"] = f"sqlite:///{tmp}/bench.db"
        else:
            env["DATABASE_URL"] = os.environ["HOLDLINE_TEST_DATABASE_URL"]
        env["HOLDLINE_LOG_LEVEL"] = "WARNING"
        with serving(env, port):
            run_level(base, 5, 20)  # warm-up: workers import, parse menus, fill pools
            print(f"\n{args.db}: gunicorn 2 workers x 8 threads, {os.cpu_count()} cores "
                  "(client on the same cores)")
            print("| pacing | concurrent calls | webhooks | p50 ms | p99 ms | calls/s |")
            print("|---|---:|---:|---:|---:|---:|")
            for think in (args.think, 0.0):
                pacing = f"{think:g} s between a caller's webhooks" if think else "no pause"
                for level in map(int, args.levels.split(",")):
                    # Paced runs are long by nature: three calls per line is enough there.
                    calls = max(10, level * 3) if think else max(args.calls_per_level, level)
                    timed, rate = run_level(base, level, calls, think)
                    lat = [seconds for _, seconds in timed]
                    print(f"| {pacing} | {level} | {len(lat)} | {p50_p99_ms(lat)} | "
                          f"{rate:.1f} |", flush=True)


if __name__ == "__main__":
    main()
