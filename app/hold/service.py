"""Hold sessions in the database: catalog, estimates, history, callbacks, queue order."""

from __future__ import annotations

import hashlib
import hmac
import statistics
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import TypeVar

from flask import current_app
from sqlalchemy import select

from .. import event_log
from ..agents.models import AgentProfile
from ..events import EventKind, WaitResult
from ..flow.phrases import phrases
from ..hours.service import line_timezone, status, zone
from ..menus import call_language, line_of
from ..models import Call, CallEvent, db, utcnow
from ..providers.port import QueueExit
from . import plan
from .hours import unanswerable
from .models import (
    CallbackRequest,
    HoldChannel,
    HoldSegment,
    HoldSession,
    PlayHistory,
    PodcastFeed,
    QuizQuestion,
)

HISTORY_DAYS = 7  # a caller does not hear the same track again within this many days
ESTIMATE_SAMPLE = 20  # recent answered waits the estimate is drawn from
ESTIMATE_WINDOW = timedelta(hours=1)  # ...within this window: the queue's answer rate now
POPULAR_WINDOW = timedelta(days=30)  # the hold menu names what callers chose lately
POPULAR_SAMPLE = 2000
# How a wait ended, as the hold session keeps it (a caller who left chose a callback,
# unless the planner already said voicemail).
OUTCOMES = {QueueExit.ANSWERED: "answered", QueueExit.LEFT: "callback"}


def caller_hash(number: str) -> str:
    """Keyed hash: play history without keeping who called in clear."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, number.encode(), hashlib.sha256).hexdigest()


def session_for(call: Call, queue: str, position: int | None) -> HoldSession:
    session = db.session.scalar(select(HoldSession).where(HoldSession.call_id == call.id))
    if session is None:
        session = HoldSession(call=call, queue=queue, entry_position=position)
        db.session.add(session)
        db.session.flush()
    return session


def catalog(call: Call, queue: str, segment_url: Callable[[plan.Segment], str],
            fallback_url: str | None, joining: bool = True) -> plan.Catalog:
    """joining: the first request of the wait, the only one whose menu needs to know what
    callers chose most (a query not worth making every 30 s)."""
    opening = status(queue, line_timezone(call))
    line = line_of(call)  # callers hear their own line's channels and quiz only
    channels = db.session.scalars(select(HoldChannel).where(
        HoldChannel.active.is_(True), HoldChannel.line == line)
        .order_by(HoldChannel.position)).all()
    language, voice = call_language(call)
    said = phrases(language).content
    return plan.Catalog(
        channels=tuple(plan.Channel(c.key, said(c.name), c.kind, c.digit,
                                    tuple(dict.fromkeys((*c.phrases, c.name))))
                       for c in channels),
        segments=todays_segments({c.id: c.key for c in channels}, language=language),
        questions=questions(line, said),
        recent_tracks=recent_tracks(call), caller_last4=call.from_number[-4:],
        fallback_url=fallback_url, segment_url=segment_url,
        language=language, voice=voice,
        unanswerable=unanswerable(queue, opening),
        voicemail=current_app.config["UNANSWERED_VOICEMAIL"],
        popular=most_chosen() if joining else (), now=opening.now.time(),
        hours=opening.today, next_opening=opening.next_opening, today=opening.now.date())


def callback_at(after: time, timezone: str | None = None) -> datetime:
    """A later time today in the line's zone, as the naive UTC the database keeps."""
    local = datetime.now(zone(timezone)).replace(hour=after.hour, minute=after.minute,
                                                 second=0, microsecond=0)
    return local.astimezone(UTC).replace(tzinfo=None)


def most_chosen() -> tuple[str, ...]:
    """Channel keys callers picked themselves lately, most chosen first."""
    rows = db.session.scalars(select(CallEvent.detail).where(
        CallEvent.kind == EventKind.HOLD_CHANNEL, CallEvent.at >= utcnow() - POPULAR_WINDOW)
        .order_by(CallEvent.id.desc()).limit(POPULAR_SAMPLE))
    counts = Counter(d.get("channel") for d in rows if (d or {}).get("why") == "caller chose")
    return tuple(key for key, _ in counts.most_common())


def todays_segments(channel_keys: dict[int, str], today: datetime | None = None,
                    language: str = "en-US") -> dict[str, tuple[plan.Segment, ...]]:
    """Plain rows, not ORM objects: this runs on every waitUrl request. Tracks start at
    another place each date; a podcast keeps its order (newest episode first). Spoken
    content in another language than the caller's is left out."""
    today = today or utcnow()
    rows = db.session.execute(select(
        HoldSegment.channel_id, HoldSegment.id, HoldSegment.track, HoldSegment.sha256)
        .where(HoldSegment.channel_id.in_(channel_keys),
               (HoldSegment.weekday.is_(None)) | (HoldSegment.weekday == today.weekday()),
               (HoldSegment.language.is_(None))
               | (HoldSegment.language == language.split("-")[0]))
        .order_by(HoldSegment.channel_id, HoldSegment.position, HoldSegment.id))
    tracks: dict[str, dict[str, list[plan.Segment]]] = {k: {} for k in channel_keys.values()}
    for channel_id, segment_id, track, sha in rows:
        tracks[channel_keys[channel_id]].setdefault(track, []).append(
            plan.Segment(segment_id, track, sha[:16]))
    fed = set(db.session.scalars(select(PodcastFeed.channel_id).where(
        PodcastFeed.channel_id.in_(channel_keys))))
    ordered = {}
    for channel_id, key in channel_keys.items():
        parts = list(tracks[key].values())
        if channel_id not in fed:
            parts = for_the_day(parts, today)
        ordered[key] = tuple(segment for track in parts for segment in track)
    return ordered


T = TypeVar("T")


def for_the_day(items: list[T], day: datetime) -> list[T]:
    """The same items starting at another one each date, so whoever calls on another day
    hears other tips, questions and tunes first (off with HOLD_ROTATE_DAILY = False)."""
    if not items or not current_app.config.get("HOLD_ROTATE_DAILY", True):
        return items
    start = day.toordinal() % len(items)
    return items[start:] + items[:start]


def questions(line: str, said: Callable[[str], str] = str,
              today: datetime | None = None) -> tuple[plan.Question, ...]:
    """The line's active quiz for today, each text in the caller's language where the
    catalogue has it."""
    return tuple(for_the_day([
        plan.Question(q.id, said(q.question), tuple(map(said, q.choices)), q.answer,
                      said(q.fact))
        for q in db.session.scalars(select(QuizQuestion).where(
            QuizQuestion.active.is_(True), QuizQuestion.line == line)
            .order_by(QuizQuestion.position))], today or utcnow()))


def recent_tracks(call: Call) -> frozenset[str]:
    since = utcnow() - timedelta(days=current_app.config.get("HOLD_HISTORY_DAYS",
                                                              HISTORY_DAYS))
    rows = db.session.scalars(select(PlayHistory.track).where(
        PlayHistory.caller_hash == caller_hash(call.from_number),
        PlayHistory.heard_at >= since, PlayHistory.heard_at < call.started_at))
    return frozenset(rows)


def agents_on(queue: str) -> int | None:
    """Agents serving this queue who are not away (None: no profiles, so unknown)."""
    serving = [a for a in db.session.scalars(select(AgentProfile))
               if queue in (a.skills or [])]
    return sum(a.status != "away" for a in serving) if serving else None


def estimate_s(queue: str, position: int | None, provider_avg_s: int | None,
               entry_position: int | None = None, queue_time_s: int = 0) -> int | None:
    """Seconds until answered: the caller's place times the seconds per place, from the
    queue's answered waits in the last hour; else this caller's own progress so far; else
    the provider's average wait spread over the places they joined at."""
    if not position:
        return None
    recent = db.session.execute(select(HoldSession.wait_s, HoldSession.entry_position).where(
        HoldSession.queue == queue, HoldSession.outcome == WaitResult.ANSWERED,
        HoldSession.wait_s.is_not(None), HoldSession.entry_position > 0,
        HoldSession.ended_at >= utcnow() - ESTIMATE_WINDOW)
        .order_by(HoldSession.ended_at.desc()).limit(ESTIMATE_SAMPLE)).all()
    per_place = [w / p for w, p in recent if w is not None and p]  # (the query has no None)
    if per_place:
        return round(position * statistics.median(per_place))
    moved = (entry_position or 0) - position
    if moved > 0 and queue_time_s:
        return round(position * queue_time_s / moved)
    if provider_avg_s:
        return round(provider_avg_s * position / max(entry_position or position, 1))
    return None


def save(call: Call, session: HoldSession, step: plan.HoldStep, wait: plan.Wait) -> None:
    session.state = {**step.state.to_dict(), "wait": [wait.position, wait.queue_time_s]}
    event_log.record(call, step.trace)
    for item in step.trace:
        if item.kind == EventKind.HOLD_PLAYED:
            db.session.add(PlayHistory(caller_hash=caller_hash(call.from_number),
                                       track=item.detail["track"]))
    for action in step.actions:
        if isinstance(action, plan.RequestCallback):
            db.session.add(CallbackRequest(
                call=call, number=action.number or call.from_number, queue=session.queue,
                joined_at=session.joined_at,
                next_attempt_at=callback_at(action.after, line_timezone(call))
                if action.after else None))
            session.outcome = WaitResult.CALLBACK
        elif isinstance(action, plan.LeaveMessage):
            session.outcome = WaitResult.VOICEMAIL


def last_wait(session: HoldSession) -> plan.Wait:
    position, queue_time = (session.state or {}).get("wait") or [None, 0]
    return plan.Wait(position, queue_time, None)


def end(call: Call, result: QueueExit, queue_time_s: int | None) -> str | None:
    """The queue's end: answered, callback or voicemail (left), or abandoned."""
    session = db.session.scalar(select(HoldSession).where(HoldSession.call_id == call.id))
    if session is None:
        return None
    if session.ended_at is not None:  # a repeated or late report: the wait is already over
        return session.outcome
    session.ended_at = utcnow()
    session.wait_s = queue_time_s
    if result is QueueExit.REDIRECTED and session.claimed_by is not None:
        result = QueueExit.ANSWERED  # an agent took the caller out of the queue into their room
    if session.outcome is None:
        session.outcome = OUTCOMES.get(result, "abandoned")
    event_log.record_event(call, f"hold_{session.outcome}", wait_s=queue_time_s)
    return session.outcome


def next_in_line(queue: str) -> list[tuple[str, int]]:
    """Waiting callers and pending callbacks in one line, by when each first joined:
    a callback neither jumps ahead nor falls to the back."""
    waiting = db.session.execute(select(HoldSession.joined_at, HoldSession.call_id).where(
        HoldSession.queue == queue, HoldSession.outcome.is_(None))).all()
    callbacks = db.session.execute(select(CallbackRequest.joined_at, CallbackRequest.id).where(
        CallbackRequest.queue == queue,
        CallbackRequest.status.in_(("pending", "offered")))).all()  # offered: still in line
    line = [(at, "caller", i) for at, i in waiting] + [(at, "callback", i) for at, i in callbacks]
    return [(kind, ident) for _, kind, ident in sorted(line)]
