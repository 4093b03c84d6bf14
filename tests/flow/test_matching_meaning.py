"""The intent matcher's meaning layer, through its public functions: which texts stand
for an option (words most options share left out, synonyms, examples), the verbatim
lead, when it asks instead of guessing, the word-by-word scores and the calibration.
Models whose vectors a test chooses (numpy), and the real word vectors (WordLlama, 0.3 s
to load) where the point is what a real caller's word lands on."""

from __future__ import annotations

import numpy as np
import pytest

from app.flow import embedding, intents


class Chosen:
    """Each text a test names has the vector it gives (normalised); any other text lies
    on an axis of its own, far from all of them. Word by word, every word is far from
    every other (zero vectors), unless `words` is given: then the same choice applies."""

    def __init__(self, vectors: dict[str, list[float]], words: bool = False) -> None:
        self.dims = max(len(v) for v in vectors.values()) + 1
        self.vectors = {t: np.array(v + [0.0] * (self.dims - len(v)), np.float32)
                        for t, v in vectors.items()}
        self.words = self if words else _Far(self.dims)

    def __call__(self, texts):
        rows = np.zeros((len(texts), self.dims), dtype=np.float32)
        for i, text in enumerate(texts):
            if text in self.vectors:
                rows[i] = self.vectors[text]
            else:
                rows[i, -1] = 1.0
        return rows


class _Far:
    def __init__(self, dims: int) -> None:
        self.dims = dims

    def __call__(self, texts):
        return np.zeros((len(texts), self.dims), dtype=np.float32)


def said(**cosines: float) -> list[float]:
    """A caller's sentence with these cosines to axes 0, 1, 2 ... (a, b, c, d)."""
    values = [cosines.get(k, 0.0) for k in "abcd"]
    return values + [float(np.sqrt(1 - sum(v * v for v in values)))]


AXES = {"alpha": [1, 0, 0, 0], "beta": [0, 1, 0, 0], "gamma": [0, 0, 1, 0],
        "delta": [0, 0, 0, 1]}


def match(utterance: str, options, vectors: dict[str, list[float]], examples=(),
          synonyms=None, words: bool = False) -> intents.Match:
    model = Chosen({**AXES, **vectors}, words)
    return intents.best_match(utterance, options, synonyms or {}, model, examples)


def asks(m: intents.Match) -> bool:
    """The engine confirms when the runner-up is level with the best."""
    return m.index is not None and m.runner_up == m.score


@pytest.fixture(scope="module")
def real():
    words = embedding.word_vectors()
    return embedding.SentencesAndWords(words, words)


# -- the calibration -----------------------------------------------------------------
@pytest.mark.parametrize("evidence, score", [
    (intents.MEANING_ACCEPT + 0.01, 0.88),   # above accept: the margin's slope
    ((intents.MEANING_ACCEPT + intents.MEANING_CONFIRM) / 2, 0.665),  # between: linear
    (intents.MEANING_CONFIRM - 0.01, 0.45),  # below confirm: the margin's slope
    (-1.0, 0.0), (2.0, 1.0),                 # clipped to 0..1
])
def test_evidence_is_calibrated_piecewise_onto_the_engines_scale(evidence, score):
    assert intents.calibrate(evidence) == pytest.approx(score)


# -- how the best and its runner-up are placed ------------------------------------
def test_the_runner_up_sits_below_the_best_by_the_evidence_gap_on_the_calibrated_scale():
    m = match("zzz", [["alpha"], ["beta"]], {"zzz": said(a=0.6, b=0.55)})
    assert m.index == 0
    assert m.score == pytest.approx(intents.calibrate(0.6))
    slope = intents.CALIBRATED_MARGIN / intents.MEANING_MARGIN
    assert m.score - m.runner_up == pytest.approx(0.05 * slope)
    assert "nearest 'alpha' (0.60), the option as a whole 0.60" in m.why


def test_a_single_option_has_no_runner_up():
    m = match("zzz", [["alpha"]], {"zzz": said(a=0.6)})
    assert (m.index, m.runner_up) == (0, 0.0)
    assert "nearest 'alpha' (0.60)" in m.why  # the operator still sees why


def test_a_sentence_far_from_every_option_matches_nothing():
    m = match("zzz", [["alpha"], ["beta"]], {"zzz": said(a=-0.5, b=-0.5)})
    assert m.index is None and m.score == 0.0


def test_the_centre_of_an_options_texts_is_their_normalised_mean():
    m = match("zzz", [["alpha", "gamma"], ["beta"]], {"zzz": said(a=0.7, b=0.1)})
    assert m.index == 0
    assert "the option as a whole 0.49" in m.why  # 0.7 / sqrt(2), not 0.7


# -- asking instead of guessing --------------------------------------------------
def test_when_the_nearest_text_points_at_another_option_it_asks():
    # The whole of alpha's option is nearest (0.4 against 0.0), but beta's nearest
    # text is nearer (0.6 against 0.4): a guess, so a confirm question.
    m = match("zzz", [["alpha"], ["beta", "gamma"]], {"zzz": said(a=0.4, b=0.6, c=-0.6)})
    assert m.index == 0 and asks(m)
    assert "points at another option" in m.why


def test_when_both_point_at_the_best_it_does_not_ask():
    m = match("zzz", [["alpha"], ["beta"]], {"zzz": said(a=0.7, b=0.2)})
    assert m.index == 0 and not asks(m)
    assert "points at another option" not in m.why


# -- an option's own text said again ---------------------------------------------
def test_a_text_said_again_leads_clearly_even_against_a_keyword():
    # "alpha zzz" has alpha's keyword, which outweighs beta's meaning (0.4 + 0.5 against
    # 0.86), but it is beta's text said again (cosine 0.86 >= VERBATIM).
    m = match("alpha zzz", [["alpha"], ["beta"]], {"alpha zzz": said(a=0.4, b=0.86)},
              examples=[[], []])
    assert m.index == 1 and not asks(m)
    slope = intents.CALIBRATED_MARGIN / intents.MEANING_MARGIN
    assert m.score - m.runner_up == pytest.approx(2 * intents.MEANING_MARGIN * slope)


def test_just_below_verbatim_the_keyword_still_decides():
    m = match("alpha zzz", [["alpha"], ["beta"]], {"alpha zzz": said(a=0.4, b=0.84)})
    assert m.index == 0


def test_when_two_options_texts_are_both_said_again_the_nearer_wins():
    # Both beta (0.94) and alpha (0.99) are near enough to be said again: no lead for
    # either, so the nearer one wins on its evidence.
    near = {"alpha": [1, 0, 0, 0], "beta": [0.95, float(np.sqrt(1 - 0.95**2)), 0, 0],
            "zzz": said(a=0.99)}
    m = match("zzz", [["beta"], ["alpha"]], near)
    assert m.index == 1
    slope = intents.CALIBRATED_MARGIN / intents.MEANING_MARGIN
    assert m.score - m.runner_up == pytest.approx((0.99 - 0.99 * 0.95) * slope, abs=1e-3)


# -- which texts stand for an option ---------------------------------------------
BIKES = [["bike repair"], ["bike rental"], ["bike sale"]]
BIK = intents._stem("bike")  # words are compared by their stems


def test_a_word_most_options_share_says_nothing_about_which_is_meant():
    _, common = intents.menu_texts(tuple(map(tuple, BIKES)), (), ())
    assert common == {BIK}
    texts, _ = intents.menu_texts(tuple(map(tuple, BIKES)), (), ())
    assert texts == (("repair",), ("rental",), ("sale",))


@pytest.mark.parametrize("options, common", [
    ([["bike repair"], ["bike rental"], ["tyres"], ["brakes"]], {BIK}),  # half of four
    ([["bike repair"], ["bike rental"], ["tyres"], ["brakes"], ["lights"]], set()),
    ([["pay bill"], ["bill dispute"]], {"bill"}),   # both of two
    ([["pay my bill"], ["my outage"]], set()),      # filler words never count
    ([["bike repair"]], set()),                     # one option: nothing shared
])
def test_a_word_is_common_when_at_least_half_the_options_and_two_use_it(options, common):
    assert intents.menu_texts(tuple(map(tuple, options)), (), ())[1] == common


def test_a_text_made_only_of_common_words_is_kept_whole():
    texts, _ = intents.menu_texts((("bike",), ("bike rental",)), (), ())
    assert texts == (("bike",), ("rental",))


def test_an_options_examples_and_its_own_words_synonyms_stand_for_it():
    texts, _ = intents.menu_texts(
        (("power outage",), ("pay bill",)), (("the lights went out", "", "power outage"),),
        (("outage", ("blackout",)), ("bill", ("invoice",)), ("power", ("juice",))))
    assert texts == (("power outage", "the lights went out", "blackout", "juice"),
                     ("pay bill", "invoice"))


def test_a_synonym_of_a_word_two_options_use_stands_for_neither():
    texts, _ = intents.menu_texts((("bill pay",), ("bill dispute",), ("outage",)), (),
                                  (("bill", ("invoice",)),))
    assert not any("invoice" in option for option in texts)


def test_a_word_shared_by_most_options_does_not_pull_a_caller_to_one_of_them(real):
    # Without leaving "bike" out, "my bike" would be nearest whichever text it resembles
    # most; with it left out nothing in it tells the options apart.
    m = intents.best_match("my bike is broken, it needs repair", BIKES, {}, real, [[], [], []])
    assert m.index == 0


# -- word by word (the real word vectors) ----------------------------------------
def test_a_callers_word_lands_on_the_option_with_a_word_of_like_meaning(real):
    scores = intents.word_scores("electricity", [["power outage"], ["pay bill"]], real)
    assert scores[0] > scores[1] + 0.1


@pytest.mark.parametrize("said", ["how much do I owe", "what would a filling cost",
                                  "I need a receipt", "is it cheaper online"])
def test_a_word_of_money_lands_on_the_option_that_names_money(said, real):
    # The word vectors hardly relate these ("owe" and "bill": cosine 0.02)
    options = [["bill", "insurance"], ["toothache", "broken tooth"], ["opening hours"]]
    scores = intents.word_scores(said, options, real)
    assert scores[0] >= intents.CONCEPT_COSINE / len(intents.content_words(said))
    assert scores[0] > max(scores[1:]) + 0.1


def test_electric_charging_is_no_word_of_money(real):
    # "charge" alone carries it: were it a word of money, "prices" would get 0.6 and win
    scores = intents.word_scores("it won't charge", [["prices"], ["battery"]], real)
    assert scores[1] > scores[0]


def test_an_option_with_no_content_word_scores_nothing_word_by_word(real):
    scores = intents.word_scores("electricity", [["power"], ["the"]], real)
    assert scores[1] == 0.0 < scores[0]


def test_a_sentence_of_stopwords_scores_nothing_word_by_word(real):
    assert intents.word_scores("I would like to", [["power"], ["bill"]], real) == [0.0, 0.0]


def test_a_word_opposite_to_every_option_word_scores_zero_not_below():
    model = Chosen({"power": [1, 0], "negative": [-1, 0]}, words=True)
    assert intents.word_scores("negative", [["power"]], model) == [0.0]


def test_only_the_first_words_of_a_long_answer_count_word_by_word():
    model = Chosen({"power": [1, 0]}, words=True)
    filler = " ".join(f"x{chr(97 + i)}z" for i in range(intents.MAX_SAID_WORDS))
    assert intents.word_scores(filler + " power", [["power"]], model) == [0.0]
    assert intents.word_scores("power " + filler, [["power"]], model)[0] == \
        pytest.approx(1 / intents.MAX_SAID_WORDS)


def test_a_repeated_word_counts_once():
    model = Chosen({"power": [1, 0]}, words=True)
    assert intents.word_scores("power power zzz", [["power"]], model) == [pytest.approx(0.5)]


def test_the_word_cache_is_bounded_and_still_answers_right(monkeypatch):
    model = Chosen({"power": [1, 0]}, words=True)
    monkeypatch.setattr(intents, "MAX_KNOWN_WORDS", 4)
    for n in range(5):
        said_words = f"x{n}a x{n}b x{n}c power"
        assert intents.word_scores(said_words, [["power"]], model) == [pytest.approx(0.25)]
        assert len(intents._known_words(model)) <= 4


def test_digits_and_stopwords_are_not_content_words():
    assert intents.content_words("I'm calling about 42 outages, you know") == \
        ("outages",)


def test_a_text_of_several_common_words_is_kept_whole_as_said():
    texts, _ = intents.menu_texts((("bike shop",), ("bike shop rental",)), (), ())
    assert texts == (("bike shop",), ("rental",))


def test_options_with_no_words_at_all_match_no_speech(real):
    # A menu keyed by digits only: the caller speaks anyway.
    m = intents.best_match("pay my bill", [[], []], {}, real, [[], []])
    assert m.index is None


def test_of_two_equally_near_texts_the_first_listed_is_named():
    m = match("zzz", [["alpha", "twin"], ["beta"]], {"twin": AXES["alpha"],
                                                      "zzz": said(a=0.6)})
    assert "nearest 'alpha'" in m.why


def test_an_option_chosen_by_its_keyword_alone_names_no_nearest_text():
    # Its text is opposite in meaning (cosine -0.5): nothing is near, the keyword decides.
    m = match("alpha zzz", [["alpha"], ["beta"]], {"alpha zzz": said(a=-0.5)})
    assert m.index == 0 and "nearest '' (0.00)" in m.why


def test_a_contraction_of_a_stopword_is_not_a_content_word():
    assert intents.content_words("we're out of power") == ("power",)


def test_a_word_score_is_at_most_one_whatever_the_models_vector_lengths():
    model = Chosen({"power": [2, 0]}, words=True)  # not unit length
    assert intents.word_scores("power", [["power"]], model) == [1.0]


def test_a_letter_with_no_unicode_name_is_another_script_at_an_english_menu():
    assert not intents.is_usable("\U00017000", "en-US")  # a Tangut ideograph


@pytest.mark.parametrize("said_words, mentioned", [
    ("supervisar please", True),   # one letter in ten wrong: ratio exactly 0.9
    ("supervisxx please", False),
])
def test_a_person_word_one_letter_in_ten_off_is_still_mentioned(said_words, mentioned):
    assert intents.mentions(said_words, ["supervisor"]) is mentioned


def test_a_person_word_near_the_end_can_still_be_a_doer():
    assert intents.named_as_doers("I wish someone would", ["someone"]) == ["someone"]
    assert intents.named_as_doers("my supervisar would call", ["supervisor"]) == \
        ["supervisor"]


def test_the_only_options_text_said_again_is_matched():
    m = match("zzz", [["alpha"]], {"zzz": said(a=0.9)})
    assert m.index == 0 and m.score == 1.0


def test_with_no_other_option_a_text_said_again_gains_no_lead():
    # Near alpha (0.86) but opposite to the option's other texts: its centre is far, and
    # with no other option to lead there is nothing to add to its own evidence.
    m = match("zzz", [["alpha", "gamma", "delta"]], {"zzz": said(a=0.86, c=-0.36, d=-0.36)})
    centre = (0.86 - 0.72) / np.sqrt(3)
    assert m.score == pytest.approx(intents.calibrate((0.86 + centre) / 2), abs=1e-4)
    assert m.score < 1.0
