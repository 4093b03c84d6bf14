"""Intent matching shared by provider speech and our own recogniser.

Callers rarely say the listed phrase: we normalise (case, punctuation, filler words,
light stemming), map synonyms to canonical words, then fuzzy-match with rapidfuzz so
small recognition errors ("pay my bil") still land.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

FILLERS = frozenset(
    "a an the um uh er erm please i im i'm id i'd me my mine to want wanna would like "
    "need is it its it's and of for on in can you could just hi hello so about "
    "with be been have has do does got get this that there".split()
)
YES = frozenset("yes yeah yep yup correct right sure ok okay affirmative true".split())
NO = frozenset("no nope nah wrong incorrect negative not".split())


@dataclass(frozen=True)
class Match:
    """Best option for an utterance: index into the options, its score and the runner-up's."""

    index: int | None
    score: float
    runner_up: float = 0.0


def _stem(word: str) -> str:
    if len(word) > 4:
        for suffix in ("ing", "ed", "es", "s"):
            if word.endswith(suffix) and not word.endswith("ss"):
                word = word[: -len(suffix)]
                break
    return word[:-1] if len(word) > 3 and word.endswith("e") else word


@lru_cache(maxsize=4096)
def _words(text: str) -> tuple[str, ...]:
    return tuple(re.sub(r"[^\w' ]+|_", " ", text.lower()).split())  # any script: 한국어 too


def normalise(text: str, synonyms: Mapping[str, Sequence[str]] = ()) -> str:
    """Lowercase, map synonym phrases to their canonical word, drop fillers, stem."""
    padded = " " + " ".join(_words(text)) + " "
    variants = sorted(
        ((v, canon) for canon, vs in dict(synonyms).items() for v in vs),
        key=lambda pair: -len(pair[0]),
    )
    for variant, canonical in variants:
        padded = padded.replace(" " + " ".join(_words(variant)) + " ", f" {canonical} ")
    kept = [_stem(w.replace("'", "")) for w in padded.split() if w not in FILLERS]
    return " ".join(kept)


def similarity(utterance: str, phrase: str, near: float = 0.8) -> float:
    """0..1: the share of the phrase's words heard in the utterance, near-misses counted
    by how near they are. Extra words from the caller cost nothing."""
    said, wanted = utterance.split(), phrase.split()
    if not said or not wanted:
        return 0.0
    credit = 0.0
    for word in wanted:
        best = max(fuzz.ratio(word, s) / 100.0 for s in said)
        credit += best if best >= near else 0.0
    return credit / len(wanted)


def best_match(
    utterance: str,
    options: Sequence[Sequence[str]],
    synonyms: Mapping[str, Sequence[str]] = (),
) -> Match:
    """Score each option (a list of phrases) and return the best with the runner-up."""
    said = normalise(utterance, synonyms)
    scores = [
        max((similarity(said, normalise(p, synonyms)) for p in phrases), default=0.0)
        for phrases in options
    ]
    if not scores or max(scores) == 0.0:
        return Match(None, 0.0)
    ranked = sorted(range(len(scores)), key=lambda i: -scores[i])
    runner_up = scores[ranked[1]] if len(ranked) > 1 else 0.0
    return Match(ranked[0], scores[ranked[0]], runner_up)


def says_whole(utterance: str, phrases: Sequence[str], threshold: float = 0.85) -> bool:
    """True when the utterance as a whole is one of the phrases (for navigation words)."""
    said = " ".join(_words(utterance))
    return any(fuzz.ratio(said, " ".join(_words(p))) / 100.0 >= threshold for p in phrases)


def mentions(utterance: str, phrases: Sequence[str], threshold: float = 0.9) -> bool:
    """True when every word of one phrase appears (nearly) in the utterance."""
    said = _words(utterance)
    for phrase in phrases:
        wanted = _words(phrase)
        if wanted and all(
            any(fuzz.ratio(w, s) / 100.0 >= threshold for s in said) for w in wanted
        ):
            return True
    return False


def yes_or_no(utterance: str | None, digits: str | None) -> bool | None:
    """Answer to a confirm question: True, False, or None when it was neither."""
    if digits:
        return {"1": True, "2": False}.get(digits)
    words = set(_words(utterance or ""))
    if words & NO:
        return False
    if words & YES:
        return True
    return None
