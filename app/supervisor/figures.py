"""The wallboard's figures, a pure function of rows: queue entries, pending callbacks and
agents, and the moment "now". No database, no clock of its own, so tests give it edges."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..analytics import service_level
from ..events import WaitResult


@dataclass(frozen=True)
class Entry:
    """One caller's wait in a queue: still waiting (outcome None) or ended."""

    queue: str
    joined_at: datetime
    outcome: str | None = None  # answered | abandoned | callback | voicemail
    ended_at: datetime | None = None
    wait_s: int | None = None  # as the provider reported it at the end


@dataclass(frozen=True)
class Agent:
    key: int
    name: str
    state: str
    since: datetime | None  # None: not known when this state began


@dataclass(frozen=True)
class Ended:
    """Waits that ended within a window: answered (and of them, within the threshold) and
    abandoned."""

    answered: int = 0
    in_time: int = 0
    abandoned: int = 0

    @property
    def service_level(self) -> float | None:
        return service_level(self.in_time, self.answered, self.abandoned)


ROLLING = timedelta(hours=1)  # the rolling window beside "today"


@dataclass(frozen=True)
class QueueFigures:
    queue: str
    waiting: int
    longest_wait_s: int  # 0 with nobody waiting
    answered: int  # today
    answered_in_time: int  # today, within the service-level threshold
    abandoned: int  # today
    callbacks_pending: int
    last_hour: Ended = Ended()  # waits that ended in the rolling hour up to now

    @property
    def service_level(self) -> float | None:
        """Today's, by the one definition (analytics.service_level)."""
        return service_level(self.answered_in_time, self.answered, self.abandoned)


@dataclass(frozen=True)
class AgentFigures:
    key: int
    name: str
    state: str
    in_state_s: int | None


@dataclass(frozen=True)
class Board:
    queues: list[QueueFigures]
    agents: list[AgentFigures]
    threshold_s: int
    states: tuple[str, ...] = ()  # counted even at zero, so an alert has a series to watch

    def agents_by_state(self) -> dict[str, int]:
        counts = Counter(agent.state for agent in self.agents)
        return {state: counts.get(state, 0) for state in sorted({*self.states, *counts})}


def seconds(since: datetime, now: datetime) -> int:
    return max(0, int((now - since).total_seconds()))


def waited_s(entry: Entry) -> int:
    """The provider's queue time, or else the time between joining and leaving."""
    if entry.wait_s is not None:
        return entry.wait_s
    return seconds(entry.joined_at, entry.ended_at or entry.joined_at)


def ended(entries: list[Entry], since: datetime, threshold_s: int) -> Ended:
    done = [e for e in entries if e.outcome and e.ended_at and e.ended_at >= since]
    answered = [e for e in done if e.outcome == WaitResult.ANSWERED]
    return Ended(len(answered), sum(1 for e in answered if waited_s(e) <= threshold_s),
                 sum(1 for e in done if e.outcome == WaitResult.ABANDONED))


def board(entries: list[Entry], callbacks: list[str], agents: list[Agent], now: datetime,
          threshold_s: int, queues: Sequence[str] = (), states: tuple[str, ...] = ()) -> Board:
    """Per queue (those named, and any with a row): who waits and how long, today's
    answered, in-time and abandoned waits (ended since midnight UTC) and the last hour's,
    pending callbacks
    (one queue name per callback). Agents with their time in state, and a count for
    each of `states` and any other state an agent is in."""
    midnight = datetime.combine(now.date(), datetime.min.time())
    by_queue: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        by_queue[entry.queue].append(entry)
    pending = Counter(callbacks)
    figures = []
    for name in sorted({*queues, *by_queue, *callbacks}):
        mine = by_queue[name]
        waiting = [e for e in mine if e.outcome is None]
        today = ended(mine, midnight, threshold_s)
        figures.append(QueueFigures(
            name, len(waiting), max((seconds(e.joined_at, now) for e in waiting), default=0),
            today.answered, today.in_time, today.abandoned, pending[name],
            ended(mine, now - ROLLING, threshold_s)))
    people = [AgentFigures(a.key, a.name, a.state, seconds(a.since, now) if a.since else None)
              for a in sorted(agents, key=lambda a: a.name.lower())]
    return Board(figures, people, threshold_s, tuple(states))
