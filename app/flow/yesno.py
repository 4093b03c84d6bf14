"""Yes, no and negation, in the caller's language.

The words come from the language's catalogue (English words plus its own), so every
catalogued language has them. "No, not billing" is a no whose rest is empty; "no, I said
outage" is a no whose rest ("i said outage") is a fresh answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from . import intents
from .phrases import N_, phrases

YES_WORDS = N_("yes yeah yep yup correct right sure ok okay affirmative true")
NO_WORDS = N_("no nope nah wrong incorrect negative")
NOT_WORDS = N_("not don't dont isn't")
POLITE = frozenset("thanks thank you".split())
PUNCTUATION = frozenset(",;.!?")
CLAUSE_END = PUNCTUATION | {"but", "i", "it's", "its"}  # where a negation stops


@dataclass(frozen=True)
class Answer:
    yes: bool | None  # None: neither a yes nor a no
    rest: str = ""  # the words besides the yes/no and anything negated ("not billing")

    @property
    def bare(self) -> bool:
        """Only a yes or a no ("yes please", "no thanks"), nothing else to act on."""
        return self.yes is not None and not intents.normalise(
            " ".join(w for w in self.rest.split() if w not in POLITE))


@cache
def word_lists(language: str | None) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    p = phrases(language)
    return p.words(YES_WORDS), p.words(NO_WORDS), p.words(NOT_WORDS)


def _tokens(text: str) -> list[str]:
    return re.findall(r"[^\W_]+(?:'[^\W_]+)?|[,;.!?]", text.lower())


def hear(utterance: str | None, digits: str | None = None,
         language: str | None = None) -> Answer:
    """The yes/no in what was said or pressed (1 yes, 2 no), and what else was said."""
    if digits:
        return Answer({"1": True, "2": False}.get(digits))
    yes, no, negation = word_lists(language)
    answer: bool | None = None
    rest: list[str] = []
    negated, clause = False, 0  # clause: where the current clause starts in rest
    tokens = _tokens(utterance or "")
    for i, word in enumerate(tokens):
        if word in CLAUSE_END:
            negated, clause = False, len(rest)
        if word in negation:
            answer = False if answer is None else answer
            if _ends_clause(tokens, i) and len(rest) > clause:
                del rest[clause:]  # negation after its words: "요금 말고" (not billing)
            else:
                negated = True
            continue
        if word in no or (negated and word in yes):  # "not right" is a no
            answer = False
        elif word in yes:
            answer = True if answer is None else answer
        elif not negated and word not in PUNCTUATION:
            rest.append(word)
    return Answer(answer, " ".join(rest))


def _ends_clause(tokens: list[str], i: int) -> bool:
    return i + 1 == len(tokens) or tokens[i + 1] in CLAUSE_END


def is_yes_or_no(phrase: str, language: str | None = None) -> bool | None:
    """Is an option's phrase itself a yes (True) or a no (False) word?"""
    answer = hear(phrase, language=language)
    return answer.yes if answer.bare else None
