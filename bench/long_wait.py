"""A 30-minute wait on every demo channel, in English and Korean, as the provider loops it.

    .venv/bin/python bench/long_wait.py [--minutes 30]

The demo is built as `flask init-demo` builds it (synthesised music, spoken tips, the
quiz), the queue has answered callers in the last hour (225 s per place in line), and
the simulator requests the waitUrl with QueuePosition falling from 8 to 1 and QueueTime
rising. With --placeholder-segments N, N more 30 s rows per audio channel stand in for
content the demo does not have yet (the simulator never fetches the audio), to measure
the planner apart from the library's size. Prints a Markdown table: segments played,
repeats (must be 0), the estimates said (must not rise), the longest silence (at most
1 s) and how often a callback was offered.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from app import create_app, menus  # noqa: E402
from app.config import TestConfig  # noqa: E402
from app.hold.models import HoldChannel, HoldSegment, HoldSession, QuizQuestion  # noqa: E402
from app.hold.wait_report import report  # noqa: E402
from app.models import Call, db, utcnow  # noqa: E402
from app.simulator import InProcess, Simulator, press, say  # noqa: E402

PER_PLACE_S = 225  # 8 places in 30 minutes
OPENINGS = {"en": [say("agent")], "ko": [press("9"), say("상담원")]}
DEMO_MENU = ROOT / "app/demo/menus/northwind.yaml"


def build_demo(app) -> None:
    """The demo as init-demo makes it; Korean nodes use the provider's speech here (the
    built-in recognizer needs a running server), and an hour of answered waits."""
    result = app.test_cli_runner().invoke(args=["init-demo"])
    assert result.exit_code == 0, result.output
    definition = yaml.safe_load(DEMO_MENU.read_text())
    for node in definition["nodes"].values():
        if node.get("language") == "ko-KR":
            node.pop("recognizer", None)
    menus.save_version(definition, publish=True)
    for i in range(6):
        db.session.add(
            HoldSession(
                call=Call(call_sid=f"CAanswered{i}", from_number="+1", to_number="+1"),
                queue="general",
                entry_position=4,
                outcome="answered",
                wait_s=4 * PER_PLACE_S,
                ended_at=utcnow(),
            )
        )
    db.session.commit()


def add_placeholders(count: int) -> None:
    for channel in db.session.scalars(
        select(HoldChannel).where(HoldChannel.kind.in_(["music", "spoken"]))
    ):
        for i in range(count):
            db.session.add(
                HoldSegment(
                    channel=channel,
                    track=f"placeholder-{channel.key}-{i}",
                    file_name=f"placeholder{i}.wav",
                    sha256=f"{i:04d}" + "c" * 60,
                    duration_s=30,
                    position=1000 + i,
                )
            )
    db.session.commit()


def content_line() -> str:
    rows = db.session.execute(
        select(HoldChannel.key, func.count(HoldSegment.id), func.sum(HoldSegment.duration_s))
        .join(HoldSegment)
        .group_by(HoldChannel.key)
    ).all()
    return "content: " + ", ".join(
        f"{key} {n} segments ({(total or 0) / 60:.1f} min)" for key, n, total in sorted(rows)
    )


def script(language: str, channel: HoldChannel, questions: int) -> list:
    steps = [*OPENINGS[language], press(channel.digit)]
    if channel.kind == "quiz":
        steps += [press("1")] * questions  # answers every question, right or not
    elif channel.kind == "callback":
        steps += [press("1")]  # books the callback at the number calling
    return steps


def one_wait(
    app, client, language: str, channel: HoldChannel, questions: int, seconds: int, n: int
):
    sim = Simulator(
        InProcess(client),
        app.config["TWILIO_AUTH_TOKEN"],
        app.config["PUBLIC_BASE_URL"],
        caller=f"+1555770{n:04d}",
        dialled="+15005550006",
        wait_loops=10_000,
        queue_position=8,
        advance_every_s=PER_PLACE_S,
        max_wait_s=seconds,
    )
    transcript = sim.run(script(language, channel, questions))
    call = db.session.scalar(select(Call).where(Call.call_sid == transcript.call_sid))
    return report(transcript.lines, list(call.events), sim.queue_time, sim.silences)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=int, default=30)
    parser.add_argument("--placeholder-segments", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config = type(
            "Bench",
            (TestConfig,),
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db",
                "AUDIO_DIR": tmp,
                "WTF_CSRF_ENABLED": False,
            },
        )
        app = create_app(config)
        with app.app_context():
            build_demo(app)
            add_placeholders(args.placeholder_segments)
            print(content_line() + "\n")
            client = app.test_client()
            channels = db.session.scalars(select(HoldChannel).order_by(HoldChannel.position))
            channels = list(channels)
            questions = len(db.session.scalars(select(QuizQuestion)).all())
            print(
                "| language | channel | waited | segments | repeats | announcements "
                "(place: estimate said) | estimates fall | you're next | longest silence "
                "| callback offered |"
            )
            print("|---|---|---:|---:|---:|---|---|---:|---:|---:|")
            n = 0
            for language in OPENINGS:
                for channel in channels:
                    n += 1
                    r = one_wait(app, client, language, channel, questions, args.minutes * 60, n)
                    said = "; ".join(f"{p}: {words}" for _, p, _, words in r.announcements)
                    print(
                        f"| {language} | {channel.key} | {r.waited_s // 60} min "
                        f"{r.waited_s % 60} s | {r.segments} | {r.repeats} | {said} | "
                        f"{'yes' if r.estimates_fall else 'NO'} | {r.next_told} | "
                        f"{r.longest_silence_s} s | {r.callback_offers} |",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
