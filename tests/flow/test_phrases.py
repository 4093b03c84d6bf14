"""The per-language catalogue: every system phrase in the code is in every catalogue,
Korean has them all, and the validator refuses languages we cannot speak."""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from app.flow.phrases import LOCALE_DIR, languages, phrases
from app.flow.validate import MenuInvalid, parse_menu

ROOT = Path(__file__).parents[2]
# The functions system phrases go through (see app/flow/phrases.py and forms._problem).
KEYWORDS = {"t": None, "N_": None, "tn": (1, 2), "at_clock": None, "_problem": None}
METHODS = [("app/**.py", "python"), ("app/**/templates/**.html", "jinja2")]


@cache
def said_in_code() -> dict[str, str]:
    """Message id (or its singular) -> the file that says it, as pybabel extract sees it."""
    found = {}
    for filename, _, message, *_ in extract_from_dir(ROOT, METHODS, keywords=KEYWORDS):
        found.setdefault(message[0] if isinstance(message, tuple) else message, filename)
    return found


def catalogue(name: str):
    with (LOCALE_DIR / name / "LC_MESSAGES" / "holdline.po").open("rb") as source:
        return read_po(source)


@pytest.fixture(scope="module")
def code_phrases():
    return said_in_code()


def test_the_shipped_languages_have_catalogues():
    assert {"en", "ko", "es"} <= set(languages())


@pytest.mark.parametrize("name", ["en", "ko", "es"])
def test_every_phrase_in_the_code_is_in_each_catalogue(code_phrases, name):
    ids = {m.id[0] if isinstance(m.id, tuple) else m.id for m in catalogue(name) if m.id}
    missing = sorted(set(code_phrases) - ids)
    assert not missing, f"{name}: add with pybabel update: {missing[:5]}"


def untranslated(name: str, where=lambda path: True) -> list[str]:
    code = said_in_code()
    out = []
    for message in catalogue(name):
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if key and key in code and where(code[key]) and not all(strings):
            out.append(key)
    return out


@pytest.mark.parametrize("name", ["ko", "es"])
def test_korean_and_spanish_are_complete(name):
    assert untranslated(name) == []


def test_plural_rules_follow_the_language():
    english, korean = phrases("en-US"), phrases("ko-KR")
    assert english.tn("waited {n} minute", "waited {n} minutes", 1) == "waited 1 minute"
    assert english.tn("waited {n} minute", "waited {n} minutes", 2) == "waited 2 minutes"
    assert korean.tn("waited {n} minute", "waited {n} minutes", 2) == "2분 기다림"


def test_an_unknown_language_falls_back_to_english_not_an_error():
    assert phrases("xx-YY").t("Sorry, I didn't catch that.") == "Sorry, I didn't catch that."


MENU = {
    "name": "lang", "start": "main", "settings": {"person": "agent"},
    "nodes": {
        "main": {"type": "menu", "prompt": "Press 1.",
                 "options": [{"key": "1", "phrases": ["one"], "go": "fr"}]},
        "fr": {"type": "hangup", "prompt": "Au revoir.", "language": "fr-FR"},
        "agent": {"type": "queue", "queue": "general"},
    },
}


def test_a_node_language_without_a_catalogue_is_refused_by_name():
    with pytest.raises(MenuInvalid) as info:
        parse_menu(MENU)
    assert [(e.node, e.field) for e in info.value.errors] == [("fr", "language")]
    assert "no phrase catalogue for 'fr-FR'" in str(info.value)


def test_a_person_node_per_language_must_be_a_way_to_a_person():
    menu = copy.deepcopy(MENU)
    menu["nodes"]["fr"]["language"] = "ko-KR"
    menu["settings"]["person_for"] = {"ko-KR": "fr"}
    with pytest.raises(MenuInvalid) as info:
        parse_menu(menu)
    assert "settings.person_for.ko-KR" in str(info.value)
