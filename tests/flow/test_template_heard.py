"""Prompt templates (plain lookups, fallbacks, mistakes named) and the editor's "try a
sentence" answer (what a caller would get on a first try at a menu node)."""

from __future__ import annotations

import pytest

from app.flow.heard import Heard, first_try
from app.flow.template import lookup, render, syntax_errors
from tests.flow.test_engine_rules import WORDS, menu_with, words_menu

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
    assert render(text, VALUES) == said


def test_a_path_stops_at_anything_that_is_not_a_mapping():
    assert lookup(VALUES, "caller.first_name") == "Maria"
    assert lookup(VALUES, "caller.zip.code") is None and lookup(VALUES, "nobody") is None


@pytest.mark.parametrize("text, wrong", [
    ("Hello {{ caller.first_name }}.", False), ('{{ a | "b" }}', False),
    ("Hello {{ caller.first_name }.", True), ("Hello {{ 1 + 1 }}.", True),
    ("Hello }}.", True), ("{{ name | fallback }}", True)])
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
