"""Turn what a speech recogniser heard into the digit string the caller meant.

Callers read numbers in many ways: digit by digit ("one oh four two"), in pairs
("ten forty two", "nineteen eighty four"), as cardinals ("two hundred and five"),
with repeats ("double five") or as the recogniser's own digits ("1042", "10:42").
Pure: standard library only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

UNITS = {"zero": 0, "nought": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
         "six": 6, "seven": 7, "eight": 8, "nine": 9}
TEENS = {"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
         "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60,
        "seventy": 70, "eighty": 80, "ninety": 90}
SCALES = {"thousand": 1_000, "million": 1_000_000}
REPEATS = {"double": 2, "triple": 3, "treble": 3, "quadruple": 4}
# "oh" is also an interjection ("oh, it's ..."): a zero only next to other numbers.
OH_WORDS = {"oh", "o"}
# Recogniser homophones: digits only when numbers stand on both sides ("one for two").
HOMOPHONES = {"to": 2, "too": 2, "for": 4, "fore": 4, "won": 1, "ate": 8, "tree": 3}
# Words a caller says between groups of digits without changing the number.
FILLERS = {
    "a", "an", "and", "um", "umm", "uh", "uhh", "er", "erm", "ah", "hmm", "mm", "like",
    "it", "it's", "its", "is", "it'll", "be", "my", "the", "number", "account", "no",
    "yes", "yeah", "ok", "okay", "so", "then", "dash", "hyphen", "space", "comma",
}

NUMERIC = frozenset({"digits", "unit", "teen", "tens", "hundred", "scale", "repeat"})


@dataclass(frozen=True)
class Token:
    """One classified word: kind is digits|unit|teen|tens|hundred|scale|repeat|filler|other."""

    kind: str
    text: str
    value: int = 0


def spoken_to_digits(text: str) -> str | None:
    """Return the digits the caller spoke, or None when the utterance is not a number."""
    tokens = _classify(_words(text))
    pieces: list[tuple[str, str]] = []  # (kind, digits) with kind num|filler|other
    i = 0
    while i < len(tokens):
        chunk = _chunk(tokens, i) if _starts_number(tokens, i) else None
        if chunk is None:
            pieces.append((tokens[i].kind if tokens[i].kind == "filler" else "other", ""))
            i += 1
        else:
            pieces.append(("num", chunk[0]))
            i = chunk[1]
    return _join(pieces)


def luhn_valid(digits: str) -> bool:
    """True when the digit string passes the Luhn (mod 10) check."""
    if not digits or not digits.isascii() or not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def _words(text: str) -> list[str]:
    """Lower-case words and digit runs; thousands separators joined, other punctuation dropped."""
    text = (text or "").lower().replace("\u2019", "'")
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)
    return re.findall(r"\d+|[a-z]+(?:'[a-z]+)?", text)


def _classify(words: list[str]) -> list[Token]:
    """Classify each word, resolving the context-dependent ones ("oh", homophones)."""
    plain = [_plain(word) for word in words]
    out = []
    for i, token in enumerate(plain):
        before = plain[i - 1] if i > 0 else None
        after = plain[i + 1] if i + 1 < len(plain) else None
        out.append(_resolve(token, before, after, alone=len(plain) == 1))
    return out


def _plain(word: str) -> Token:
    """Classify a word on its own."""
    if word.isdigit():
        return Token("digits", word, int(word))
    for kind, table in (("unit", UNITS), ("teen", TEENS), ("tens", TENS),
                        ("scale", SCALES), ("repeat", REPEATS)):
        if word in table:
            return Token(kind, word, table[word])
    if word == "hundred":
        return Token("hundred", word, 100)
    if word in OH_WORDS:
        return Token("oh", word)
    if word in HOMOPHONES:
        return Token("homophone", word, HOMOPHONES[word])
    return Token("filler" if word in FILLERS else "other", word)


def _resolve(token: Token, before: Token | None, after: Token | None, *, alone: bool) -> Token:
    """Decide whether "oh" or a homophone is a digit here, from its neighbours."""
    def numeric(t: Token | None, *, oh_counts: bool) -> bool:
        return t is not None and (t.kind in NUMERIC or (oh_counts and t.kind == "oh"))

    if token.kind == "oh":
        if alone or numeric(before, oh_counts=True) or numeric(after, oh_counts=True):
            return Token("unit", token.text, 0)
        return Token("filler", token.text)
    if token.kind == "homophone":
        if numeric(before, oh_counts=True) and numeric(after, oh_counts=True):
            return Token("unit", token.text, token.value)
        return Token("other", token.text)
    return token


def _starts_number(tokens: list[Token], i: int) -> bool:
    """True when a number group may start at i (the "a" of "a hundred" is a filler word
    before a bare "hundred", which reads the same)."""
    return tokens[i].kind in NUMERIC


def _at(tokens: list[Token], i: int) -> Token | None:
    return tokens[i] if i < len(tokens) else None


def _is(tokens: list[Token], i: int, *kinds: str) -> bool:
    token = _at(tokens, i)
    return token is not None and token.kind in kinds


def _chunk(tokens: list[Token], i: int) -> tuple[str, int] | None:
    """Parse one group of digits starting at i: (digits, next index), or None."""
    token = tokens[i]
    if token.kind == "repeat":
        if _is(tokens, i + 1, "unit") or (_is(tokens, i + 1, "digits")
                                          and len(tokens[i + 1].text) == 1):
            return str(tokens[i + 1].value) * token.value, i + 2
        return None
    if token.kind == "digits" and not (len(token.text) <= 3 and _is(tokens, i + 1, "hundred",
                                                                     "scale")):
        return token.text, i + 1  # keeps leading zeros: "007" stays "007"
    if token.kind == "unit" and token.value == 0:
        return "0", i + 1
    parsed = _cardinal(tokens, i)
    return (str(parsed[0]), parsed[1]) if parsed else None


def _cardinal(tokens: list[Token], i: int) -> tuple[int, int] | None:
    """Parse a cardinal such as "forty two", "two thousand and five" or "twelve hundred"."""
    group = _below_thousand(tokens, i)
    if group is None:
        if not _is(tokens, i, "scale"):
            return None
        group = (1, i)  # a bare "thousand"
    total, (value, i) = 0, group
    last_scale = None
    while _is(tokens, i, "scale") and (last_scale is None or tokens[i].value < last_scale):
        last_scale = tokens[i].value
        total += (value or 1) * last_scale
        i = _skip_and(tokens, i + 1)
        rest = _below_thousand(tokens, i)
        if rest and _is(tokens, rest[1], "scale") and tokens[rest[1]].value >= last_scale:
            rest = None  # "five thousand five thousand": the second five starts a number
        value, i = rest if rest else (0, i)
    return total + value, i


def _below_thousand(tokens: list[Token], i: int) -> tuple[int, int] | None:
    """Parse 1..999 (or up to 9999 as "ninety nine hundred") starting at i."""
    head = _below_hundred(tokens, i)
    if head is None:
        if not _is(tokens, i, "hundred"):
            return None
        head = (1, i)  # a bare "hundred"
    value, i = head
    if not _is(tokens, i, "hundred"):
        return value, i
    value *= 100
    i = _skip_oh(tokens, _skip_and(tokens, i + 1))
    tail = _below_hundred(tokens, i)
    return (value + tail[0], tail[1]) if tail else (value, i)


def _below_hundred(tokens: list[Token], i: int) -> tuple[int, int] | None:
    """Parse 1..99 in words ("forty two", "twelve", "seven"), or a/small digits before a scale."""
    token = _at(tokens, i)
    if token is None:
        return None
    if token.kind == "tens":
        after = _at(tokens, i + 1)
        if after is not None and after.kind == "unit" and after.value > 0:
            return token.value + after.value, i + 2
        return token.value, i + 1
    if token.kind in ("teen", "unit") and token.value > 0:
        return token.value, i + 1
    before_scale = _is(tokens, i + 1, "hundred", "scale")
    if token.kind == "digits" and before_scale:
        return token.value, i + 1
    if token.text in ("a", "an") and before_scale:
        return 1, i + 1
    return None


def _skip_and(tokens: list[Token], i: int) -> int:
    """Skip "and" inside a cardinal ("two hundred and five") when a number follows."""
    if _at(tokens, i) is not None and tokens[i].text == "and" and _below_hundred(tokens, i + 1):
        return i + 1
    return i


def _skip_oh(tokens: list[Token], i: int) -> int:
    """Skip the "oh" of "one hundred oh five" (105) when a single digit follows."""
    token, after = _at(tokens, i), _at(tokens, i + 1)
    if (token is not None and token.text in OH_WORDS and after is not None
            and after.kind == "unit" and after.value > 0):
        return i + 1
    return i


def _join(pieces: list[tuple[str, str]]) -> str | None:
    """Concatenate the number groups; None when none, or when other words split them."""
    spots = [n for n, (kind, _) in enumerate(pieces) if kind == "num"]
    if not spots:
        return None
    between = pieces[spots[0]:spots[-1] + 1]
    if any(kind == "other" for kind, _ in between):
        return None  # "one two, sorry, three": ambiguous, better to ask again
    return "".join(digits for kind, digits in between if kind == "num")
