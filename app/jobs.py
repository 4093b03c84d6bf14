"""Work done after a webhook answers, as persisted jobs on huey.

One machine: SqliteHuey's storage, a file in instance/ (no server to run). Several
machines: HOLDLINE_JOBS_URL=redis://... (RedisHuey; `pip install redis`). Either way a
job outlives the process that queued it, and `flask jobs run` (the Procfile's worker)
runs them with a bounded number of threads, plus the periodic reconcile of stale calls.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from huey import Huey, crontab
from huey.consumer import Consumer
from huey.storage import RedisStorage, SqliteStorage

from .agents import heartbeat
from .calls.voicemail import stuck_transcripts, transcribe_message
from .hold.feeds import refresh_all, refresh_by_id
from .models import CallEvent
from .stale_calls import reconcile

log = logging.getLogger(__name__)
# Tasks bind to this object when they are defined; init_app points its storage at the
# configured backend. Until then it runs nothing and writes nothing (immediate, memory).
huey = Huey("holdline", immediate=True)
_apps: list[Flask] = []  # the app jobs run in (the consumer's, or the one queueing)

jobs_cli = AppGroup("jobs", help="Background jobs: voicemail transcripts, stale calls, "
                    "podcast feeds.")
calls_cli = AppGroup("calls", help="Calls: reconcile the ones left in progress.")


def init_app(app: Flask) -> None:
    """Point the job storage at the app's backend: memory (tests), Redis, or SQLite."""
    _apps[:] = [app]
    url = app.config.get("JOBS_URL")
    if app.config.get("JOBS_IMMEDIATE"):
        huey.immediate = True  # run inline: tests see the outcome at once
        return
    if url:
        huey.storage_class, huey.storage_kwargs = RedisStorage, {"url": url}
    else:
        path = app.config.get("JOBS_DB") or str(Path(app.instance_path) / "jobs.db")
        huey.storage_class, huey.storage_kwargs = SqliteStorage, {"filename": path}
    huey._immediate = False
    huey.storage = huey.create_storage()


def queue_transcript(event: CallEvent) -> None:
    transcribe_voicemail(event.id, event.detail["recording_url"], event.detail["language"])


def requeue_stuck_transcripts() -> int:
    """Voicemails a lost or crashed job left "transcribing": queued again."""
    stuck = stuck_transcripts()
    for event in stuck:
        queue_transcript(event)
    return len(stuck)


def in_app(work, *args) -> None:
    with _apps[0].app_context():
        work(*args)


@huey.task(retries=2, retry_delay=60)
def transcribe_voicemail(event_id: int, recording_url: str, language: str) -> None:
    in_app(transcribe_message, event_id, recording_url, language)


@huey.periodic_task(crontab(minute="*/10"))
def reconcile_calls() -> None:
    """Calls whose status callback was lost; voicemails whose transcript job was lost."""
    in_app(reconcile)
    in_app(requeue_stuck_transcripts)


@huey.periodic_task(crontab(minute="*"))
def route_callers() -> None:
    """Offers expire and wrap-ups end even if the routing clock below stopped (each live
    console routes too, so this is the slowest clock, not the usual one)."""
    in_app(heartbeat.route_now)


def routing_clock(stop: threading.Event, every_s: float = 1.0) -> None:
    """Push routing every second beside the jobs (huey's periodic tasks are a minute
    apart): an offer reaches an available agent, and a gone agent is made away, with no
    page open to poll. Ends when stop is set."""
    while True:
        in_app(heartbeat.route_now)
        if stop.wait(every_s):
            return


@huey.task()
def refresh_feed(feed_id: int) -> None:
    """One podcast feed, right after an operator adds it or asks for a refresh."""
    in_app(refresh_by_id, feed_id)


@huey.periodic_task(crontab(minute="20"))
def refresh_feeds() -> None:
    """Every podcast feed, hourly: new episodes in, the oldest beyond the kept few out."""
    in_app(refresh_all)


@jobs_cli.command("run")
@click.option("--workers", type=click.IntRange(1, 32),
              default=lambda: int(os.environ.get("HOLDLINE_JOB_WORKERS", 2)),
              show_default="2 (HOLDLINE_JOB_WORKERS)", help="Jobs run at once.")
def run_jobs(workers: int) -> None:
    """Run queued and periodic jobs until stopped (SIGINT finishes the running ones)."""
    if huey.immediate:
        raise click.ClickException("jobs run inline in this configuration")
    click.echo(f"running jobs from {huey.storage.__class__.__name__} with {workers} workers")
    stop = threading.Event()
    threading.Thread(target=routing_clock, args=(stop,), name="routing-clock",
                     daemon=True).start()
    try:
        Consumer(huey, workers=workers, worker_type="thread", periodic=True).run()
    finally:
        stop.set()


@calls_cli.command("reconcile")
def reconcile_command() -> None:
    """Close calls left in progress past their longest possible length."""
    counts = reconcile()
    click.echo(", ".join(f"{n} {what}" for what, n in counts.items()) or "nothing stale")


def register(app: Flask) -> None:
    app.cli.add_command(jobs_cli)
    app.cli.add_command(calls_cli)

