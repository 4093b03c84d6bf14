"""Which scoring ranks the right option first more often? Variants of the matcher's
evidence, measured on the held-out sets' dev halves.

    .venv/bin/python bench/ranking_variants.py [--half dev|test|all]

The share of sentences (that fit an option) whose right option gets the most evidence
is the ceiling of right first tries: thresholds and the agreement rule only decide how
many of those are accepted and how many wrong guesses become questions. Each variant
changes one thing in today's evidence (intents.best_match): mean of the cosines to the
nearest text and to the option's centre, plus half the word-by-word and half the
lexical score. The inputs are exactly the engine's (captured from match_speech).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.flow import embedding, intents  # noqa: E402
from app.flow.engine import _Turn  # noqa: E402
from app.flow.state import CallState  # noqa: E402
from bench.understanding import FRESH_SETS, SETS, load_set  # noqa: E402

# Generic caller sentences naming no business's option: a reference for hubness (texts
# near all of these are near everything).
NEUTRAL = [
    "hello is anyone there", "I have a question", "can you help me with something",
    "I need some help please", "I'm not sure who to ask", "what is the weather like today",
    "I'd like some information", "um I don't know", "could you tell me more",
    "I have a problem", "I got a message from you", "sorry I didn't hear that",
    "I'm calling on behalf of my mother", "just a quick question",
    "I was told to call this number", "what are my options", "thank you very much",
    "good morning", "is this the right number", "it's a bit complicated",
    "can I ask you something", "I'm calling back", "okay sure", "what do you mean",
    "I need to sort something out"]
FILLER = re.compile(r"\b(?:um+|uh+|erm?|hi|hello|hey|yeah|so|please|oh|well|okay|ok|just|"
                    r"i'd like to|i would like to|i want to|i wanna|i need to|can you|"
                    r"could you|can i|could i|i'm calling (?:to|about))\b")


@dataclass
class Views:
    """One sentence at one menu node, with everything a variant may score."""

    said: str  # the caller's content words, as intents embeds them
    texts: tuple[tuple[str, ...], ...]  # each option's texts (intents.menu_texts)
    lexical: np.ndarray
    by_word: np.ndarray
    prompt: str
    keys: list[str]
    right: int


@contextmanager
def captured_inputs():
    """The arguments the engine passes to best_match, so variants see what it sees."""
    calls, real = [], intents.best_match
    intents.best_match = lambda *a, **k: calls.append((a, k)) or real(*a, **k)
    try:
        yield calls
    finally:
        intents.best_match = real


def views_of(path: Path, half: str, embedder) -> list[Views]:
    menu, cases = load_set(path, half)
    out = []
    for case in cases:
        node = menu.nodes[case.node]
        if case.expected == "none" or not hasattr(node, "options"):
            continue
        with captured_inputs() as calls:
            _Turn(menu, CallState(node=case.node), embedder).match_speech(node, case.sentence)
        (utterance, options, synonyms, _, examples), keywords = calls[0]
        no_keyword = keywords.get("no_keyword", ())
        texts, common = intents.menu_texts(tuple(map(tuple, options)),
                                           tuple(map(tuple, examples)),
                                           tuple((k, tuple(v)) for k, v in synonyms.items()))
        heard = intents.without_negated(utterance)
        said = intents.normalise(heard, synonyms)
        lexical = [max((intents.similarity(said, intents.normalise(p, synonyms))
                        for p in phrases if p not in no_keyword), default=0.0)
                   for phrases in options]
        content = intents._without(heard, common)
        gos = [o.go for o in node.options] + ["person"]
        out.append(Views(content, texts, np.array(lexical),
                         np.array(intents.word_scores(content, texts, embedder)),
                         node.prompt, [o.key for o in node.options], gos.index(case.expected)))
    return out


class Vectors:
    """Sentence vectors by text, each computed once."""

    def __init__(self, embedder) -> None:
        self.embedder, self.known = embedder, {}

    def __call__(self, texts) -> np.ndarray:
        keys = [intents._for_embedding(t) or "x" for t in texts]
        new = [k for k in dict.fromkeys(keys) if k not in self.known]
        if new:
            self.known.update(zip(new, self.embedder(new), strict=True))
        return np.stack([self.known[k] for k in keys])


def described(prompt: str, key: str) -> list[str]:
    """What the prompt says an option is for: "press 1 for repairs", "For X, press 1"."""
    found = re.findall(rf"\b{key}\s+(?:for|to)\s+(.+?)(?=,\s*(?:or\s+)?\d\b|[.;]|$)", prompt)
    found += re.findall(rf"(?:^|[.?!]\s+)(?:for|to|if you are)\s+([^.?!]+?),\s+"
                        rf"(?:say [^.?!]*? or\s+)?press {key}\b", prompt, flags=re.I)
    return found


def meaning(v: Views, vec: Vectors, *, pool=np.max, hub=0.0, extra=None, prep=None,
            loo=0.0, sentence_centre=False) -> np.ndarray:
    """Per option: (pooled cosine over its texts + cosine to its centre) / 2."""
    said = vec([prep(v.said) if prep else v.said])[0]
    reference = vec(NEUTRAL) if hub else None
    scores, tightness = [], []
    for i, texts in enumerate(v.texts):
        texts = list(texts) + (extra(v, i) if extra else [])
        rows = vec([prep(t) if prep else t for t in texts])
        cosines = rows @ said
        if hub:  # CSLS: discount texts close to generic sentences
            cosines = cosines - hub * np.sort(rows @ reference.T, axis=1)[:, -3:].mean(axis=1)
        centred = [j for j, t in enumerate(texts) if len(t.split()) > 1] \
            if sentence_centre else []
        centre = rows[centred or slice(None)].sum(axis=0)
        scores.append((pool(cosines) + centre @ said / np.linalg.norm(centre)) / 2)
        similar = rows @ rows.T - 2 * np.eye(len(rows))
        tightness.append(similar.max(axis=1).mean() if len(rows) > 1 else 0.5)
    tightness = np.array(tightness)
    return np.array(scores) - loo * (tightness - tightness.mean()) / 2


def variants(vec: Vectors, words: Vectors) -> dict[str, Callable[[Views], np.ndarray]]:
    def today(v, m=None, lexical=None, word_weight=0.5):
        m = meaning(v, vec) if m is None else m
        lexical = v.lexical if lexical is None else lexical
        return m + word_weight * v.by_word + 0.5 * lexical

    def fused_wordllama(v):
        said = words([v.said])[0]
        wl = np.array([(words(list(t)) @ said).max() for t in v.texts])
        return today(v) + 0.2 * wl

    def ranks(v):
        views = [meaning(v, vec), v.by_word, v.lexical]
        return sum(np.argsort(np.argsort(x)) for x in views) + 0.01 * today(v)

    top2 = lambda c: np.sort(c)[-2:].mean()  # noqa: E731
    soft = lambda c: 0.05 * np.log(np.exp((c - c.max()) / 0.05).sum()) + c.max()  # noqa: E731
    return {
        "today's evidence": today,
        "hubness corrected (CSLS, 0.5)": lambda v: today(v, meaning(v, vec, hub=0.5)),
        "mean of the 2 nearest texts": lambda v: today(v, meaning(v, vec, pool=top2)),
        "soft maximum over texts (T 0.05)": lambda v: today(v, meaning(v, vec, pool=soft)),
        "prompt's description as a text": lambda v: today(v, meaning(
            v, vec, extra=lambda w, i: described(w.prompt, w.keys[i])
            if i < len(w.keys) else [])),
        "fillers removed before embedding": lambda v: today(v, meaning(
            v, vec, prep=lambda t: FILLER.sub(" ", t.lower()))),
        "centre of sentences only": lambda v: today(v, meaning(v, vec, sentence_centre=True)),
        "per-option calibration (leave one out)": lambda v: today(v, meaning(v, vec, loo=0.5)),
        "partial keyword credit squared": lambda v: today(v, lexical=v.lexical ** 2),
        "WordLlama sentence cosine fused (0.2)": fused_wordllama,
        "rank fusion of the three views": ranks,
        "without the word-by-word score": lambda v: today(v, word_weight=0.0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--half", choices=("all", "dev", "test"), default="dev")
    args = parser.parse_args()
    both = embedding.shared()
    vec, words = Vectors(both.sentences), Vectors(both.words)
    sets = {path.stem.removesuffix("_heldout"): views_of(path, args.half, both)
            for path in SETS + FRESH_SETS}
    print(f"| variant ({args.half} halves) | " + " | ".join(sets) + " | all |")
    print("|---|" + "---:|" * (len(sets) + 1))
    for name, score in variants(vec, words).items():
        hits = {s: sum(int(np.argmax(score(v))) == v.right for v in vs)
                for s, vs in sets.items()}
        total, n = sum(hits.values()), sum(map(len, sets.values()))
        print(f"| {name} | " + " | ".join(f"{hits[s]}/{len(vs)}" for s, vs in sets.items())
              + f" | {total / n:.1%} |")


if __name__ == "__main__":
    main()
