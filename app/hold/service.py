"""Hold sessions in the database: catalog, estimates, history, callbacks, queue order."""

from __future__ import annotations

import hashlib
import hmac
import statistics
import time as clock
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, time, timedelta
from typing import TypeVar, cast

from flask import current_app
from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import make_transient_to_detached

from .. import call_rows, event_log
from ..events import EventKind, WaitResult
from ..flow.phrases import phrases
from ..hours.service import line_timezone, status, zone
from ..menus import call_language, line_of
from ..models import Call, CallEvent, db, utcnow
from ..providers.port import QueueExit
from . import content as hold_content
from . import plan
from .hours import Agent, agent_states, unanswerable
from .models import (
    CallbackRequest,
    HoldSession,
    PlayHistory,
)

HISTORY_DAYS = 7  # a caller does not hear the same track again within this many days
ESTIMATE_SAMPLE = 20  # recent answered waits the estimate is drawn from
ESTIMATE_WINDOW = timedelta(hours=1)  # ...within this window: the queue's answer rate now
POPULAR_WINDOW = timedelta(days=30)  # the hold menu names what callers chose lately
POPULAR_SAMPLE = 2000
# How a wait ended, as the hold session keeps it (a caller who left chose a callback,
# unless the planner already said voicemail).
OUTCOMES = {QueueExit.ANSWERED: "answered", QueueExit.LEFT: "callback"}
POPULAR = "holdline.most_chosen"
POPULAR_TTL_S = 60.0  # a month's choices do not change in a minute

# The waitUrl path's statements, built once (building one cost more than running it).
_sessions = cast(Table, HoldSession.__table__)
_events = cast(Table, CallEvent.__table__)
_heard = cast(Table, PlayHistory.__table__)
WAITING = (select(call_rows.CALL, *(c.label(f"hold_{c.key}") for c in _sessions.c))
           .select_from(call_rows.CALL.outerjoin(
               _sessions, _sessions.c.call_id == call_rows.CALL.c.id))
           .where(call_rows.CALL.c.call_sid == bindparam("sid")))
NEW_SESSION = insert(_sessions)
# With no values of its own, an UPDATE sets the columns whose values it is given.
SESSION_UPDATE = update(_sessions).where(_sessions.c.id == bindparam("session_id"))
PLAYED = insert(_heard)
CHOSEN = (select(_events.c.detail).where(_events.c.kind == EventKind.HOLD_CHANNEL.value,
                                         _events.c.at >= bindparam("since"))
          .order_by(_events.c.id.desc()).limit(POPULAR_SAMPLE))
HEARD_BEFORE = select(_heard.c.track).where(
    _heard.c.caller_hash == bindparam("caller"), _heard.c.heard_at >= bindparam("since"),
    _heard.c.heard_at < bindparam("started"))
RECENT_WAITS = (select(_sessions.c.wait_s, _sessions.c.entry_position).where(
    _sessions.c.queue == bindparam("queue"), _sessions.c.outcome == WaitResult.ANSWERED.value,
    _sessions.c.wait_s.is_not(None), _sessions.c.entry_position > 0,
    _sessions.c.ended_at >= bindparam("since"))
    .order_by(_sessions.c.ended_at.desc()).limit(ESTIMATE_SAMPLE))


def caller_hash(number: str) -> str:
    """Keyed hash: play history without keeping who called in clear."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, number.encode(), hashlib.sha256).hexdigest()


def catalog(call: Call, queue: str, segment_url: Callable[[plan.Segment], str],
            fallback_url: str | None, joining: bool = True,
            agents: Sequence[Agent] | None = None,
            recent: frozenset[str] | None = None) -> plan.Catalog:
    """joining: the first request of the wait, the only one whose menu needs to know what
    callers chose most (a query not worth making every 30 s). agents: as agent_states()
    read them for this request; recent: the caller's recent tracks, when already known."""
    opening = status(queue, line_timezone(call))
    line = line_of(call)  # callers hear their own line's channels and quiz only
    content = hold_content.of_line(line, db.session.connection())
    language, voice = call_language(call)
    said = phrases(language).content
    return plan.Catalog(
        channels=tuple(plan.Channel(c.key, said(c.name), c.kind, c.digit,
                                    tuple(dict.fromkeys((*c.phrases, c.name))))
                       for c in content.channels),
        segments=arranged(content.segments, content.fed,
                          {c.id: c.key for c in content.channels}, utcnow(), language),
        questions=quiz(content.questions, said, utcnow()),
        recent_tracks=recent_tracks(call) if recent is None else recent,
        caller_last4=call.from_number[-4:],
        fallback_url=fallback_url, segment_url=segment_url,
        language=language, voice=voice,
        unanswerable=unanswerable(queue, opening, agents),
        voicemail=current_app.config["UNANSWERED_VOICEMAIL"],
        popular=most_chosen() if joining else (), now=opening.now.time(),
        hours=opening.today, next_opening=opening.next_opening, today=opening.now.date())


def callback_at(after: time, timezone: str | None = None) -> datetime:
    """A later time today in the line's zone, as the naive UTC the database keeps."""
    local = datetime.now(zone(timezone)).replace(hour=after.hour, minute=after.minute,
                                                 second=0, microsecond=0)
    return local.astimezone(UTC).replace(tzinfo=None)


def most_chosen() -> tuple[str, ...]:
    """Channel keys callers picked themselves lately, most chosen first: over 30 days, so
    each process counts again only every POPULAR_TTL_S seconds."""
    kept = current_app.extensions.get(POPULAR)
    if kept is not None and clock.monotonic() - kept[0] < POPULAR_TTL_S:
        return kept[1]
    rows = db.session.connection().scalars(CHOSEN, {"since": utcnow() - POPULAR_WINDOW})
    counts = Counter(d.get("channel") for d in rows if (d or {}).get("why") == "caller chose")
    chosen = tuple(key for key, _ in counts.most_common())
    current_app.extensions[POPULAR] = (clock.monotonic(), chosen)
    return chosen


def todays_segments(channel_keys: dict[int, str], today: datetime | None = None,
                    language: str = "en-US") -> dict[str, tuple[plan.Segment, ...]]:
    """These channels' segments for today, read now (the call path reads the line's
    content from hold_content)."""
    connection, ids = db.session.connection(), list(channel_keys)
    return arranged(tuple(connection.execute(hold_content.SEGMENTS, {"channels": ids})),
                    frozenset(connection.scalars(hold_content.FED, {"channels": ids})),
                    channel_keys, today or utcnow(), language)


def arranged(rows: Iterable, fed: frozenset[int], channel_keys: dict[int, str],
             today: datetime, language: str) -> dict[str, tuple[plan.Segment, ...]]:
    """Per channel, today's segments in play order. Tracks start at another place each
    date; a podcast keeps its order (newest episode first). Spoken content in another
    language than the caller's, and tips of another weekday, are left out."""
    spoken = language.split("-")[0]
    tracks: dict[str, dict[str, list[plan.Segment]]] = {k: {} for k in channel_keys.values()}
    for channel_id, segment_id, track, sha, weekday, segment_language in rows:
        if (channel_id in channel_keys and weekday in (None, today.weekday())
                and segment_language in (None, spoken)):
            tracks[channel_keys[channel_id]].setdefault(track, []).append(
                plan.Segment(segment_id, track, sha[:16]))
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
    """The line's active quiz for today, read now."""
    return quiz(tuple(db.session.connection().execute(hold_content.QUIZ, {"line": line})),
                said, today or utcnow())


def quiz(rows: Iterable, said: Callable[[str], str], today: datetime
         ) -> tuple[plan.Question, ...]:
    """Each text in the caller's language where the catalogue has it, starting at another
    question each date."""
    return tuple(for_the_day([
        plan.Question(q.id, said(q.question), tuple(map(said, q.choices)), q.answer,
                      said(q.fact)) for q in rows], today))


def recent_tracks(call: Call) -> frozenset[str]:
    """Tracks this number heard on its calls before this one (fixed for the whole call)."""
    since = utcnow() - timedelta(days=current_app.config.get("HOLD_HISTORY_DAYS",
                                                              HISTORY_DAYS))
    return frozenset(db.session.connection().scalars(HEARD_BEFORE, {
        "caller": caller_hash(call.from_number), "since": since, "started": call.started_at}))


def agents_on(queue: str, agents: Sequence[Agent] | None = None) -> int | None:
    """Agents serving this queue who are not away (None: no profiles, so unknown)."""
    serving = [a for a in (agent_states() if agents is None else agents)
               if queue in (a.skills or [])]
    return sum(a.status != "away" for a in serving) if serving else None


def estimate_s(queue: str, position: int | None, provider_avg_s: int | None,
               entry_position: int | None = None, queue_time_s: int = 0) -> int | None:
    """Seconds until answered: the caller's place times the seconds per place, from the
    queue's answered waits in the last hour; else this caller's own progress so far; else
    the provider's average wait spread over the places they joined at."""
    if not position:
        return None
    recent = db.session.connection().execute(RECENT_WAITS, {
        "queue": queue, "since": utcnow() - ESTIMATE_WINDOW}).all()
    per_place = [w / p for w, p in recent if w is not None and p]  # (the query has no None)
    if per_place:
        return round(position * statistics.median(per_place))
    moved = (entry_position or 0) - position
    if moved > 0 and queue_time_s:
        return round(position * queue_time_s / moved)
    if provider_avg_s:
        return round(provider_avg_s * position / max(entry_position or position, 1))
    return None


def waiting(call_sid: str) -> tuple[Call, HoldSession | None] | None:
    """A waiting caller's call and hold session (None before their first wait request),
    in one statement, both detached: save() writes the session, commit the call."""
    row = db.session.connection().execute(WAITING, {"sid": call_sid}).first()
    if row is None:
        return None
    values = row._mapping
    call = call_rows.detached({c.key: values[c] for c in call_rows.CALL.c})
    if values["hold_id"] is None:
        return call, None
    session = HoldSession(**{c.key: values[f"hold_{c.key}"] for c in _sessions.c})
    make_transient_to_detached(session)
    return call, session


def joined(call: Call, queue: str, position: int | None) -> HoldSession:
    """A caller's first wait request: their session, inserted by save()."""
    return HoldSession(call_id=call.id, queue=queue, entry_position=position,
                       joined_at=utcnow(), state={})


def save(call: Call, session: HoldSession, step: plan.HoldStep, wait: plan.Wait,
         recent: frozenset[str] = frozenset()) -> None:
    """The session in one INSERT or UPDATE; what was played in one INSERT; the events at
    commit. recent: the tracks of the caller's earlier calls, kept for the wait's next
    requests."""
    outcome = session.outcome
    session.state = {**step.state.to_dict(), "wait": [wait.position, wait.queue_time_s],
                     "recent": sorted(recent)}
    event_log.record(call, step.trace)
    played = [{"caller_hash": caller_hash(call.from_number), "track": item.detail["track"],
               "heard_at": utcnow()}
              for item in step.trace if item.kind == EventKind.HOLD_PLAYED]
    for action in step.actions:
        if isinstance(action, plan.RequestCallback):
            db.session.add(CallbackRequest(
                call_id=call.id, number=action.number or call.from_number,
                queue=session.queue, joined_at=session.joined_at,
                next_attempt_at=callback_at(action.after, line_timezone(call))
                if action.after else None))
            session.outcome = WaitResult.CALLBACK
        elif isinstance(action, plan.LeaveMessage):
            session.outcome = WaitResult.VOICEMAIL
    write(session, outcome_changed=session.outcome != outcome)
    if played:
        db.session.connection().execute(PLAYED, played)


def write(session: HoldSession, outcome_changed: bool) -> None:
    """A new session's row, or its state (and its outcome only when this request set it:
    the end of the wait, reported meanwhile to another worker, is not overwritten)."""
    connection = db.session.connection()
    outcome = None if session.outcome is None else str(session.outcome)
    if session.id is None:
        key = connection.execute(NEW_SESSION, {
            "call_id": session.call_id, "queue": session.queue, "joined_at": session.joined_at,
            "entry_position": session.entry_position, "state": session.state,
            "outcome": outcome}).inserted_primary_key
        assert key is not None  # an INSERT of one row always has it
        session.id = key[0]
    else:
        connection.execute(SESSION_UPDATE, {"session_id": session.id, "state": session.state,
                                            **({"outcome": outcome} if outcome_changed else {})})


def recent_of(call: Call, session: HoldSession) -> frozenset[str]:
    """The caller's earlier tracks: read at the wait's first request, then kept."""
    kept = (session.state or {}).get("recent")
    return recent_tracks(call) if kept is None else frozenset(kept)


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
