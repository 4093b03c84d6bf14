"""The intent matcher's words layer at its edges: light stemming, apostrophes, the
near-miss threshold, options without phrases, synonyms in an option's own phrases,
negated clauses, unusable characters and person words."""

from __future__ import annotations

import pytest

from app.flow import intents


@pytest.mark.parametrize("word, stem", [
    ("bills", "bill"), ("billed", "bill"), ("billing", "bill"),  # endings of long words
    ("pays", "pays"), ("due", "due"),                            # short words keep theirs
    ("glass", "glass"),                                          # "ss" is no plural
    ("don't", "dont"),                                           # apostrophes dropped
    ("boxes", "box"), ("box", "box"),                            # "-es" plurals
    ("agrees", "agre"), ("agree", "agre"),                       # "-ees": one e is stem
])
def test_words_are_compared_by_a_light_stem(word, stem):
    assert intents.normalise(word) == stem


def test_a_near_miss_at_exactly_the_threshold_counts():
    assert intents.best_match("powar", [["power"]]).score == pytest.approx(0.8)


def test_an_option_without_phrases_never_wins_by_words():
    match = intents.best_match("pay my bill", [["bill"], []])
    assert match.index == 0 and match.runner_up == 0.0


def test_a_synonym_in_an_options_own_phrase_meets_the_callers_canonical_word():
    match = intents.best_match("outage", [["bill"], ["blackout"]], {"outage": ["blackout"]})
    assert match.index == 1 and match.score == 1.0


def test_the_clauses_left_after_a_negated_one_are_joined_by_spaces():
    assert intents.without_negated("not my bill, the power is out, since noon") == \
        "the power is out since noon"


@pytest.mark.parametrize("speech", [
    "pay\u200bmy bill",   # a zero-width space (format, Cf)
    "pay \ue000 bill",    # private use (Co)
    "pay \ud800 bill",    # a lone surrogate (Cs)
    "pay ^ bill",         # a modifier symbol (Sk)
])
def test_invisible_private_and_modifier_characters_are_unusable(speech):
    assert not intents.is_usable(speech, "en-US")


@pytest.mark.parametrize("speech, doers", [
    ("someone would then help", ["someone"]),   # only the next two words are read
    ("pay my bill", []),                         # not named at all: no doer
])
def test_a_person_word_is_a_doer_by_the_two_words_after_it(speech, doers):
    assert intents.named_as_doers(speech, ["someone"]) == doers


def test_navigation_words_heard_at_exactly_the_threshold_count():
    # Three letters in twenty misheard: a ratio of exactly 0.85.
    assert intents.says_whole("go back to maxx mxnu", ["go back to main menu"])
