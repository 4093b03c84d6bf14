"""Throughput of the whole IVR step against the bare stack, side by side in one run.

    .venv/bin/python bench/ratio.py [--seconds 10] [--rounds 3] [--connections 10,50]

Ours: a signed `POST /voice/incoming` for a new call each request (signature check,
routing, engine, database read and write, TwiML), the demo seeded, SQLite, gunicorn
2 workers x 4 threads. The bare reference (bench/ratio/bare_app.py): a Flask view that
returns one <Gather> built with the twilio library, gunicorn 2 workers. wrk loads each
in turn (bare, ours, bare, ours, ...) with pre-signed requests; the ratio is taken pair
by pair and its median reported, with ours' latency and every non-2xx answer counted.
Also the CPU each side's workers spent per request and how idle the machine was (near
0%: the run was CPU-bound, not waiting on a lock).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from twilio.request_validator import RequestValidator  # noqa: E402

from bench.webhooks import TOKEN, free_port, serving, sqlite_env  # noqa: E402

HERE = Path(__file__).resolve().parent / "ratio"
CALLERS = ["+15551230001", "+15559990000", "+15557654321"]  # known, new, new


def signed_requests(base: str, path: Path, count: int) -> None:
    """count signed incoming-call bodies, a fresh CallSid each, as 'body<TAB>signature'."""
    validator, url = RequestValidator(TOKEN), base + "/voice/incoming"
    with path.open("w") as out:
        for i in range(count):
            params = {"CallSid": "CA" + uuid.uuid4().hex, "AccountSid": "AC" + "0" * 32,
                      "From": CALLERS[i % len(CALLERS)], "To": "+15005550006",
                      "CallStatus": "ringing", "Direction": "inbound"}
            out.write(f"{urlencode(params)}\t{validator.compute_signature(url, params)}\n")


def wrk(url: str, connections: int, seconds: int, bodies: Path) -> dict[str, float]:
    from app import system_tools

    out = subprocess.run([system_tools.path("wrk"), "-t2", f"-c{connections}",
                          f"-d{seconds}s", "--latency", "-s", str(HERE / "requests.lua"),
                          url, "--", str(bodies), "2"],
                         capture_output=True, text=True, check=True).stdout
    figures = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
               "non2xx": float(m.group(1)) if (m := re.search(
                   r"Non-2xx or 3xx responses:\s+(\d+)", out)) else 0.0,
               "errors": sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)",
                                                        out))}
    for name in ("50", "99"):
        value, unit = re.search(rf"\s{name}%\s+([\d.]+)(us|ms|s)", out).groups()
        figures[f"p{name}"] = float(value) * {"us": 1e-3, "ms": 1, "s": 1e3}[unit]
    return figures


def cpu_s(parent: int) -> float:
    """CPU seconds (user and system) the server's workers used so far."""
    with open(f"/proc/{parent}/task/{parent}/children") as children:
        workers = children.read().split()
    total = 0
    for pid in workers:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def machine_idle() -> tuple[float, float]:
    """All CPU time and idle time of the machine so far, in clock ticks."""
    with open("/proc/stat") as stat:
        ticks = [int(n) for n in stat.readline().split()[1:]]
    return sum(ticks), ticks[3] + ticks[4]


def measured(url: str, server: int, connections: int, seconds: int,
             bodies: Path) -> dict[str, float]:
    """wrk's figures, with the workers' CPU ms per request and the machine's idle share."""
    cpu, (ticks, idle), started = cpu_s(server), machine_idle(), time.monotonic()
    figures = wrk(url, connections, seconds, bodies)
    served = figures["rps"] * (time.monotonic() - started)
    ticks_now, idle_now = machine_idle()
    figures["cpu_ms"] = 1000 * (cpu_s(server) - cpu) / max(served, 1)
    figures["idle"] = (idle_now - idle) / max(ticks_now - ticks, 1)
    return figures


def bare_server(port: int) -> subprocess.Popen:
    venv = Path(sys.executable).parent
    return subprocess.Popen([str(venv / "gunicorn"), "--bind", f"127.0.0.1:{port}",
                             "--workers", "2", "--log-level", "warning", "bare_app:app"],
                            cwd=HERE)  # its own folder: not the project's gunicorn.conf.py


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", default="10,50")
    args = parser.parse_args()
    ours_port, bare_port = free_port(), free_port()
    ours_url, bare_url = f"http://127.0.0.1:{ours_port}", f"http://127.0.0.1:{bare_port}"
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        bodies = Path(folder) / "requests.tsv"
        bare = bare_server(bare_port)
        try:
            with serving(sqlite_env(ours_url, folder), ours_port, threads=4) as ours_server:
                for connections in [int(c) for c in args.connections.split(",")]:
                    pairs = []
                    for _ in range(args.rounds):
                        signed_requests(ours_url, bodies, 4000 * args.seconds)
                        reference = measured(bare_url, bare.pid, connections, args.seconds,
                                             bodies)
                        ours = measured(ours_url, ours_server.pid, connections, args.seconds,
                                        bodies)
                        pairs.append((reference, ours))
                        print(f"  {connections} connections: bare {reference['rps']:.0f} "
                              f"req/s, ours {ours['rps']:.0f} req/s", flush=True)
                    rows.append((connections, pairs))
        finally:
            bare.terminate()
            bare.wait(10)
    print_table(rows, args)
    return 0


def print_table(rows, args) -> None:
    def med(pairs, side, key):
        return statistics.median(p[side][key] for p in pairs)

    print(f"\n{args.rounds} rounds of {args.seconds} s each, alternating; medians\n")
    print("| connections | bare req/s | ours req/s | ours / bare | ours p50 ms | "
          "ours p99 ms | CPU ms/request bare, ours | machine idle | non-2xx | socket errors |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for connections, pairs in rows:
        ratio = statistics.median(o["rps"] / b["rps"] for b, o in pairs)
        non2xx = sum(p[1]["non2xx"] + p[0]["non2xx"] for p in pairs)
        errors = sum(p[1]["errors"] + p[0]["errors"] for p in pairs)
        print(f"| {connections} | {med(pairs, 0, 'rps'):.0f} | {med(pairs, 1, 'rps'):.0f} | "
              f"{ratio:.1%} | {med(pairs, 1, 'p50'):.1f} | {med(pairs, 1, 'p99'):.1f} | "
              f"{med(pairs, 0, 'cpu_ms'):.2f}, {med(pairs, 1, 'cpu_ms'):.2f} | "
              f"{statistics.median(p[s]['idle'] for p in pairs for s in (0, 1)):.0%} | "
              f"{non2xx:.0f} | {errors:.0f} |")


if __name__ == "__main__":
    sys.exit(main())
