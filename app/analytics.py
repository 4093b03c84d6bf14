"""Figures about calls, computed from Call, CallEvent and hold content rows.

One source for the operator dashboard, its CSV export and the Prometheus /metrics
endpoint. A call belongs to the day it started (UTC).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, true

from .events import EventKind, Outcome, WaitResult
from .hold.models import HoldChannel, HoldSegment
from .models import Call, CallEvent, Menu, MenuVersion, PhoneRoute, db, utcnow

HOLD_RESULTS = (WaitResult.ANSWERED, WaitResult.ABANDONED, WaitResult.CALLBACK)
FUNNEL_KINDS = (EventKind.ENTERED, EventKind.HANDOFF, EventKind.ESCALATE)
SERVICE_LEVEL_S = 20  # the classic "80 % answered within 20 seconds" target


@dataclass(frozen=True)
class Period:
    """Whole days, both ends included."""

    first: date
    last: date

    @classmethod
    def last_days(cls, days: int, today: date | None = None) -> Period:
        today = today or utcnow().date()
        return cls(today - timedelta(days=days - 1), today)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, datetime.min.time())

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), datetime.min.time())

    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]


@dataclass(frozen=True)
class NodeFunnel:
    node: str
    entered: int  # times callers reached the node (a caller may come back)
    handed_off: int  # hand-offs and escalations decided at this node
    ended_here: int  # calls whose last node this was
    hung_up_here: int  # ... and the caller hung up in the IVR


@dataclass(frozen=True)
class ChannelUse:
    channel: str  # the channel's key
    name: str
    callers: int  # distinct calling numbers that picked the channel themselves
    listened_s: float  # segments played, each cut short where the caller moved on

    @property
    def listened_min(self) -> float:
        return round(self.listened_s / 60, 1)


@dataclass
class Summary:
    period: Period
    calls_per_day: list[tuple[date, int]] = field(default_factory=list)
    outcomes: dict[str, int] = field(default_factory=dict)
    escalation_reasons: list[tuple[str, int]] = field(default_factory=list)
    hold: dict[str, int] = field(default_factory=dict)  # answered / abandoned / callback
    answer_waits: list[int] = field(default_factory=list)  # seconds, per answered wait
    unrecognised: list[tuple[str, int]] = field(default_factory=list)
    funnel: list[NodeFunnel] = field(default_factory=list)
    hold_channels: list[ChannelUse] = field(default_factory=list)

    @property
    def calls(self) -> int:
        return sum(self.outcomes.values())

    @property
    def containment_rate(self) -> float | None:
        return ratio(self.outcomes.get(Outcome.SELF_SERVICE, 0), self.calls)

    @property
    def ivr_abandonment_rate(self) -> float | None:
        return ratio(self.outcomes.get(Outcome.ABANDONED_IN_IVR, 0), self.calls)

    @property
    def queue_abandonment_rate(self) -> float | None:
        return ratio(self.hold.get(WaitResult.ABANDONED, 0), sum(self.hold.values()))

    @property
    def average_speed_of_answer(self) -> float | None:
        """Mean seconds on hold before a person answered."""
        return sum(self.answer_waits) / len(self.answer_waits) if self.answer_waits else None

    @property
    def service_level(self) -> float | None:
        quick = sum(1 for wait in self.answer_waits if wait <= SERVICE_LEVEL_S)
        return service_level(quick, self.hold.get(WaitResult.ANSWERED, 0),
                             self.hold.get(WaitResult.ABANDONED, 0))


def service_level(answered_in_time: int, answered: int, abandoned: int) -> float | None:
    """Answered within the threshold out of answered plus abandoned waits (callbacks kept
    their place, so they count in neither); None before any wait ended. The dashboard and
    the wallboard both use it."""
    return ratio(answered_in_time, answered + abandoned)


def ratio(part: int, whole: int) -> float | None:
    """None, not 0, when there is nothing to divide: no calls is not 0 % containment."""
    return part / whole if whole else None


Lines = Collection[str] | None  # the lines (menu names) whose calls count; None: every call


def in_period(period: Period | None, lines: Lines = None):
    """Calls started in the period (any time for None) on those lines."""
    if period is None:
        return on_lines(lines)
    return (Call.started_at >= period.start) & (Call.started_at < period.end) \
        & on_lines(lines)


def on_lines(lines: Lines):
    """Calls of those lines: by the menu version that answered them, or, for a call that
    never reached a menu (the database failed first), by the number it dialled."""
    if lines is None:
        return true()
    versions = select(MenuVersion.id).join(Menu).where(Menu.name.in_(lines))
    numbers = select(PhoneRoute.number).join(Menu).where(Menu.name.in_(lines))
    return Call.menu_version_id.in_(versions) \
        | (Call.menu_version_id.is_(None) & Call.to_number.in_(numbers))


def summarise(period: Period, top: int = 10, lines: Lines = None) -> Summary:
    return Summary(period, calls_per_day(period, lines), outcomes(period, lines),
                   escalation_reasons(period, lines), hold_results(period, lines),
                   answer_waits(period, lines), unrecognised(period, top, lines),
                   funnel(period, lines), hold_channels(period, lines))


def calls_per_day(period: Period, lines: Lines = None) -> list[tuple[date, int]]:
    starts = db.session.scalars(select(Call.started_at).where(in_period(period, lines)))
    counts = Counter(moment.date() for moment in starts)
    return [(day, counts.get(day, 0)) for day in period.days()]


def outcomes(period: Period | None = None, lines: Lines = None) -> dict[str, int]:
    """Calls by outcome; calls still in the IVR count as 'in_progress'."""
    query = select(func.coalesce(Call.outcome, Outcome.IN_PROGRESS.value), func.count(Call.id))
    query = query.where(in_period(period, lines))
    return dict(db.session.execute(query.group_by(Call.outcome)).all())


def escalation_reasons(period: Period | None = None, lines: Lines = None) -> list[tuple[str, int]]:
    query = select(Call.handoff_reason, func.count(Call.id)).where(
        Call.handoff_reason.is_not(None))
    query = query.where(in_period(period, lines))
    rows = db.session.execute(query.group_by(Call.handoff_reason)).all()
    return sorted(((reason, count) for reason, count in rows if reason is not None),
                  key=lambda r: (-r[1], r[0]))


def hold_results(period: Period | None = None, lines: Lines = None) -> dict[str, int]:
    """Ended waits in a queue: answered, abandoned (hung up) or callback (left the line)."""
    query = select(CallEvent.kind, func.count(CallEvent.id)).join(Call).where(
        CallEvent.kind.in_([result.event for result in HOLD_RESULTS]))
    query = query.where(in_period(period, lines))
    rows = dict(db.session.execute(query.group_by(CallEvent.kind)).all())
    return {result.value: rows.get(result.event, 0) for result in HOLD_RESULTS}


def answer_waits(period: Period, lines: Lines = None) -> list[int]:
    details = db.session.scalars(select(CallEvent.detail).join(Call).where(
        CallEvent.kind == EventKind.HOLD_ANSWERED, in_period(period, lines)))
    return [int(d["wait_s"]) for d in details if d and d.get("wait_s") is not None]


def unrecognised(period: Period, top: int = 10, lines: Lines = None) -> list[tuple[str, int]]:
    """What callers said that no option matched, most frequent first."""
    details = db.session.scalars(select(CallEvent.detail).join(Call).where(
        CallEvent.kind == EventKind.NO_MATCH, in_period(period, lines)))
    said = Counter(" ".join(str(d["speech"]).lower().split())
                   for d in details if d and d.get("speech"))
    return sorted(said.items(), key=lambda item: (-item[1], item[0]))[:top]


@dataclass(frozen=True)
class Unheard:
    menu: str
    node: str
    speech: str
    times: int


def unrecognised_at_nodes(period: Period, top: int = 10, lines: Lines = None) -> list[Unheard]:
    """Like unrecognised(), per menu and node, so each can become an option's example."""
    rows = db.session.execute(
        select(Menu.name, CallEvent.node, CallEvent.detail).select_from(CallEvent)
        .join(Call).join(MenuVersion, Call.menu_version_id == MenuVersion.id)
        .join(Menu, MenuVersion.menu_id == Menu.id)
        .where(CallEvent.kind == EventKind.NO_MATCH, CallEvent.node.is_not(None),
               in_period(period, lines)))
    said = Counter((name, node, " ".join(str(d["speech"]).lower().split()))
                   for name, node, d in rows if d and d.get("speech"))
    ranked = sorted(said.items(), key=lambda item: (-item[1], item[0]))[:top]
    return [Unheard(name, node, speech, times) for (name, node, speech), times in ranked]


def funnel(period: Period, lines: Lines = None) -> list[NodeFunnel]:
    """Per node: how often reached, hand-offs decided there, and calls that ended there."""
    rows = db.session.execute(
        select(CallEvent.call_id, CallEvent.kind, CallEvent.node, Call.outcome)
        .join(Call).where(CallEvent.kind.in_(FUNNEL_KINDS), CallEvent.node.is_not(None),
                          in_period(period, lines))
        .order_by(CallEvent.call_id, CallEvent.id)).all()
    counts: dict[str, Counter] = defaultdict(Counter)
    last_node: dict[int, tuple[str, str | None]] = {}
    handed_off: set[tuple[int, str]] = set()  # an escalation and its hand-off count once
    for call_id, kind, node, outcome in rows:
        if node is None:  # (the query has none: for the type checker)
            continue
        if kind == EventKind.ENTERED:
            counts[node]["entered"] += 1
            last_node[call_id] = (node, outcome)
        elif (call_id, node) not in handed_off:
            handed_off.add((call_id, node))
            counts[node]["handed_off"] += 1
    for node, outcome in last_node.values():
        counts[node]["ended"] += 1
        counts[node]["hung_up"] += outcome == Outcome.ABANDONED_IN_IVR
    table = [NodeFunnel(node, c["entered"], c["handed_off"], c["ended"], c["hung_up"])
             for node, c in counts.items()]
    return sorted(table, key=lambda n: (-n.entered, n.node))


def hold_channels(period: Period | None = None, lines: Lines = None) -> list[ChannelUse]:
    """Per hold channel: how many callers chose it and how long it played to callers.
    A segment counts until the call's next event (a key press, the next segment, an
    agent answering, hanging up): callers do not always hear it to the end."""
    query = select(CallEvent.call_id, CallEvent.kind, CallEvent.at, CallEvent.detail,
                   Call.from_number).join(Call).where(
        CallEvent.kind.startswith("hold_", autoescape=True) | (CallEvent.kind == EventKind.ENDED))
    query = query.where(in_period(period, lines))
    events = db.session.execute(query.order_by(CallEvent.call_id, CallEvent.id)).all()
    lengths = segment_lengths(e.detail.get("segment") for e in events
                              if e.kind == EventKind.HOLD_PLAYED)
    callers: dict[str, set[str]] = defaultdict(set)
    listened: Counter = Counter()
    now = utcnow()
    # each event with the one after it (None after the last)
    for event, following in zip(events, [*events[1:], None], strict=False):
        detail = event.detail or {}
        if event.kind == EventKind.HOLD_CHANNEL and detail.get("why") == "caller chose":
            callers[detail["channel"]].add(event.from_number)
        elif event.kind == EventKind.HOLD_PLAYED:
            # a segment still playing counts up to now, so the total never goes back
            same_call = following is not None and following.call_id == event.call_id
            moved_on = following.at if following is not None and same_call else now
            listened[detail["channel"]] += min(lengths.get(detail.get("segment"), 0.0),
                                               (moved_on - event.at).total_seconds())
    shown = true() if lines is None else HoldChannel.line.in_(lines)
    channels = dict(db.session.execute(select(HoldChannel.key, HoldChannel.name)).all())
    active = db.session.scalars(select(HoldChannel.key).where(HoldChannel.active, shown))
    table = [ChannelUse(key, channels.get(key, key), len(callers[key]), listened[key])
             for key in set(callers) | set(listened) | set(active)]  # unpicked ones too
    return sorted(table, key=lambda c: (-c.callers, -c.listened_s, c.channel))


def segment_lengths(ids: Iterable[int | None]) -> dict[int | None, float]:
    query = select(HoldSegment.id, HoldSegment.duration_s).where(HoldSegment.id.in_(set(ids)))
    return dict(db.session.execute(query).all())


def csv_rows(summary: Summary) -> list[tuple]:
    """The dashboard's figures as (section, key, value[, more values]) rows."""
    rows: list[tuple] = [("period", "first", summary.period.first.isoformat()),
                         ("period", "last", summary.period.last.isoformat()),
                         ("calls", "total", summary.calls)]
    for name in ("containment_rate", "ivr_abandonment_rate", "queue_abandonment_rate",
                 "service_level"):
        value = getattr(summary, name)
        rows.append(("rate", name, "" if value is None else f"{value:.4f}"))
    asa = summary.average_speed_of_answer
    rows.append(("hold", "average_speed_of_answer_s", "" if asa is None else f"{asa:.1f}"))
    rows += [("calls_per_day", day.isoformat(), n) for day, n in summary.calls_per_day]
    rows += [("outcome", k, v) for k, v in sorted(summary.outcomes.items())]
    rows += [("escalation_reason", k, v) for k, v in summary.escalation_reasons]
    rows += [("hold", k, v) for k, v in summary.hold.items()]
    rows += [("unrecognised", k, v) for k, v in summary.unrecognised]
    rows += [("funnel", n.node, n.entered, n.handed_off, n.ended_here, n.hung_up_here)
             for n in summary.funnel]
    rows += [("hold_channel_callers", c.channel, c.callers) for c in summary.hold_channels]
    rows += [("hold_channel_minutes", c.channel, f"{c.listened_min:.1f}")
             for c in summary.hold_channels]
    return rows
