"""Business hours as data, and the rules on them. Pure: no Flask, no database.

One syntax everywhere (the HOLDLINE_QUEUE_HOURS default and the operator app): a rule is
optional weekdays then one or more spans, e.g. ``Mon-Fri 08:00-12:00 13:00-17:00``; rules
are separated by ``;`` (or new lines). No weekdays means every day; a weekday no rule
names is closed. Spans run within one day (``22:00-24:00`` then ``00:00-06:00`` the next
day for a night shift): a span that ends before it starts is refused, not guessed at.
Special days (holidays) replace a date's weekly hours: closed, or their own spans.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DAY_MINUTES = 24 * 60
HORIZON_DAYS = 400  # how far ahead the next opening is looked for (a year of holidays)
# A queue node's name (a line's namespaced queue may add "." or ":"), or * for the rest.
QUEUE = re.compile(r"^(\*|[a-z0-9_.:\-]{1,80})$")
_TIME = re.compile(r"^([01]?\d|2[0-4]):([0-5]\d)$")


class HoursError(ValueError):
    """Hours that cannot be used; `problems` name each field that is wrong."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Problem:
    field: str  # "weekly hours, line 2", "special days, line 1", "queue"
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


@dataclass(frozen=True, order=True)
class Span:
    start: int  # minutes after midnight
    end: int  # up to 24:00

    def __str__(self) -> str:
        return f"{clock(self.start)}-{clock(self.end)}"


@dataclass(frozen=True)
class SpecialDay:
    day: date
    spans: tuple[Span, ...] = ()  # () : closed all day
    name: str = ""


@dataclass(frozen=True)
class Hours:
    weekly: tuple[tuple[Span, ...], ...] = ((),) * 7  # Monday first
    special: Mapping[date, SpecialDay] = field(default_factory=dict)

    def spans_on(self, day: date) -> tuple[Span, ...]:
        special = self.special.get(day)
        return special.spans if special else self.weekly[day.weekday()]


ALWAYS = Hours(weekly=((Span(0, DAY_MINUTES),),) * 7)  # no hours set: always open


def clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def minutes(at: time) -> int:
    return at.hour * 60 + at.minute


# -- the rules ---------------------------------------------------------------------------
def is_open(hours: Hours, at: datetime) -> bool:
    """`at` is the line's local time."""
    now = minutes(at.time())
    return any(s.start <= now < s.end for s in hours.spans_on(at.date()))


def next_opening(hours: Hours, at: datetime) -> datetime | None:
    """When a span next starts after `at` (local, naive), skipping closed days and
    holidays; None when nothing opens within HORIZON_DAYS."""
    now = minutes(at.time())
    for ahead in range(HORIZON_DAYS):
        day = at.date() + timedelta(days=ahead)
        for span in sorted(hours.spans_on(day)):
            if ahead or span.start > now:
                start = datetime.combine(day, time()) + timedelta(minutes=span.start)
                if not _continues(hours, day, span):
                    return start
    return None


def _continues(hours: Hours, day: date, span: Span) -> bool:
    """A 00:00 span that carries on yesterday's span to 24:00 is not an opening."""
    if span.start != 0:
        return False
    yesterday = hours.spans_on(day - timedelta(days=1))
    return any(s.end == DAY_MINUTES for s in yesterday)


def day_bounds(hours: Hours, day: date) -> tuple[time, time] | None:
    """First opening and last closing of a date (a later callback falls between them)."""
    spans = sorted(hours.spans_on(day))
    if not spans:
        return None
    end = spans[-1].end
    return _time(spans[0].start), time(23, 59) if end == DAY_MINUTES else _time(end)


def _time(at: int) -> time:
    return time(at // 60, at % 60)


# -- reading the syntax --------------------------------------------------------------------
def read_weekly(text: str, where: str = "weekly hours") -> tuple[tuple[Span, ...], ...]:
    """'Mon-Fri 08:00-12:00 13:00-17:00; Sat 09:00-13:00' -> spans per weekday."""
    days: list[list[Span]] = [[] for _ in WEEKDAYS]
    problems: list[Problem] = []
    for number, rule in enumerate(_rules(text), 1):
        at = f"{where}, line {number}" if "\n" in text.strip() or ";" in text else where
        tokens = rule.split()
        named = _weekdays(tokens[0]) if tokens and tokens[0][:1].isalpha() else None
        if named is None and tokens and tokens[0][:1].isalpha():
            problems.append(Problem(at, f"{tokens[0]!r} is not a weekday or weekday range "
                                        f"({', '.join(WEEKDAYS)}; e.g. Mon-Fri)"))
            continue
        spans, wrong = read_spans(tokens[1:] if named is not None else tokens, at)
        problems += wrong
        for weekday in named if named is not None else range(7):
            days[weekday] += spans
    problems += _overlaps_by_day(days, where)
    if problems:
        raise HoursError(problems)
    return tuple(tuple(sorted(spans)) for spans in days)


def _overlaps_by_day(days: list[list[Span]], where: str) -> list[Problem]:
    """Each overlap once, with the weekdays it is on ("weekly hours, Mon-Fri: ...")."""
    on: dict[str, list[int]] = {}
    for weekday, spans in enumerate(days):
        for message in overlaps(spans):
            on.setdefault(message, []).append(weekday)
    return [Problem(f"{where}, {_days_label(found)}", message) for message, found in on.items()]


def _days_label(days: list[int]) -> str:
    if len(days) > 1 and days == list(range(days[0], days[-1] + 1)):
        return f"{WEEKDAYS[days[0]]}-{WEEKDAYS[days[-1]]}"
    return ", ".join(WEEKDAYS[d] for d in days)


def _rules(text: str) -> list[str]:
    return [r.strip() for r in re.split(r"[;\n]", text) if r.strip()]


def _weekdays(token: str) -> list[int] | None:
    """'Mon' -> [0]; 'Fri-Mon' -> [4, 5, 6, 0]; anything else -> None."""
    first, _, last = token.partition("-")
    names = [name.lower() for name in WEEKDAYS]
    if first.lower()[:3] not in names or len(first) < 3 or (last and (
            last.lower()[:3] not in names or len(last) < 3)):
        return None
    start, end = names.index(first.lower()[:3]), names.index((last or first).lower()[:3])
    return [(start + i) % 7 for i in range((end - start) % 7 + 1)]


def read_spans(tokens: Iterable[str], at: str) -> tuple[list[Span], list[Problem]]:
    spans, problems = [], []
    for token in tokens:
        start, dash, end = token.partition("-")
        begin, finish = _minutes(start), _minutes(end)
        if not dash or begin is None or finish is None:
            problems.append(Problem(at, f"{token!r} is not a span of two times "
                                        "(HH:MM-HH:MM, 00:00 to 24:00)"))
        elif finish <= begin:
            problems.append(Problem(at, f"{token} ends before it starts (a night shift is "
                                        "two spans: 22:00-24:00, then 00:00-06:00 the "
                                        "next day)"))
        else:
            spans.append(Span(begin, finish))
    if not spans and not problems:
        problems.append(Problem(at, "give at least one span, such as 09:00-17:00"))
    return spans, problems


def _minutes(text: str) -> int | None:
    found = _TIME.match(text.strip())
    if not found:
        return None
    total = int(found.group(1)) * 60 + int(found.group(2))
    return total if total <= DAY_MINUTES else None


def overlaps(spans: list[Span]) -> list[str]:
    ordered = sorted(spans)
    return [f"{later} overlaps {earlier}" for earlier, later in itertools.pairwise(ordered)
            if later.start < earlier.end]


def read_special(text: str, today: date, where: str = "special days") -> dict[date, SpecialDay]:
    """One date a line: '2026-12-25 closed Christmas' or '2026-12-24 09:00-13:00 Eve'."""
    days: dict[date, SpecialDay] = {}
    problems: list[Problem] = []
    for number, line in enumerate((row for row in text.splitlines() if row.strip()), 1):
        at = f"{where}, line {number}"
        head, *rest = line.split()
        try:
            day = date.fromisoformat(head)
        except ValueError:
            problems.append(Problem(at, f"{head!r} is not a date (YYYY-MM-DD)"))
            continue
        if day < today:
            problems.append(Problem(at, f"{day} is in the past"))
        if day in days:
            problems.append(Problem(at, f"{day} is given twice"))
        closed = bool(rest) and rest[0].lower() == "closed"
        times = [] if closed else list(itertools.takewhile(lambda t: t[:1].isdigit(), rest))
        name = " ".join(rest[1:] if closed else rest[len(times):])
        spans, wrong = ([], []) if closed else read_spans(times, at)
        if not closed and not times:
            wrong = [Problem(at, "say closed, or give its spans (09:00-13:00)")]
        problems += wrong + [Problem(at, m) for m in overlaps(spans)]
        days[day] = SpecialDay(day, tuple(sorted(spans)), name[:60])
    if problems:
        raise HoursError(problems)
    return days


def read_default(spec: str) -> dict[str, Hours]:
    """HOLDLINE_QUEUE_HOURS: 'general=08:00-20:00,front_desk=Mon-Fri 08:00-17:00;Sat
    09:00-13:00' -> hours per queue ('*': every other queue). Every mistake is named."""
    hours: dict[str, Hours] = {}
    problems: list[Problem] = []
    for part in filter(None, (p.strip() for p in spec.split(","))):
        queue, equals, rules = (s.strip() for s in part.partition("="))
        where = f"queue {queue!r}"
        if not equals or not QUEUE.match(queue):
            problems.append(Problem(f"{part!r}", "expected queue=hours, such as "
                                                 "general=Mon-Fri 08:00-17:00"))
            continue
        try:
            hours[queue] = Hours(weekly=read_weekly(rules, where))
        except HoursError as exc:
            problems += exc.problems
    if problems:
        raise HoursError(problems)
    return hours


# -- writing it back (the operator app shows stored hours in the same syntax) -------------
def weekly_text(weekly: tuple[tuple[Span, ...], ...]) -> str:
    """Runs of weekdays with the same spans, one rule a line: 'Mon-Fri 08:00-17:00'."""
    lines, start = [], 0
    for day in range(1, 8):
        if day < 7 and weekly[day] == weekly[start]:
            continue
        if weekly[start]:
            days = WEEKDAYS[start] if day - 1 == start else \
                f"{WEEKDAYS[start]}-{WEEKDAYS[day - 1]}"
            lines.append(f"{days} {' '.join(str(s) for s in weekly[start])}")
        start = day
    return "\n".join(lines)


def special_text(special: Mapping[date, SpecialDay]) -> str:
    return "\n".join(" ".join(filter(None, (
        str(d.day), " ".join(str(s) for s in d.spans) or "closed", d.name)))
        for d in sorted(special.values(), key=lambda d: d.day))


# -- as stored (JSON in the database) ------------------------------------------------------
def stored(hours: Hours) -> tuple[list[list[str]], list[dict]]:
    weekly = [[str(s) for s in spans] for spans in hours.weekly]
    special = [{"date": str(d.day), "spans": [str(s) for s in d.spans], "name": d.name}
               for d in sorted(hours.special.values(), key=lambda d: d.day)]
    return weekly, special


def from_stored(weekly: list[list[str]], special: list[dict]) -> Hours:
    """Hours from a stored row, checked as on saving (a holiday may be past by now)."""
    if len(weekly) != 7:
        raise HoursError([Problem("weekly hours", "need seven days")])
    days: list[tuple[Span, ...]] = []
    for name, texts in zip(WEEKDAYS, weekly, strict=True):
        spans, problems = read_spans(texts, f"weekly hours, {name}") if texts else ([], [])
        if problems or overlaps(spans):
            raise HoursError(problems or [Problem(name, overlaps(spans)[0])])
        days.append(tuple(sorted(spans)))
    lines = "\n".join(" ".join([d["date"], *(d["spans"] or ["closed"]), d.get("name", "")])
                      for d in special)
    return Hours(tuple(days), read_special(lines, date.min))
