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
from types import MappingProxyType

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
        for suffix in ("ing", "ed", "s"):  # "-es" too: "boxes" -> "boxe" -> "box" below
            if word.endswith(suffix) and not word.endswith("ss"):
                word = word[: -len(suffix)]
                break
    return word[:-1] if len(word) > 3 and word.endswith("e") else word


@lru_cache(maxsize=4096)
def _words(text: str) -> tuple[str, ...]:
    return tuple(re.sub(r"[^\w' ]+|_", " ", text.lower()).split())  # any script: 한국어 too



NO_SYNONYMS: Mapping[str, Sequence[str]] = MappingProxyType({})


def normalise(text: str, synonyms: Mapping[str, Sequence[str]] = NO_SYNONYMS) -> str:
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
    synonyms: Mapping[str, Sequence[str]] = NO_SYNONYMS,
    embedder: Embedder | None = None,
    examples: Sequence[Sequence[str]] = (),
    no_keyword: Sequence[str] = (),
) -> Match:
    """Score each option and return the best with the runner-up. Options are lists of
    phrases; with an embedder, their examples (and synonyms of their words) count by
    meaning too, as whole sentences and word by word. Clauses the caller negates ("not
    my bill, ...") are left out, and so is the keyword credit of phrases in `no_keyword`
    (the person command's "someone" in "someone would fix my meter")."""
    heard = without_negated(utterance)
    said = normalise(heard, synonyms)
    lexical = [
        max((similarity(said, normalise(p, synonyms)) for p in phrases
             if p not in no_keyword), default=0.0)
        for phrases in options
    ]
    if embedder is None or not said:
        return _ranked(lexical, lexical, [f"words match its phrases ({x:.2f})" for x in lexical])
    texts, common = menu_texts(tuple(map(tuple, options)), tuple(map(tuple, examples)),
                               tuple((k, tuple(v)) for k, v in dict(synonyms).items()))
    content = _without(heard, common)
    meanings = meaning_scores(content, texts, embedder)
    by_word = word_scores(content, texts, embedder)
    evidence = [(m.nearest_cosine + m.centroid_cosine) / 2 + WORD_WEIGHT * w
                + LEXICAL_WEIGHT * lex
                for lex, m, w in zip(lexical, meanings, by_word, strict=True)]
    _lead_when_said_again(evidence, [m.nearest_cosine for m in meanings])
    whys = [f"meaning: nearest {m.nearest!r} ({m.nearest_cosine:.2f}), the option as a "
            f"whole {m.centroid_cosine:.2f}, word by word {w:.2f}; words {lex:.2f}"
            for lex, m, w in zip(lexical, meanings, by_word, strict=True)]
    unsure = _disagree(evidence, [m.nearest_cosine for m in meanings],
                       [m.centroid_cosine for m in meanings])
    return _ranked(evidence, [calibrate(e) for e in evidence], whys,
                   CALIBRATED_MARGIN / MEANING_MARGIN, unsure)


def _lead_when_said_again(evidence: list[float], nearest: list[float]) -> None:
    """One of an option's own texts said again (an example an operator taught) puts that
    option clearly ahead, even of an option whose keyword the sentence contains."""
    again = [i for i, cosine in enumerate(nearest) if cosine >= VERBATIM]
    if len(again) == 1:
        others = [e for i, e in enumerate(evidence) if i != again[0]]
        evidence[again[0]] = max(evidence[again[0]], max(others, default=0.0)
                                 + 2 * MEANING_MARGIN)


def _disagree(evidence: list[float], nearest: list[float], centre: list[float]) -> bool:
    """True when the nearest text or the option as a whole points at another option than
    the evidence does: a guess that would often be a wrong route, so ask instead. An
    option's own text said again (an example an operator added) is never in doubt."""
    best = max(range(len(evidence)), key=evidence.__getitem__)
    if nearest[best] >= VERBATIM:
        return False
    return any(max(range(len(v)), key=v.__getitem__) != best for v in (nearest, centre))


def _ranked(evidence: list[float], scores: list[float], whys: list[str],
            slope: float = 1.0, unsure: bool = False) -> Match:
    """Best option by evidence. Its runner-up is placed below the best by the evidence
    gap on the calibrated scale, so the engine's margin means the same at any score;
    when `unsure`, level with it (no clear winner: a confirm question at most)."""
    if not scores or max(evidence) <= 0.0:
        return Match(None, 0.0, why="nothing in common with any option")
    ranked = sorted(range(len(evidence)), key=lambda i: -evidence[i])
    best = ranked[0]
    if len(ranked) == 1:
        return Match(best, scores[best], 0.0, whys[best])
    gap = 0.0 if unsure else (evidence[best] - evidence[ranked[1]]) * slope
    why = whys[best] + ("; its nearest text or its whole points at another option, so it "
                        "asks" if unsure else "")
    return Match(best, scores[best], max(0.0, scores[best] - gap), why)


# Evidence for an option: the mean of the cosines (MiniLM sentence vectors) to its
# nearest text and to the centre of its texts, plus shares of the word-by-word score
# (WordLlama word vectors) and of the lexical score (an exact keyword adds
# LEXICAL_WEIGHT). Calibrated piecewise onto the engine's default thresholds:
# MEANING_ACCEPT lands on accept (0.78), MEANING_CONFIRM on confirm (0.55), and a lead of
# MEANING_MARGIN over the runner-up is the engine's margin (0.1). Fitted on the dev halves
# of bench/data's Northwind and bike shop sets (bench/understanding.py --half dev),
# trading right first tries against wrong routes.
LEXICAL_WEIGHT, WORD_WEIGHT = 0.5, 0.5
MEANING_ACCEPT, MEANING_CONFIRM, MEANING_MARGIN = 0.45, 0.43, 0.01
CALIBRATED_MARGIN = 0.1
VERBATIM = 0.85  # this near one of an option's texts is that text said again: no doubt


def calibrate(evidence: float) -> float:
    slope = CALIBRATED_MARGIN / MEANING_MARGIN
    if evidence >= MEANING_ACCEPT:
        score = 0.78 + (evidence - MEANING_ACCEPT) * slope
    elif evidence >= MEANING_CONFIRM:
        score = 0.55 + (evidence - MEANING_CONFIRM) / (MEANING_ACCEPT - MEANING_CONFIRM) * 0.23
    else:
        score = 0.55 - (MEANING_CONFIRM - evidence) * slope
    return min(1.0, max(0.0, score))


@dataclass(frozen=True)
class Meaning:
    nearest_cosine: float
    nearest: str
    centroid_cosine: float


@lru_cache(maxsize=4096)
def menu_texts(options: tuple[tuple[str, ...], ...], examples: tuple[tuple[str, ...], ...],
               synonyms: tuple[tuple[str, tuple[str, ...]], ...],
               ) -> tuple[tuple[tuple[str, ...], ...], frozenset[str]]:
    """Each option's texts for the meaning layer: its phrases and examples, and the
    operator's synonyms of a word only its phrases use. Words most options share ("bike"
    in a bike shop's menu) are left out: they say nothing about which option is meant."""
    words = [{_stem(w) for p in phrases for w in normalise(p).split()} for phrases in options]
    texts = []
    for i, phrases in enumerate(options):
        related = [v for canonical, variants in synonyms if _stem(canonical) in words[i]
                   and sum(_stem(canonical) in ws for ws in words) == 1 for v in variants]
        texts.append([*phrases, *(examples[i] if i < len(examples) else ()), *related])
    common = _common_words(texts)
    kept = tuple(tuple(dict.fromkeys(_without(t, common) for t in option if t.strip()))
                 for option in texts)
    return kept, common


def _common_words(texts: list[list[str]]) -> frozenset[str]:
    if len(texts) < 2:
        return frozenset()
    counts: dict[str, int] = {}
    for option in texts:
        for stem in {_stem(w) for t in option for w in _words(t)} - FILLERS:
            counts[stem] = counts.get(stem, 0) + 1
    return frozenset(w for w, n in counts.items() if n >= max(2, len(texts) / 2))


def _without(text: str, common: frozenset[str]) -> str:
    kept = [w for w in _words(text) if _stem(w) not in common]
    return " ".join(kept) or " ".join(_words(text))


def meaning_scores(utterance: str, texts: Sequence[Sequence[str]],
                   embedder: Embedder) -> list[Meaning]:
    """Per option: the cosine to its nearest text and to the centre of all its texts.
    The options' vectors are computed once per distinct content and kept."""
    vectors, centroids, owners, flat = _option_vectors(embedder, tuple(map(tuple, texts)))
    if not flat:  # options keyed by digits only: no text to compare with
        return [Meaning(0.0, "", 0.0) for _ in texts]
    said = embedder([_for_embedding(utterance)])[0]
    cosines = (vectors @ said).tolist()
    nearest = [(0.0, "")] * len(texts)
    for cosine, owner, text in zip(cosines, owners, flat, strict=True):
        if cosine > nearest[owner][0]:
            nearest[owner] = (cosine, text)
    around = (centroids @ said).tolist()
    return [Meaning(n[0], n[1], c) for n, c in zip(nearest, around, strict=True)]


@lru_cache(maxsize=4096)
def _option_vectors(embedder: Embedder, texts: tuple[tuple[str, ...], ...]
                    ) -> tuple[np.ndarray, np.ndarray, list[int], list[str]]:
    flat = [t for option in texts for t in option]
    owners = [i for i, option in enumerate(texts) for _ in option]
    vectors = embedder([_for_embedding(t) for t in flat]) if flat else np.zeros((0, 1))
    centroids = np.zeros((len(texts), vectors.shape[1]), dtype=np.float32)
    for owner, vector in zip(owners, vectors, strict=True):
        centroids[owner] += vector
    norms = np.linalg.norm(centroids, axis=1, keepdims=True)
    return vectors, centroids / np.where(norms == 0, 1.0, norms), owners, flat


# Words that carry no topic, for the word-by-word layer (English, like the model).
STOPWORDS = FILLERS | frozenset(
    "am are was were being did done doing will shall should may might must at by from "
    "up down out off over under again then once here when where why how all any both "
    "each few more most other some such no nor not only own same than too very s t don "
    "we our you your yours he him his she her they them their what which who whom these "
    "those if or because as until while into through during before after above below "
    "yeah yes ok okay oh hey well like also really think know thing one guys calling call "
    "help let us".split())


def content_words(text: str) -> tuple[str, ...]:
    return tuple(w for w in _words(text) if w.replace("'", "") not in STOPWORDS
                 and w not in STOPWORDS and not w.isdigit())


# Words of money, which the word vectors hardly relate ("owe" and "bill": cosine 0.02):
# every business has an option for it, and callers name it in a dozen ways. Two words of
# it are as near as CONCEPT_COSINE (English, like the model).
MONEY = frozenset("""bill bills billing billed pay paying paid payment payments price prices
    pricing priced cost costs costing fee fees owe owed owing invoice
    invoices receipt receipts refund refunds quote quotes expensive cheap cheaper cheapest
    afford money rates overcharged statement""".split())
CONCEPT_COSINE = 0.6


# A caller's answer has fewer; bounds the time of a long one (0.1 ms a new word).
MAX_SAID_WORDS = 12


def word_scores(utterance: str, texts: Sequence[Sequence[str]],
                embedder: Embedder) -> list[float]:
    """Per option, how near each of the caller's content words comes to some word of the
    option's texts ("swollen" to "swelling", "electricity" to "power"), averaged. (Extra
    weight on words that tell the options apart measured no better.)"""
    embedder = getattr(embedder, "words", embedder)  # a word model of its own, if given
    said = tuple(dict.fromkeys(content_words(utterance)))[:MAX_SAID_WORDS]
    matrix, starts, option_money = _option_words(embedder, tuple(map(tuple, texts)))
    if not said or matrix is None:
        return [0.0] * len(texts)
    cosines = _word_vectors(embedder, said) @ matrix.T  # (said, all options' words)
    money = np.array([w in MONEY for w in said])
    if money.any() and option_money.any():
        both = np.ix_(money, option_money)
        cosines[both] = np.maximum(cosines[both], CONCEPT_COSINE)
    per_option = np.maximum.reduceat(cosines, starts, axis=1).clip(0.0, 1.0)
    scores: list[float] = per_option.mean(axis=0).tolist()
    return scores


@lru_cache(maxsize=4096)
def _option_words(embedder: Embedder, texts: tuple[tuple[str, ...], ...]
                  ) -> tuple[np.ndarray | None, list[int], np.ndarray]:
    """All options' distinct content words as rows, where each option's rows start (an
    option with no content word gets one zero row), and which rows are words of money."""
    rows: list[str] = []
    starts: list[int] = []
    for option in texts:
        starts.append(len(rows))
        words = list(dict.fromkeys(w for t in option for w in content_words(t)))
        rows += words or [""]
    money = np.array([w in MONEY for w in rows])
    if not any(rows):
        return None, [], money
    return _word_vectors(embedder, tuple(rows)), starts, money


def _word_vectors(embedder: Embedder, words: tuple[str, ...]) -> np.ndarray:
    """One row per word; words not seen before are embedded together in one call."""
    known = _known_words(embedder)
    new = [w for w in dict.fromkeys(words) if w and w not in known]
    if len(known) + len(new) > MAX_KNOWN_WORDS:
        known.clear()  # 1 kB a word: a bound on memory, refilled from the next turns
        new = [w for w in dict.fromkeys(words) if w]  # this turn's known words went too
    known.update(zip(new, embedder(new) if new else (), strict=True))
    dimensions = next(iter(known.values())).shape[0] if known else 1
    return np.stack([known[w] if w else np.zeros(dimensions, np.float32) for w in words])


MAX_KNOWN_WORDS = 8192


@lru_cache(maxsize=8)
def _known_words(embedder: Embedder) -> dict[str, np.ndarray]:
    return {}


def _for_embedding(text: str) -> str:
    return " ".join(_words(text))


_CLAUSE_BREAK = re.compile(r"[,.;!?]+|\s(?=(?:but|it's|its|i just|i want|i need|i'd|just)\s)")
_NEGATED = re.compile(r"^(?:(?:it's|its|it is|that's|this is|i'm|i am)\s+)?(?:not|no)\b")


def without_negated(utterance: str) -> str:
    """Drop the clauses that say what the caller does not want ("not my bill, the power
    is out" -> "the power is out"), when something else is left."""
    clauses = [c.strip() for c in _CLAUSE_BREAK.split(utterance.lower()) if c.strip()]
    kept = [c for c in clauses if not _NEGATED.match(c)]
    return " ".join(kept) if kept and len(kept) < len(clauses) else utterance


def is_usable(speech: str | None, language: str, known: Sequence[str] = ()) -> bool:
    """False for speech no option can match, to be heard as nothing understood: empty,
    longer than a caller's answer, emoji or control characters, or, at a menu in a
    Latin-script language, letters of another script than its phrases (`known`) use."""
    if not speech or not speech.strip() or len(speech) > MAX_SPEECH_CHARS:
        return False
    if any(unicodedata.category(c) in ("Cc", "Cf", "Co", "Cs", "So", "Sk")
           for c in speech if c not in " \t\n"):
        return False
    if language.split("-")[0] not in LATIN_LANGUAGES:
        return True
    return _scripts(speech) <= {"LATIN"} | _scripts(" ".join(known))


def _scripts(text: str) -> set[str]:
    return {unicodedata.name(c, "UNKNOWN").split()[0] for c in text if c.isalpha()}


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


# After a person word, these make that person the one who does something ("someone would
# fix my meter", "waiting for someone to come out"): the caller is not asking to talk.
_DOES = frozenset("to would will should is was has had came come comes did never".split())
_TALKS = frozenset("talk speak chat help answer".split())


def asks_for_person(utterance: str, phrases: Sequence[str]) -> bool:
    """True when the caller names one of the person command's phrases as whom they want
    ("let me talk to someone", "a real person please"), not as someone who should do a
    job ("I need someone to look at my bike")."""
    doers = named_as_doers(utterance, phrases)
    return any(mentions(utterance, [p]) for p in phrases if p not in doers)


def unsure_recognition(confidence: float | None) -> bool:
    """The recogniser doubts its own words: not enough to act on alone."""
    return confidence is not None and confidence < 0.35


# Whom a caller may ask to talk to without asking for a person: the IVR itself.
_NOT_A_PERSON = frozenset("you yourself it this".split())


def asks_to_talk(utterance: str, talk_phrases: Sequence[str],
                 option_phrases: Sequence[str]) -> bool:
    """True when the caller asks to talk to someone ("can I speak to the manager", "put me
    through to reception") who is not one of the menu's options ("transfer me to
    billing" is the billing option's to answer). Each phrase marks with {whom} where the
    one asked for goes."""
    said = _words(utterance)
    for phrase in talk_phrases:
        before, _, after = phrase.partition("{whom}")
        whom = _whom(said, _words(before), _words(after))
        if whom and whom[0] not in _NOT_A_PERSON:
            return not mentions(" ".join(whom), option_phrases)
    return False


def _whom(said: tuple[str, ...], before: tuple[str, ...],
          after: tuple[str, ...]) -> tuple[str, ...]:
    """The words between `before` and `after` in what was said (the rest of the sentence
    when nothing comes after); () when the phrase is not there."""
    starts = range(len(said) - len(before) + 1) if before else range(1)
    for i in starts:
        if said[i:i + len(before)] != before:
            continue
        rest = said[i + len(before):]
        if not after:
            return rest
        for j in range(1, len(rest) - len(after) + 1):
            if rest[j:j + len(after)] == after:
                return rest[:j]
    return ()


def named_as_doers(utterance: str, phrases: Sequence[str]) -> list[str]:
    """The phrases the caller names as someone who does something: no request to talk."""
    return [p for p in phrases if _names_a_doer(utterance, p)]


def _names_a_doer(utterance: str, phrase: str) -> bool:
    said, wanted = _words(utterance), _words(phrase)
    for i in range(len(said) - len(wanted) + 1):
        if all(fuzz.ratio(w, s) / 100.0 >= 0.9 for w, s in zip(wanted, said[i:], strict=False)):
            after = said[i + len(wanted):i + len(wanted) + 2]
            return bool(after) and after[0] in _DOES and not _TALKS & set(after)
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
