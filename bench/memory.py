"""Memory per gunicorn worker: PSS (proportional set size, shared pages split between the
processes that map them) from /proc/PID/smaps_rollup, for 1, 2 and 4 workers.

    .venv/bin/python bench/memory.py

Each round starts gunicorn with the project's gunicorn.conf.py on the demo (SQLite),
waits until every worker is up and its memory has stopped growing, then reads the PSS
of the master and of each worker. Prints a Markdown table; "added per
worker" is what each worker beyond the first costs in total PSS.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.webhooks import free_port, sqlite_env  # noqa: E402


def pss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no Pss for {pid}")


def children(pid: int) -> list[int]:
    tasks = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in tasks.read_text().split()]


def measure(workers: int, folder: str) -> tuple[float, list[float]]:
    port = free_port()
    env = sqlite_env(f"http://127.0.0.1:{port}", folder)
    venv = Path(sys.executable).parent
    subprocess.run([str(venv / "flask"), "--app", "app", "init-demo"], env=env, cwd=ROOT,
                   check=True, capture_output=True)
    server = subprocess.Popen([str(venv / "gunicorn"), "--bind", f"127.0.0.1:{port}",
                               "--workers", str(workers), "--log-level", "warning",
                               "app:create_app()"], env=env, cwd=ROOT)
    try:
        settle(server.pid, workers)
        return pss_mb(server.pid), [pss_mb(w) for w in children(server.pid)]
    finally:
        server.terminate()
        server.wait(30)


def settle(master: int, workers: int, timeout_s: float = 120) -> None:
    """Until every worker is up and its memory stops growing (the model is loaded)."""
    deadline, last = time.monotonic() + timeout_s, None
    while time.monotonic() < deadline:
        time.sleep(2)
        pids = children(master)
        if len(pids) < workers:
            continue
        now = [pss_mb(p) for p in pids]
        if last is not None and all(abs(a - b) < 2 for a, b in zip(now, last, strict=False)):
            return
        last = now
    raise RuntimeError("gunicorn workers did not settle")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="1,2,4")
    args = parser.parse_args()
    print("| workers | master PSS MB | PSS per worker MB (median) | total PSS MB | "
          "added per worker MB |")
    print("|---|---|---|---|---|")
    first: tuple[int, float] | None = None
    for n in [int(w) for w in args.workers.split(",")]:
        with tempfile.TemporaryDirectory() as folder:
            master, each = measure(n, folder)
        each.sort()
        total = master + sum(each)
        first = first or (n, total)
        added = (total - first[1]) / (n - first[0]) if n > first[0] else float("nan")
        print(f"| {n} | {master:.0f} | {each[len(each) // 2]:.0f} | {total:.0f} | "
              f"{added:.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("HOLDLINE_LOG_LEVEL", "WARNING")
    sys.exit(main())
