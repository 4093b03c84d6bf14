"""Intent matching shared by provider speech and our own recogniser.

Two layers give one score per option. The lexical layer normalises (case, punctuation,
filler words, light stemming), maps synonyms to canonical words and fuzzy-matches with
rapidfuzz, so exact keywords and small recognition errors ("pay my bil") land. The
meaning layer compares a sentence embedding of the caller's words with the option's
phrases, examples and label, so words nobody listed ("the electricity is gone") land
too. The higher of the two, after calibrating the embedding's cosine to the lexical
scale, is the option's score; the engine's thresholds and the margin over the
runner-up decide accept, confirm or no match.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz

from .embedding import Embedder

MAX_SPEECH_CHARS = 500
CLEAR_MARGIN = 0.1  # best minus runner-up below this is ambiguous: ask, don't guess

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
    why: str = ""  # for operators: which layer decided, and on what


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
    embedder: Embedder | None = None,
    examples: Sequence[Sequence[str]] = (),
) -> Match:
    """Score each option (its phrases; with an embedder also its examples, by meaning)
    and return the best with the runner-up. Without an embedder: the lexical layer only."""
    said = normalise(utterance, synonyms)
    lexical = [
        max((similarity(said, normalise(p, synonyms)) for p in phrases), default=0.0)
        for phrases in options
    ]
    scores, whys = list(lexical), [""] * len(lexical)
    if embedder is not None and said:
        texts = [tuple(phrases) + tuple(examples[i] if i < len(examples) else ())
                 for i, phrases in enumerate(options)]
        for i, (cosine, nearest) in enumerate(meaning_scores(utterance, texts, embedder)):
            calibrated = calibrate(cosine)
            if calibrated > scores[i]:
                scores[i] = calibrated
                whys[i] = f"means the same as {nearest!r} (cosine {cosine:.2f})"
    for i, score in enumerate(scores):
        whys[i] = whys[i] or (f"words match the phrases (lexical {score:.2f})" if score else "")
    if not scores or max(scores) == 0.0:
        return Match(None, 0.0, why="nothing in common with any option")
    ranked = sorted(range(len(scores)), key=lambda i: -scores[i])
    runner_up = scores[ranked[1]] if len(ranked) > 1 else 0.0
    return Match(ranked[0], scores[ranked[0]], runner_up, whys[ranked[0]])


# Cosine of WordLlama sentence vectors -> the lexical layer's 0..1 scale: below FLOOR is
# unrelated, CONFIRM_AT maps to the default confirm threshold (0.55), ACCEPT_AT to the
# default accept threshold (0.78). Set from the spread of related and unrelated pairs.
FLOOR, CONFIRM_AT, ACCEPT_AT = 0.25, 0.40, 0.52


def calibrate(cosine: float) -> float:
    """Piecewise-linear: FLOOR..CONFIRM_AT -> 0..0.55, CONFIRM_AT..ACCEPT_AT -> 0.55..0.78,
    and on to 1.0 at a cosine of 1."""
    return float(np.interp(cosine, [FLOOR, CONFIRM_AT, ACCEPT_AT, 1.0], [0.0, 0.55, 0.78, 1.0]))


def meaning_scores(utterance: str, texts: Sequence[Sequence[str]],
                   embedder: Embedder) -> list[tuple[float, str]]:
    """Per option: the best cosine between the utterance and any of its texts, and that
    text. The options' vectors are computed once per distinct content and kept."""
    key = tuple(tuple(t) for t in texts)
    vectors, owners, flat = _option_vectors(embedder, key)
    said = embedder([_for_embedding(utterance)])[0]
    cosines = vectors @ said if len(flat) else np.zeros(0)
    best = [(0.0, "")] * len(texts)
    for cosine, owner, text in zip(cosines.tolist(), owners, flat, strict=True):
        if cosine > best[owner][0]:
            best[owner] = (cosine, text)
    return best


@lru_cache(maxsize=4096)
def _option_vectors(embedder: Embedder, texts: tuple[tuple[str, ...], ...]):
    flat = [t for option in texts for t in option]
    owners = [i for i, option in enumerate(texts) for _ in option]
    vectors = embedder([_for_embedding(t) for t in flat]) if flat else np.zeros((0, 1))
    return vectors, owners, flat


def _for_embedding(text: str) -> str:
    return " ".join(_words(text))


def usable(speech: str | None, language: str) -> str | None:
    """The speech if it can be matched at all, else None (heard as nothing understood):
    empty, longer than a caller's answer, emoji or control characters, or letters of
    another script than the menu's language uses."""
    if not speech or not speech.strip() or len(speech) > MAX_SPEECH_CHARS:
        return None
    latin_menu = language.split("-")[0] in LATIN_LANGUAGES
    for char in speech:
        category = unicodedata.category(char)
        if category in ("Cc", "Cf", "Co", "Cs", "So", "Sk") and char not in " \t\n":
            return None
        if latin_menu and category.startswith("L") and \
                not unicodedata.name(char, "").startswith("LATIN"):
            return None
    return speech


LATIN_LANGUAGES = frozenset("en es fr de it pt nl sv da no fi pl cs ro hu tr id vi".split())


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
