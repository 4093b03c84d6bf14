"""Prompt templates (plain lookups, fallbacks, mistakes named) and the editor's "try a
sentence" answer (what a caller would get on a first try at a menu node)."""

from __future__ import annotations

import copy

import pytest

from app.flow.heard import Heard, first_try
from app.flow.template import fill, lookup, syntax_errors
from app.flow.validate import parse_menu
from tests.flow.test_engine_rules import PATHS, VALID_CARD, WORDS, menu_with, words_menu
from tests.flow.test_matching import Basis

VALUES = {"caller": {"first_name": "Maria", "zip": 94107, "blank": ""}, "n": 0}


@pytest.mark.parametrize("text, said", [
    ("Hello {{ caller.first_name }}.", "Hello Maria."),
    ("Hello {{caller.first_name|\"there\"}}.", "Hello Maria."),
    ('Hello {{ caller.last_name | "there" }}.', "Hello there."),
    ('Hello {{ caller.blank | "there" }}.', "Hello there."),
    ("Hello {{ caller.last_name }}.", "Hello ."),
    ("Zip {{ caller.zip }}, {{ n }} left.", "Zip 94107, 0 left."),
    ("{{ caller.first_name.more }}!", "!"),
    ("No placeholder.", "No placeholder.")])
def test_a_prompt_is_filled_from_the_calls_values(text, said):
    assert fill(text, VALUES) == said


def test_a_path_stops_at_anything_that_is_not_a_mapping():
    assert lookup(VALUES, "caller.first_name") == "Maria"
    assert lookup(VALUES, "caller.zip.code") is None and lookup(VALUES, "nobody") is None


@pytest.mark.parametrize("text, wrong", [
    ("Hello {{ caller.first_name }}.", False), ('{{ a | "b" }}', False),
    ("Hello {{ caller.first_name }.", True), ("Hello {{ 1 + 1 }}.", True),
    ("Hello }}.", True), ("{{ name | fallback }}", True),
    # a brace too many after each of two placeholders: together they make a stray "}}"
    ("{{ first }}}{{ last }}}", True)])
def test_a_placeholder_that_is_not_one_is_named_as_a_mistake(text, wrong):
    errors = syntax_errors(text)
    assert bool(errors) is wrong
    if wrong:
        assert text in errors[0] and "{{ name }}" in errors[0]


@pytest.fixture(scope="module")
def menu():
    return menu_with()


def test_a_sentence_that_routes_names_the_node_and_option(menu):
    heard = first_try(menu, "main", "billing")
    assert (heard.kind, heard.target, heard.label) == ("routed", "billing", "billing")


def test_a_person_word_routes_to_a_person(menu):
    assert first_try(menu, "main", "agent") == Heard("routed", "person", "a person", 1.0,
                                                     "a person word")


def test_a_navigation_word_is_no_route(menu):
    heard = first_try(menu, "main", "main menu")
    assert heard == Heard("none", "none", "main_menu", 1.0, "a navigation command")


def test_an_unsure_sentence_is_a_confirm_question_about_its_option():
    menu = words_menu(WORDS, WORDS[:9] + ["juliet"])
    heard = first_try(menu, "main", " ".join(WORDS))
    assert (heard.kind, heard.target, heard.label, heard.score) == \
        ("confirm", "a", " ".join(WORDS), 1.0)


def test_unusable_and_unmatched_speech_is_no_route(menu):
    assert first_try(menu, "main", "\U0001f600").kind == "none"
    assert "emoji" in first_try(menu, "main", "\U0001f600").why
    nothing = first_try(menu, "main", "purple monkey dishwasher")
    assert (nothing.kind, nothing.target) == ("none", "none")


def test_each_answer_of_the_first_try_says_how_sure_and_why():
    menu = words_menu(WORDS[:3], ["zulu"])
    assert first_try(menu, "main", " ".join(WORDS[:3])) == Heard(
        "routed", "a", " ".join(WORDS[:3]), 1.0, "words match its phrases (1.00)")
    assert first_try(menu, "main", " ".join(WORDS[:2])) == Heard(
        "confirm", "a", " ".join(WORDS[:3]), 0.667, "words match its phrases (0.67)")
    assert first_try(menu, "main", "yankee") == Heard(
        "none", "none", "", 0.0, "nothing in common with any option")


def test_a_yes_option_is_routed_with_nothing_to_explain(menu):
    yes_menu = parse_menu({"name": "p", "start": "hello", "nodes": copy.deepcopy(PATHS),
                           "settings": {"person": "agent"}}, known_sources=["account"])
    assert first_try(yes_menu, "main", "yeah") == Heard("routed", "out", "yes", 1.0, "")


def test_unusable_speech_says_so(menu):
    assert first_try(menu, "main", "\U0001f600") == Heard(
        "none", "none", why="empty, too long, emoji, control characters or a script the "
                            "menu doesn't use")


def test_the_first_try_uses_the_model_it_is_given():
    example = "zebra crossing tonight"
    menu = menu_with()
    menu.nodes["main"].options[1].examples.append(example)
    heard = first_try(menu, "main", example, Basis(example))
    assert (heard.kind, heard.target) == ("routed", "card")


class SameAs(Basis):
    """A model that places one caller sentence exactly where an example lies."""

    def __init__(self, alias: dict[str, str], *texts: str) -> None:
        super().__init__(*texts)
        self.alias = alias

    def __call__(self, texts):
        return super().__call__([self.alias.get(t, t) for t in texts])


def test_only_the_given_model_routes_a_sentence_it_places_at_an_example():
    example, said = "zebra crossing tonight", "purple monkey dishwasher"
    menu = menu_with()
    menu.nodes["main"].options[1].examples.append(example)
    heard = first_try(menu, "main", said, SameAs({said: example}, example))
    assert (heard.kind, heard.target) == ("routed", "card")
    assert first_try(menu, "main", said).kind == "none"


def test_a_first_try_at_a_number_question_routes_nowhere():
    """The try box at a collect node: the read-back question is no menu choice."""
    assert first_try(menu_with(), "card", VALID_CARD) == Heard("none", "none")
