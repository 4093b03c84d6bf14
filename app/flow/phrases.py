"""Caller-facing system phrases, one gettext catalogue per language (app/locale/*/*.po).

The .po sources are compiled in memory with Babel when first used, so nothing binary is
kept in git and no build step is needed. Message ids are the English phrases; a language
is "catalogued" when it has a .po file. Pure: no Flask, usable by the core and the edges.
"""

from __future__ import annotations

import gettext
import re
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "holdline"


def _po_path(name: str) -> Path:
    return LOCALE_DIR / name / "LC_MESSAGES" / f"{DOMAIN}.po"


def catalogue_name(language: str | None) -> str | None:
    """"ko-KR" -> "ko_KR" if that catalogue exists, else "ko" if it does, else None."""
    if not language:
        return None
    exact = language.replace("-", "_")
    for name in (exact, exact.split("_")[0]):
        if _po_path(name).exists():
            return name
    return None


def has_catalogue(language: str | None) -> bool:
    return catalogue_name(language) is not None


def languages() -> list[str]:
    """Catalogued language names (directory names under app/locale)."""
    return sorted(p.name for p in LOCALE_DIR.iterdir() if _po_path(p.name).exists())


@cache
def _compiled(name: str) -> gettext.NullTranslations:
    with _po_path(name).open("rb") as source:
        catalog = read_po(source, locale=name)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


class Phrases:
    """The phrases of one language; unknown languages and missing entries fall back to
    the English message id (never an error, never silence)."""

    def __init__(self, language: str | None) -> None:
        name = catalogue_name(language)
        self.language = language or "en-US"
        self._t = _compiled(name) if name else gettext.NullTranslations()

    def t(self, message: str, **params: object) -> str:
        return self._t.gettext(message).format(**params)

    def content(self, text: str) -> str:
        """Shipped content (demo channel names, quiz questions) in this language; any
        other text, such as what an operator wrote, comes back as it is."""
        return self._t.gettext(text) if text else text

    def tn(self, singular: str, plural: str, n: int, **params: object) -> str:
        """Plural rules of the language ("1 minute", "2 minutes"; Korean has one form)."""
        return self._t.ngettext(singular, plural, n).format(n=n, **params)

    def at_clock(self, message: str, time: str, **params: object) -> str:
        """A sentence naming a clock time, with the hour on the clock as its plural count,
        so that Spanish says "a la 1:00" and "hasta la 1:00" but "a las 2:00"."""
        said = self.tn(message, message, clock_hour(time), time=time, **params)
        return said.replace("..", ".")  # "8:00 a.m." may end the sentence

    def listed(self, english: str) -> list[str]:
        """A catalogued comma-separated list: the English entries, then this language's."""
        said = f"{english},{self._t.gettext(english)}" if self.language[:2] != "en" else english
        return list(dict.fromkeys(w.strip() for w in said.split(",") if w.strip()))

    def words(self, english: str) -> frozenset[str]:
        """A catalogued word list (yes words, no words): English plus this language's."""
        said = f"{english} {self._t.gettext(english)}".lower().replace(",", " ")
        return frozenset(said.split())


    def translated_list(self, english: str) -> list[str]:
        """A catalogued comma-separated list in this language only (empty when the
        language has no translation of it: English lists are the operator's to set)."""
        said = self._t.gettext(english)
        return [] if said == english else [w.strip() for w in said.split(",") if w.strip()]


@cache
def phrases(language: str | None) -> Phrases:
    return Phrases(language)


def N_(message: str) -> str:
    """Marks an English phrase for the catalogue where it is defined, not where it is said."""
    return message


def clock_hour(time_said: str) -> int:
    """The hour as the language shows it: 1 for "1:00 p.m." and for "1:00", 13 for
    "13:00" (a 24-hour clock)."""
    found = re.search(r"\d+", time_said)
    return int(found.group()) if found else 0
