"""Scale-out, shown: two app servers ("machines") behind HAProxy, on one PostgreSQL.

    .venv/bin/python bench/scale_out.py        # or: make scale-out

Without HOLDLINE_TEST_DATABASE_URL it runs itself under tests/postgres.sh (a throwaway
PostgreSQL on HOLDLINE_PG_PORT). Each machine is gunicorn with the project's
gunicorn.conf.py, its own instance folder (HOLDLINE_INSTANCE_DIR) and its own audio
folder; HAProxy (config generated in a temp dir) round-robins between them and tags each
answer with the machine that gave it. PUBLIC_BASE_URL is the balancer's URL: the provider
signs what it calls, so the simulator signs over the balancer's URL too. Then:
  1. an operator uploads a track on machine a; machine b plays it;
  2. calls through the balancer: every call's webhooks alternate between the machines,
     every call ends right (its events recorded in order), every hold Play is fetched;
  3. callers wait; an agent signed in on each machine sees every one of them;
and a Markdown table is printed. Everything started is stopped; exit 1 if a check fails.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests
from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import system_tools  # noqa: E402
from app.simulator import Http, Simulator, press, say  # noqa: E402
from bench.webhooks import free_port  # noqa: E402

TOKEN = "scale-out-token"
PASSWORD = "scale-out-password"
MACHINE_HEADER = "X-Holdline-Machine"
# The demo's customers: an agent's console names them.
CUSTOMERS = {"+15551230001": "Maria Lopez", "+15551230002": "James Chen",
             "+15551230003": "Aisha Khan", "+15551230004": "Tom Becker"}
# What one call that asks for a person, picks jazz on hold and hangs up records, in order.
EXPECTED_EVENTS = ["entered", "entered", "input", "global", "handoff", "entered",
                   "hold_joined", "hold_announced", "hold_input", "hold_channel",
                   "hold_played"]
HAPROXY_CFG = """\
global
    maxconn 512
defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
frontend holdline
    bind 127.0.0.1:{port}
    default_backend machines
backend machines
    balance roundrobin
    option forwardfor
    http-response set-header {header} %s
{servers}
"""


@dataclass
class Machine:
    name: str
    port: int
    folder: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class Balanced(Http):
    """The provider's side: posts through the balancer, notes which machine answered."""

    def __init__(self, server: str, log: list[tuple[str, int, float]]) -> None:
        super().__init__(server)
        self.log = log

    def post(self, url, params, headers):
        target = self.server + url.removeprefix(self.server)
        started = time.perf_counter()
        response = requests.post(target, data=params, headers=headers, timeout=15)
        self.log.append((response.headers.get(MACHINE_HEADER, "?"), response.status_code,
                         time.perf_counter() - started))
        return response.status_code, response.text


def machine_env(machine: Machine, database: str, public: str) -> dict[str, str]:
    """One environment for every machine (database, token, secret, public URL) but its
    own instance and audio folders: nothing on one disk is seen by the other."""
    return {**os.environ, "DATABASE_URL": database, "PUBLIC_BASE_URL": public,
            "TWILIO_AUTH_TOKEN": TOKEN, "SECRET_KEY": "scale-out-secret",
            "HOLDLINE_TRUSTED_PROXIES": "1", "HOLDLINE_LOG_LEVEL": "WARNING",
            "HOLDLINE_INSTANCE_DIR": str(machine.folder / "instance"),
            "HOLDLINE_AUDIO_DIR": str(machine.folder / "audio"),
            "HOLDLINE_DEMO_PIECES": "1", "HOLDLINE_DEMO_PIECE_S": "20"}


def flask(machine: Machine, *args: str) -> None:
    venv = Path(sys.executable).parent
    subprocess.run([str(venv / "flask"), "--app", "app", *args], env=machine.env, cwd=ROOT,
                   check=True, capture_output=True)


STOPPED: list[tuple[str, bool, float]] = []  # program, had to be killed, seconds to stop


@contextmanager
def running(program: str, args: list[str], log: Path, env: dict[str, str] | None = None):
    """A server for the length of the run, stopped (SIGTERM, then SIGKILL) whatever
    happens; how long it took to stop is noted in STOPPED."""
    with log.open("w") as out:
        process = subprocess.Popen([program, *args], env=env, cwd=ROOT, stdout=out,
                                   stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        started, killed = time.perf_counter(), False
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
            killed = True
        STOPPED.append((Path(program).name, killed, time.perf_counter() - started))


def gunicorn_args(machine: Machine) -> list[str]:
    return ["--config", str(ROOT / "gunicorn.conf.py"), "--bind", f"127.0.0.1:{machine.port}",
            "--workers", "2", "app:create_app()"]


def haproxy_args(folder: Path, port: int, machines: list[Machine]) -> list[str]:
    config = folder / "haproxy.cfg"
    servers = "\n".join(f"    server {m.name} 127.0.0.1:{m.port}" for m in machines)
    config.write_text(HAPROXY_CFG.format(port=port, header=MACHINE_HEADER, servers=servers))
    subprocess.run([system_tools.path("haproxy"), "-c", "-q", "-f", str(config)], check=True)
    return ["-db", "-f", str(config)]


def wait_ready(url: str, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if requests.get(url + "/readyz", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not become ready in {timeout_s:.0f} s")


def signed_in(machine: Machine, username: str) -> requests.Session:
    """A browser signed in on this machine only (its own port, not the balancer)."""
    browser = requests.Session()
    token = csrf(browser.get(machine.url + "/login", timeout=10).text)
    answer = browser.post(machine.url + "/login", data={
        "username": username, "password": PASSWORD, "csrf_token": token}, timeout=10)
    if "/login" in answer.url:
        raise RuntimeError(f"{username} could not sign in on machine {machine.name}")
    return browser


def csrf(html: str) -> str:
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def upload_track(machine: Machine, folder: Path) -> tuple[float, int]:
    """An operator uploads a 50 s tune to jazz on this machine; returns (seconds, status)."""
    source = folder / "evening tune.mp3"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=f=330:d=50",
                    "-ac", "1", str(source)], check=True)
    operator = signed_in(machine, "olive")
    page = machine.url + "/admin/content/channels/jazz"
    token = csrf(operator.get(page, timeout=10).text)
    started = time.perf_counter()
    with source.open("rb") as audio:
        answer = operator.post(page + "/tracks", data={"csrf_token": token, "title":
                               "Evening tune"}, files={"audio": audio}, timeout=120,
                               allow_redirects=False)
    return time.perf_counter() - started, answer.status_code


def uploaded_segments(database_env: dict[str, str]) -> list[tuple[int, str, str]]:
    """(id, content hash, file name) of the uploaded track's segments, from the database."""
    from sqlalchemy import create_engine, text

    engine = create_engine(psycopg(database_env["DATABASE_URL"]))
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, sha256, file_name FROM hold_segment "
                                 "WHERE track = 'Evening tune' ORDER BY position")).all()
    engine.dispose()
    return [tuple(row) for row in rows]


def psycopg(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def fetch_from(player: Machine, uploader: Machine, segments) -> tuple[bool, list[float]]:
    """The player serves the uploader's track: the same bytes; times of the first (from
    the database) and second (from the player's own disk) fetch of each segment."""
    same, times = True, []
    uploader_library = uploader.folder / "audio" / "library" / "jazz"
    for segment_id, sha256, file_name in segments:
        url = f"{player.url}/voice/hold-audio/{segment_id}/{sha256[:16]}.wav"
        for _ in range(2):
            started = time.perf_counter()
            answer = requests.get(url, timeout=10)
            times.append(time.perf_counter() - started)
            same &= answer.status_code == 200 and \
                answer.content == (uploader_library / file_name).read_bytes()
        kept = player.folder / "audio" / "library" / "jazz" / file_name
        same &= kept.is_file() and kept.read_bytes() == answer.content
    return same, times


def one_call(balancer: str, number: int, log: list) -> dict:
    """A caller asks for a person, picks jazz on hold, hears it, hangs up. Each call from
    a new number: a caller never hears the same track twice in a week."""
    mine: list[tuple[str, int, float]] = []
    transport = Balanced(balancer, mine)
    t = Simulator(transport, TOKEN, balancer, caller=f"+1555888{number:04d}",
                  dialled="+15005550006",
                  wait_loops=3, call_sid="CA" + uuid.uuid4().hex).run([say("agent"),
                                                                       press("1")])
    plays = [line.split("[plays ", 1)[1].rstrip("]") for who, line in t.lines
             if who == "IVR" and line.startswith("[plays ")]
    fetched = [fetch_audio(transport, url) for url in plays]
    log.extend(mine)
    machines = [m for m, _, _ in mine]
    return {"sid": t.call_sid, "errors": sum(s >= 300 for _, s, _ in mine),
            "alternating": all(x != y for x, y in zip(machines, machines[1:], strict=False)),
            "both": set(machines) == {"a", "b"},
            "greeted": "thanks for calling Northwind Energy" in t.ivr_text,
            "jazz": any("/hold-audio/" in url for url in plays),
            "audio_ok": all(fetched), "plays": len(plays)}


def fetch_audio(transport: Balanced, url: str) -> bool:
    """The provider fetches each Play through the balancer too."""
    answer = requests.get(transport.server + url.removeprefix(transport.server), timeout=10)
    return answer.status_code == 200 and answer.content[:4] == b"RIFF"


def calls_recorded(database_env: dict[str, str], sids: list[str]) -> int:
    """Calls whose events are exactly the expected steps, in order, and that ended."""
    from sqlalchemy import create_engine, text

    engine = create_engine(psycopg(database_env["DATABASE_URL"]))
    right = 0
    with engine.connect() as conn:
        for sid in sids:
            status = conn.execute(text("SELECT status FROM call WHERE call_sid = :s"),
                                  {"s": sid}).scalar()
            kinds = conn.execute(text(
                "SELECT e.kind FROM call_event e JOIN call c ON c.id = e.call_id "
                "WHERE c.call_sid = :s ORDER BY e.id"), {"s": sid}).scalars().all()
            right += status == "completed" and kinds[:len(EXPECTED_EVENTS)] == \
                EXPECTED_EVENTS and kinds[-1] == "ended"
    engine.dispose()
    return right


def waiting_callers(balancer: str) -> dict[str, str]:
    """The demo customers ask for a person and stay on hold; name -> the machine that
    answered their incoming call."""
    first: dict[str, str] = {}
    for number, name in CUSTOMERS.items():
        log: list = []
        Simulator(Balanced(balancer, log), TOKEN, balancer, caller=number,
                  dialled="+15005550006", wait_loops=1, stay_on_line=True).run(
            [press("0")])
        first[name] = log[0][0]
    return first


def agent_sees(machine: Machine) -> set[str]:
    """Who is in line, as the console on this machine lists them."""
    console = signed_in(machine, "andy")
    line = console.get(machine.url + "/agent/line.json", timeout=10).json()["line"]
    return {row["name"] for row in line}


def balancer_cost(a: Machine, balancer: str, rounds: int = 20) -> tuple[float, float]:
    """Median time of a new call's first webhook straight to machine a and through
    HAProxy, taken in turns (both signed over the public URL, as the provider signs)."""
    direct, balanced = [], []
    for _ in range(rounds):
        for server, times in ((a.url, direct), (balancer, balanced)):
            transport = Balanced(server, [])
            params = {"CallSid": "CA" + uuid.uuid4().hex, "AccountSid": "AC" + "0" * 32,
                      "From": "+15557770000", "To": "+15005550006", "CallStatus": "ringing"}
            signature = RequestValidator(TOKEN).compute_signature(
                balancer + "/voice/incoming", params)
            started = time.perf_counter()
            transport.post(server + "/voice/incoming", params, {"X-Twilio-Signature": signature})
            times.append(time.perf_counter() - started)
    return statistics.median(direct) * 1000, statistics.median(balanced) * 1000


def p50_p99_ms(seconds: list[float]) -> str:
    q = statistics.quantiles(seconds, n=100)
    return f"{statistics.median(seconds) * 1000:.0f} / {q[98] * 1000:.0f} ms"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sequential", type=int, default=5)
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--parallel", type=int, default=4)
    args = parser.parse_args()
    database = os.environ["HOLDLINE_TEST_DATABASE_URL"]
    with tempfile.TemporaryDirectory(prefix="holdline-scale-") as tmp, ExitStack() as stack:
        folder = Path(tmp)
        lb_port = free_port()
        balancer = f"http://127.0.0.1:{lb_port}"
        machines = [Machine(name, free_port(), folder / name) for name in ("a", "b")]
        for machine in machines:
            machine.env = machine_env(machine, database, balancer)
        a, b = machines
        started = time.perf_counter()
        for machine in machines:  # each machine's deploy step; the second finds it all done
            flask(machine, "init-demo")
        deploy_s = time.perf_counter() - started
        flask(a, "users", "create", "olive", "--role", "operator", "--password", PASSWORD)
        flask(a, "users", "create", "andy", "--role", "agent", "--phone", "+15550007777",
              "--password", PASSWORD)
        venv = Path(sys.executable).parent
        for machine in machines:
            stack.enter_context(running(str(venv / "gunicorn"), gunicorn_args(machine),
                                        folder / f"{machine.name}.log", machine.env))
        stack.enter_context(running(system_tools.path("haproxy"),
                                    haproxy_args(folder, lb_port, machines),
                                    folder / "haproxy.log"))
        for url in (a.url, b.url, balancer):
            wait_ready(url)
        ready_s = time.perf_counter() - started - deploy_s
        rows = run_checks(a, b, balancer, folder, args)
        rows.insert(0, ("set-up: `flask init-demo` on a then b / 2 x gunicorn (2 workers "
                        "each) and HAProxy ready", f"{deploy_s:.1f} / {ready_s:.1f} s", True))
    rows.append(("everything stopped (SIGTERM)", ", ".join(
        f"{name} {seconds:.1f} s" + (" (killed)" if killed else "")
        for name, killed, seconds in STOPPED), len(STOPPED) == 3 and not any(
            killed for _, killed, _ in STOPPED)))
    print_table(rows)
    return 0 if all(good for _, _, good in rows) else 1


def run_checks(a: Machine, b: Machine, balancer: str, folder: Path, args) -> list:
    rows = []
    upload_s, status = upload_track(a, folder)
    segments = uploaded_segments(a.env)
    same, times = fetch_from(b, a, segments)
    rows.append((f"operator uploads a 50 s track on a ({len(segments)} segments)",
                 f"{upload_s:.1f} s, HTTP {status}", status == 303 and len(segments) >= 2))
    rows.append(("b plays it, identical bytes, now on b's disk too; first fetch (from the "
                 "database) / again (b's disk)", f"{same}; "
                 f"{statistics.median(times[0::2]) * 1000:.0f} / "
                 f"{statistics.median(times[1::2]) * 1000:.0f} ms", same))
    log: list = []
    one_by_one = [one_call(balancer, i, log) for i in range(args.sequential)]
    rows.append(("calls one at a time: each webhook on the other machine than the last",
                 f"{sum(r['alternating'] for r in one_by_one)} / {len(one_by_one)}",
                 all(r["alternating"] for r in one_by_one)))
    with ThreadPoolExecutor(args.parallel) as pool:
        at_once = list(pool.map(lambda i: one_call(balancer, i, log),
                                range(args.sequential, args.sequential + args.calls)))
    results = one_by_one + at_once
    served = [m for m, _, _ in log]
    recorded = calls_recorded(a.env, [r["sid"] for r in results])
    right = sum(r["greeted"] and r["jazz"] and r["audio_ok"] and not r["errors"]
                for r in results)
    rows += [
        # Interleaved with other calls, a call's few webhooks may by chance all land on
        # one machine (about 1 in 30 here): shown, not checked.
        (f"then {args.calls} calls, {args.parallel} at once: served by both machines",
         f"{sum(r['both'] for r in at_once)} / {len(at_once)}", True),
        ("all calls: ended right, heard jazz, every Play fetched through HAProxy",
         f"{right} / {len(results)}", right == len(results)),
        ("all calls: every step recorded once, in order; call completed",
         f"{recorded} / {len(results)}", recorded == len(results)),
        ("webhooks served by a / b", f"{served.count('a')} / {served.count('b')}",
         served.count("a") > 0 and served.count("b") > 0),
        ("non-2xx answers", str(sum(s >= 300 for _, s, _ in log)),
         all(s < 300 for _, s, _ in log)),
        ("webhook p50 / p99 through the balancer (not a load test)",
         p50_p99_ms([t for _, _, t in log]), True),
    ]
    direct_ms, balanced_ms = balancer_cost(a, balancer)
    rows.append(("a new call's first webhook, median: straight to a / through HAProxy",
                 f"{direct_ms:.0f} / {balanced_ms:.0f} ms", True))
    first = waiting_callers(balancer)
    for machine in (a, b):
        seen = agent_sees(machine)
        others = [n for n, m in first.items() if m != machine.name]
        rows.append((f"agent on {machine.name} sees the waiting callers (of them, arrived "
                     f"through the other: {len(others)})",
                     f"{len(seen & set(first))} / {len(first)}", set(first) <= seen))
    return rows


def print_table(rows) -> None:
    print("| check | result | ok |\n|---|---|---|")
    for check, result, good in rows:
        print(f"| {check} | {result} | {'yes' if good else 'NO'} |")


def under_postgres() -> int:
    """Run this script again inside tests/postgres.sh, which starts and removes a server."""
    return subprocess.run([system_tools.path("bash"), str(ROOT / "tests" / "postgres.sh"),
                           sys.executable, __file__, *sys.argv[1:]], cwd=ROOT).returncode


if __name__ == "__main__":
    if not os.environ.get("HOLDLINE_TEST_DATABASE_URL", "").startswith("postgres"):
        sys.exit(under_postgres())
    sys.exit(main())
