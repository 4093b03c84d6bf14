"""What one simulated wait sounded like: the figures the hold promises are judged by.

Used by the 30-minute benchmark (bench/hold_wait.py) and the long-wait journey test, so
both measure the same way: from the transcript the caller heard and the call's events.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ..events import EventKind


@dataclass(frozen=True)
class WaitReport:
    waited_s: int
    segments: int  # hold-library segments played
    repeats: int  # audio URLs played more than once (the house music included)
    announcements: list[tuple[int, int, int, str]]  # (queue time, place, estimate s, said)
    next_told: int  # "you're next" said
    callback_offers: int  # callback offered while waiting (re-offers and asked-for ones)
    longest_silence_s: int  # the longest timeout with nothing playing

    @property
    def estimates_fall(self) -> bool:
        """Each estimate said is no longer than the one before (as seconds)."""
        said = [s for _, _, s, _ in self.announcements]
        return all(b <= a for a, b in zip(said, said[1:], strict=False))


def report(lines: list[tuple[str, str]], events: list, waited_s: int,
           silences: list[int]) -> WaitReport:
    """lines: the transcript's (who, text); events: the call's CallEvents in order."""
    played = [text for who, text in lines if who == "IVR" and text.startswith("[plays ")]
    counts = Counter(played)
    announced = [e.detail for e in events if e.kind == EventKind.HOLD_ANNOUNCED]
    return WaitReport(
        waited_s=waited_s,
        segments=sum("/hold-audio/" in url for url in played),
        repeats=sum(n - 1 for n in counts.values()),
        announcements=[(a["queue_time_s"], a["position"], a.get("estimate_s") or 0,
                        a.get("said") or "") for a in announced],
        next_told=sum(e.kind == EventKind.HOLD_NEXT for e in events),
        callback_offers=sum(e.kind == EventKind.HOLD_CALLBACK_OFFERED or (
            e.kind == EventKind.HOLD_CHANNEL and e.detail.get("channel") == "callback")
            for e in events),
        longest_silence_s=max(silences, default=0))
