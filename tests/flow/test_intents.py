"""Phrase -> intent on the demo's main menu: callers' own words, not the listed phrases."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from app.flow import intents
from app.flow.actions import Enqueue, Input, Start
from app.flow.engine import step
from app.flow.state import CallState
from app.flow.validate import parse_menu

DEMO = Path(__file__).parents[2] / "app/demo/menus/northwind.yaml"


@pytest.fixture(scope="module")
def menu():
    return parse_menu(yaml.safe_load(DEMO.read_text()))


@pytest.fixture(scope="module")
def at_main(menu):
    return step(menu, CallState(), Start()).state


@pytest.mark.parametrize("said, node", [
    ("my power is out", "outage"),
    ("the lights went out", "outage"),
    ("we have a blackout on our street", "outage"),
    ("there's no electricity in my house", "outage"),
    ("outage", "outage"),
    ("I want to pay my bill", "billing"),
    ("how much do I owe", "billing"),
    ("question about my invoice", "billing"),
    ("paying my bil", "billing"),
    ("I'm moving next month", "service"),
    ("I need to start service at a new address", "service"),
    ("please disconnect my service", "service"),
    ("where is my service request", "request_number"),
    ("checking on my repair order", "request_number"),
    ("what's the status of my ticket", "request_number"),
])
def test_natural_phrasings_land_on_the_right_node(menu, at_main, said, node):
    # the branch is entered (words naming a sub-option carry on past it)
    trace = step(menu, at_main, Input(speech=said, confidence=0.9)).trace
    assert node in [t.node for t in trace if t.kind == "entered"]


@pytest.mark.parametrize("said", ["let me talk to a person", "agent", "operator please",
                                  "I want a human", "representative", "get me a representive"])
def test_person_words_reach_a_person(menu, at_main, said):
    result = step(menu, at_main, Input(speech=said, confidence=0.9))
    assert isinstance(result.actions[-1], Enqueue) and result.actions[-1].queue == "general"


@pytest.mark.parametrize("said", ["banana", "purple elephant", "what's the weather"])
def test_unrelated_speech_is_not_matched(menu, at_main, said):
    result = step(menu, at_main, Input(speech=said, confidence=0.9))
    assert result.state.node == "main" and "no_match" in [t.kind for t in result.trace]


@pytest.mark.parametrize("said", ["I need someone to talk to", "can someone help me",
                                  "someone please", "I'd like to speak to someone",
                                  "is there a person I can talk to"])
def test_someone_as_whom_the_caller_wants_reaches_a_person(menu, at_main, said):
    result = step(menu, at_main, Input(speech=said, confidence=0.9))
    assert isinstance(result.actions[-1], Enqueue) and result.actions[-1].queue == "general"


@pytest.mark.parametrize("said", ["I was told someone would fix my meter",
                                  "someone came to read the meter and broke it",
                                  "I need someone to look at my meter"])
def test_someone_who_should_do_a_job_is_not_a_request_for_a_person(menu, at_main, said):
    """The person word names who does the work, so it is no hand-off by itself: the
    caller is asked about or routed to the option the rest of the sentence means."""
    result = step(menu, at_main, Input(speech=said, confidence=0.9))
    assert "person" not in [t.detail.get("command") for t in result.trace], result.trace
    assert not (isinstance(result.actions[-1], Enqueue)
                and result.actions[-1].queue == "general"), result.trace


@pytest.mark.parametrize("said, doer", [
    ("someone would fix it", True), ("someone to look at it", True),
    ("someone to talk to", False),  # the word after "to" says it is a request after all
    ("someone", False),             # nothing after it: whom the caller wants
    ("someone at the desk", False),
])
def test_a_person_word_is_a_doer_only_when_a_verb_follows(said, doer):
    assert (intents.named_as_doers(said, ["someone"]) == ["someone"]) is doer


def test_personal_is_not_person():
    assert not intents.mentions("my personal account", ["person"])


@pytest.mark.parametrize("text, expected", [("yes please", True), ("yeah", True),
                                            ("no that's not right", False), ("nope", False),
                                            ("maybe", None)])
def test_yes_or_no(text, expected):
    assert intents.yes_or_no(text, None) is expected
