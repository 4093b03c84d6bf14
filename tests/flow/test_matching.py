"""The intent matcher's words layer and its guards, through its public functions: what a
caller's words score against an option, filler, synonyms, negation, navigation words,
unusable speech and yes/no."""

from __future__ import annotations

import pytest

from app.flow import intents, yesno

OPTIONS = [["pay my bill", "billing"], ["power outage"], ["start service"]]


def test_the_option_whose_words_were_said_wins_with_its_runner_up():
    match = intents.best_match("I'd like to pay my bill", OPTIONS)
    assert match.index == 0 and match.score == 1.0 and match.runner_up == 0.0


def test_the_runner_up_is_the_second_best_score():
    match = intents.best_match("power bill", [["pay bill"], ["power outage"], ["zebra"]])
    assert (match.index, match.score, match.runner_up) == (0, 0.5, 0.5)


def test_half_the_words_of_a_phrase_score_half():
    assert intents.best_match("start", OPTIONS).score == 0.5


@pytest.mark.parametrize("filler", ["um", "please I would like to", "uh, you know, the",
                                    "", "   "])
def test_filler_alone_matches_nothing(filler):
    match = intents.best_match(filler, OPTIONS)
    assert match.index is None and match.score == 0.0


def test_an_option_made_of_filler_words_is_never_matched():
    assert intents.best_match("I want to", [["I want to"], ["billing"]]).index is None


def test_a_near_miss_counts_by_how_near_and_a_far_one_not_at_all():
    near = intents.best_match("paying my bil", [["pay bill"]])
    assert 0.9 <= near.score < 1.0
    assert intents.best_match("pony", [["pay bill"]]).index is None


def test_extra_words_from_the_caller_cost_nothing():
    assert intents.best_match("well so my power outage happened again today",
                              OPTIONS).score == 1.0


def test_synonyms_map_the_callers_word_to_the_options_word():
    synonyms = {"outage": ["blackout", "no power"]}
    match = intents.best_match("there is a blackout", [["billing"], ["outage"]], synonyms)
    assert match.index == 1 and match.score == 1.0
    assert intents.best_match("there is a blackout", [["billing"], ["outage"]]).index is None


def test_the_longest_synonym_is_taken_first():
    synonyms = {"outage": ["no power"], "refusal": ["no"]}
    assert intents.best_match("no power at all", [["outage"], ["refusal"]], synonyms).index == 0


def test_a_negated_clause_is_left_out():
    match = intents.best_match("not my bill, the power outage", OPTIONS)
    assert match.index == 1
    assert intents.without_negated("not billing") == "not billing"  # nothing else left


@pytest.mark.parametrize("speech, usable", [
    ("pay my bill", True), ("", False), ("   ", False), (None, False),
    ("x" * intents.MAX_SPEECH_CHARS, True), ("x" * (intents.MAX_SPEECH_CHARS + 1), False),
    ("pay my bill \U0001f600", False), ("pay\x00 bill", False), ("요금", False)])
def test_speech_no_option_can_match_is_unusable(speech, usable):
    assert intents.is_usable(speech, "en-US") is usable


def test_another_script_is_usable_where_the_menu_uses_it_or_speaks_it():
    assert intents.is_usable("요금", "en-US", known=["요금 납부"])
    assert intents.is_usable("요금", "ko-KR")


@pytest.mark.parametrize("speech, whole", [("main menu", True), ("Main menu!", True),
                                           ("main menus", True),
                                           ("the main menu of billing", False)])
def test_navigation_words_must_be_the_whole_utterance(speech, whole):
    assert intents.says_whole(speech, ["main menu"]) is whole


@pytest.mark.parametrize("speech, mentioned", [
    ("can I talk to a real person", True), ("get me a representive", True),
    ("my personal account", False), ("the real story", False)])
def test_a_person_phrase_is_mentioned_only_when_all_its_words_are_there(speech, mentioned):
    assert intents.mentions(speech, ["real person", "representative"]) is mentioned


@pytest.mark.parametrize("speech, digits, answer", [
    (None, "1", True), (None, "2", False), (None, "3", None), ("yes no", None, False),
    ("sure", None, True), ("hmm", None, None)])
def test_yes_or_no_by_word_or_key(speech, digits, answer):
    assert intents.yes_or_no(speech, digits) is answer


@pytest.mark.parametrize("speech, yes, rest", [
    ("yes please", True, "please"), ("no, I said outage", False, "i said outage"),
    ("not right", False, ""), ("no not billing", False, ""),
    ("billing", None, "billing"), ("yes but not billing", True, "but"),
    # a negation ends at its clause; the fresh answer after it is kept
    ("not billing, I said outage", False, "i said outage"),
    ("yes, don't hang up", True, ""),  # a negated request after a yes stays a yes
    ("no, yes I said billing", False, "i said billing"),  # the first of the two counts
    (None, None, "")])  # nothing said: neither, and nothing else to act on
def test_hearing_a_yes_or_no_and_what_else_was_said(speech, yes, rest):
    answer = yesno.hear(speech)
    assert (answer.yes, answer.rest) == (yes, rest)


@pytest.mark.parametrize("speech, bare", [("yes please", True), ("no thanks", True),
                                          ("no, I said outage", False), ("billing", False)])
def test_a_bare_yes_or_no_has_nothing_else_to_act_on(speech, bare):
    assert yesno.hear(speech).bare is bare


def test_keys_answer_confirm_questions():
    assert yesno.hear(None, "1").yes is True and yesno.hear(None, "2").yes is False
    assert yesno.hear(None, "5").yes is None


def test_korean_yes_and_no():
    assert yesno.hear("네", language="ko-KR").yes is True
    assert yesno.hear("아니요", language="ko-KR").yes is False
    assert yesno.hear("요금 말고", language="ko-KR") == yesno.Answer(False, "")


@pytest.mark.parametrize("phrase, kind", [("yes", True), ("no", False), ("billing", None)])
def test_an_options_phrase_can_itself_be_a_yes_or_a_no(phrase, kind):
    assert yesno.is_yes_or_no(phrase) is kind


# -- the meaning layer, with a model whose cosines we choose ---------------------------
class Basis:
    """Each listed text is its own axis; anything else (single words, the caller's other
    sentences) lies on a common axis of its own, far from every listed text."""

    def __init__(self, *texts: str) -> None:
        self.axis = {t: i for i, t in enumerate(texts)}

    def __call__(self, texts):
        import numpy as np

        rows = np.zeros((len(texts), len(self.axis) + 1), dtype=np.float32)
        for i, text in enumerate(texts):
            rows[i, self.axis.get(text, len(self.axis))] = 1.0
        return rows


def test_an_example_said_again_wins_clearly_over_a_keyword_it_contains():
    example = "my bill shows a power cut"
    match = intents.best_match(example, [["bill"], ["outage"]], {},
                               Basis("bill", "outage", example), [[], [example]])
    assert match.index == 1 and match.score - match.runner_up >= intents.CLEAR_MARGIN


def test_without_an_example_the_keyword_decides():
    match = intents.best_match("my bill shows a power cut", [["bill"], ["outage"]], {},
                               Basis("bill", "outage"), [[], []])
    assert match.index == 0


def test_an_option_phrase_with_more_than_a_no_is_not_a_no_option():
    assert yesno.is_yes_or_no("no billing") is None
