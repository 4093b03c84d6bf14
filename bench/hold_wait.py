"""waitUrl latency under load: callers on hold through gunicorn, as Twilio loops them.

    .venv/bin/python bench/hold_wait.py

Each simulated caller asks for a person, picks a channel, and waits through 12 waitUrl
rounds (segments, announcements, a channel switch), pausing as a caller listening would.
Prints p50/p99 of the hold webhooks (waitUrl and answers given on hold).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from webhooks import free_port, p50_p99_ms, run_level, serving, sqlite_env  # noqa: E402

from app.simulator import SILENCE, press, say  # noqa: E402

SEGMENTS = """
from app import create_app
from app.models import db
from app.hold.models import HoldChannel, HoldSegment
app = create_app()
with app.app_context():
    for channel in HoldChannel.query.filter(HoldChannel.kind.in_(["music", "spoken"])):
        for i in range(30):
            db.session.add(HoldSegment(channel=channel, track=f"{channel.key}-{i // 3}",
                file_name=f"{channel.key}{i}.wav", sha256=f"{i:02d}" + "b" * 62,
                duration_s=30, position=i))
    db.session.commit()
"""
HOLDERS = [(f"+1555000{i:04d}", [say("agent"), press(str(1 + i % 3)), SILENCE, SILENCE,
                                  press("*"), press("2")]) for i in range(50)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--levels", default="10,50")
    parser.add_argument("--think", type=float, default=1.0)
    args = parser.parse_args()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        env = sqlite_env(base, tmp, HOLDLINE_LOG_LEVEL="WARNING")
        with serving(env, port, setup=SEGMENTS):
            print("| callers on hold | hold webhooks | p50 ms | p99 ms |")
            print("|---:|---:|---:|---:|")
            for level in map(int, args.levels.split(",")):
                timed, _ = run_level(base, level, level, args.think, HOLDERS, wait_loops=12)
                lat = [s for path, s in timed if path.startswith(("/voice/wait",
                                                                  "/voice/hold-input"))]
                print(f"| {level} | {len(lat)} | {p50_p99_ms(lat)} |", flush=True)


if __name__ == "__main__":
    main()
