"""A menu node as a caller and an operator meet it, at the edges the other tests leave
open: words carried from the last menu (thresholds, synonyms, a bare yes), what the call
log records of a match, menus without a person command, and the checks of a menu file
(each error names its node and field and says what is wrong)."""

from __future__ import annotations

import pytest

from app.flow.actions import Input, Listen
from app.flow.engine import step
from app.flow.errors import MenuError
from app.flow.nodes.menu import suggested_words
from app.flow.state import CallState
from app.flow.validate import MenuInvalid, parse_menu

# Words-only matching (a language without the meaning model): scores are exact shares
# of a phrase's words, so 0.2 is one word of five and 0.1 one word of ten.
FIVE = "bravo charlie delta echo foxtrot"
TEN = "bravo golf hotel india juliet kilo lima mike november oscar"


def hangup(prompt: str) -> dict:
    return {"type": "hangup", "prompt": prompt}


def menu_of(nodes: dict, **settings):
    return parse_menu({"name": "t", "start": "main",
                       "nodes": {**nodes, "agent": {"type": "queue", "queue": "general"}},
                       "settings": {"person": "agent", "language": "ko-KR", **settings}})


def options(*phrases: str, prefix: str = "n") -> list[dict]:
    return [{"key": str(i + 1), "phrases": [p], "go": f"{prefix}{i}"}
            for i, p in enumerate(phrases)]


def two_menus(next_phrases: list[str], **settings):
    """"alpha" at the main menu goes to a second menu with these options."""
    nodes = {"main": {"type": "menu", "prompt": "Main.",
                      "options": [{"key": "1", "phrases": ["alpha"], "go": "next"},
                                  {"key": "2", "phrases": ["zulu"], "go": "z"}]},
             "next": {"type": "menu", "prompt": "Next.", "options": options(*next_phrases)},
             "z": hangup("Z.")}
    nodes |= {f"n{i}": hangup(f"N{i}.") for i in range(len(next_phrases))}
    return menu_of(nodes, **settings)


def said_at_main(menu, speech: str):
    return step(menu, CallState(node="main"), Input(speech=speech, confidence=0.9))


def matches(result) -> list[dict]:
    return [t.detail for t in result.trace if t.kind == "match"]


def waits_at(result, node: str) -> bool:
    return isinstance(result.actions[-1], Listen) and result.state.node == node


# -- words carried to the next menu -------------------------------------------------------
LOW = {"accept_threshold": 0.2, "confirm_threshold": 0.1}


@pytest.mark.parametrize("phrases, settings, lands", [
    ([FIVE, TEN], LOW, "n0"),  # score at the threshold, lead of exactly the margin: taken
    ([FIVE, TEN], {}, "next"),  # a clear lead, but below the threshold: asked
    ([FIVE, "bravo x y z w"], LOW, "next"),  # above the threshold, but a tie: asked
])
def test_words_carried_choose_the_next_menus_option_only_when_sure(phrases, settings, lands):
    result = said_at_main(two_menus(phrases, **settings), "alpha bravo")
    assert result.state.node == lands
    assert (matches(result)[-1]["via"] == "carried") is (lands == "n0")


def test_carried_words_are_read_with_the_menus_synonyms():
    menu = two_menus(["bravo", "zulu"], synonyms={"bravo": ["bingo"]})
    assert said_at_main(menu, "alpha bingo").state.node == "n0"


def test_carried_words_go_on_carrying_through_a_third_menu():
    menu = menu_of({
        "main": {"type": "menu", "prompt": "Main.", "options": [
            {"key": "1", "phrases": ["alpha"], "go": "second"},
            {"key": "2", "phrases": ["zulu"], "go": "z"}]},
        "second": {"type": "menu", "prompt": "Second.", "options": [
            {"key": "1", "phrases": ["bravo"], "go": "third"},
            {"key": "2", "phrases": ["zulu"], "go": "z"}]},
        "third": {"type": "menu", "prompt": "Third.", "options": [
            {"key": "1", "phrases": ["charlie"], "go": "c"},
            {"key": "2", "phrases": ["zulu"], "go": "z"}]},
        "c": hangup("C."), "z": hangup("Z.")})
    result = said_at_main(menu, "alpha bravo charlie")
    assert result.state.node == "c"
    assert [m["via"] for m in matches(result)] == ["speech", "carried", "carried"]


def test_a_bare_yes_in_the_callers_language_is_not_carried_to_the_next_menu():
    """"네" chose an option at the first menu; it does not also answer the next one."""
    menu = menu_of({
        "main": {"type": "menu", "prompt": "Main.", "options": [
            {"key": "1", "phrases": ["네 alpha"], "go": "next"},
            {"key": "2", "phrases": ["zulu"], "go": "z"}]},
        "next": {"type": "menu", "prompt": "Next.", "options": [
            {"key": "1", "phrases": ["네 bravo"], "go": "b"},
            {"key": "2", "phrases": ["zulu"], "go": "z"}]},
        "b": hangup("B."), "z": hangup("Z.")}, accept_threshold=0.5, confirm_threshold=0.4)
    result = said_at_main(menu, "네")
    assert matches(result)[0]["go"] == "next"
    assert waits_at(result, "next")


# -- what the call log records of a match -------------------------------------------------
def test_the_call_log_records_how_sure_each_match_was():
    result = said_at_main(two_menus([FIVE, TEN], **LOW), "alpha bravo")
    assert [(m["via"], m["score"]) for m in matches(result)] == [
        ("speech", 1.0), ("carried", 0.2)]


def test_a_carried_score_is_logged_to_three_places():
    menu = two_menus(["bravo charlie delta", "zulu"], accept_threshold=0.3,
                     confirm_threshold=0.1)
    assert matches(said_at_main(menu, "alpha bravo"))[-1]["score"] == 0.333


def test_a_bare_yes_choosing_an_option_is_logged_as_sure():
    menu = menu_of({"main": {"type": "menu", "prompt": "Anything else?", "options": [
        {"key": "1", "phrases": ["yes"], "go": "y"}, {"key": "2", "phrases": ["no"], "go": "n"}]},
        "y": hangup("Y."), "n": hangup("N.")}, language="en-US")
    result = said_at_main(menu, "yes")
    assert result.state.node == "y" and matches(result) == [
        {"intent": "yes", "go": "y", "via": "speech", "score": 1.0}]


def test_a_bare_yes_where_no_option_is_a_yes_is_not_understood():
    menu = two_menus(["bravo", "zulu"], language="en-US")
    result = step(menu, CallState(node="next"), Input(speech="yes"))
    assert "no_match" in [t.kind for t in result.trace] and waits_at(result, "next")


# -- the person command -------------------------------------------------------------------
def test_someone_who_does_something_is_no_request_for_a_person():
    menu = menu_of({"main": {"type": "menu", "prompt": "Main.", "options": options(
        "meter", "zulu")}, "n0": hangup("Meter."), "n1": hangup("Z.")})
    result = said_at_main(menu, "someone would fix my meter")
    assert result.state.node == "n0" and not result.state.handoff_reason


def talk_menu(language: str):
    return menu_of({"main": {"type": "menu", "prompt": "Main.", "options": options(
        "billing", "outage")}, "n0": hangup("B."), "n1": {**hangup("O."), "type": "say",
                                                          "next": "ask"},
        "ask": {"type": "collect", "prompt": "Your account number?", "variable": "account",
                "max_length": 6, "next": "n0"}}, language=language)


@pytest.mark.parametrize("language, speech", [
    ("en-US", "can I speak to the manager"),
    ("en-US", "um put me through to reception please"),
    ("en-US", "I'd like to talk with whoever is on today"),
    ("es-US", "quiero hablar con el gerente"),
    ("ko-KR", "매니저 바꿔 주세요"),
])
def test_asking_to_talk_to_someone_the_menu_does_not_offer_reaches_a_person(language, speech):
    result = said_at_main(talk_menu(language), speech)
    assert result.state.node == "agent" and result.state.handoff_reason == "asked for a person"


def test_asking_to_talk_to_someone_works_at_a_question_for_a_number_too():
    result = step(talk_menu("en-US"), CallState(node="ask"),
                  Input(speech="can I talk to your supervisor", confidence=0.9))
    assert result.state.node == "agent"


@pytest.mark.parametrize("speech", ["transfer me to billing", "can I talk to you about an outage",
                                    "I want to talk about my billing"])
def test_asking_to_talk_about_an_option_or_to_the_menu_itself_is_that_option(speech):
    result = said_at_main(talk_menu("en-US"), speech)
    assert result.state.node in ("n0", "ask") and not result.state.handoff_reason  # n1 asks


def test_a_menu_without_a_person_command_still_matches_words():
    menu = menu_of({"main": {"type": "menu", "prompt": "Main.", "options": options(
        "alpha", "zulu")}, "n0": hangup("A."), "n1": hangup("Z.")},
        globals={"repeat": {"keys": ["*"], "phrases": ["repeat"]}})
    assert said_at_main(menu, "alpha").state.node == "n0"


# -- checks of a menu file ----------------------------------------------------------------
def errors_of(nodes: dict, **settings) -> list[MenuError]:
    with pytest.raises(MenuInvalid) as refused:
        menu_of(nodes, **settings)
    return refused.value.errors


def test_a_menu_without_options_is_a_dead_end():
    errors = errors_of({"main": {"type": "menu", "prompt": "Main.", "options": []}})
    assert MenuError("main", "options", "dead end: a menu needs at least one option") in errors


def test_an_option_with_neither_key_nor_phrases_is_named():
    errors = errors_of({"main": {"type": "menu", "prompt": "Press 1.", "options": [
        {"key": "1", "go": "a"}, {"go": "a"}]}, "a": hangup("A.")})
    assert errors == [MenuError("main", "options.1", "an option needs a key or phrases")]


def test_a_duplicate_key_names_the_option_that_has_it_first():
    errors = errors_of({"main": {"type": "menu", "prompt": "Press 1.", "options": [
        {"key": "1", "go": "a"}, {"go": "a", "phrases": ["b"]}, {"key": "1", "go": "a"},
        {"key": "1", "go": "a"}]}, "a": hangup("A.")})
    dupes = [e for e in errors if e.field.endswith(".key")]
    assert dupes == [MenuError("main", "options.2.key", "duplicate key 1 (also option 0)"),
                     MenuError("main", "options.3.key", "duplicate key 1 (also option 0)")]


def test_a_duplicate_phrase_is_found_through_the_synonyms():
    errors = errors_of({"main": {"type": "menu", "prompt": "Main.", "options": [
        {"key": "1", "phrases": ["bill"], "go": "a"},
        {"key": "2", "phrases": ["invoice"], "go": "a"}]}, "a": hangup("A.")},
        synonyms={"bill": ["invoice"]})
    assert errors == [MenuError("main", "options.1.phrases",
                                "duplicate phrase 'invoice' (also option 0)")]


def suggesting(**texts):
    return {"main": {"type": "menu", "options": options("billing", "outage", prefix="a"),
                     **texts},
            "a0": hangup("A."), "a1": hangup("B.")}


@pytest.mark.parametrize("field, texts", [
    ("prompt", {"prompt": "Say billing or payments."}),
    ("reprompt", {"prompt": "Say billing or outage.", "reprompt": "Say payments."}),
    ("no_match.reprompts.1", {"prompt": "Main.", "no_match": {
        "reprompts": ["Say billing.", "Say payments."]}}),
    ("no_input.reprompts.0", {"prompt": "Main.", "no_input": {
        "reprompts": ["Say payments."]}}),
])
def test_a_suggested_word_no_option_takes_is_named_where_it_is_said(field, texts):
    assert errors_of(suggesting(**texts), language="en-US") == [
        MenuError("main", field, "suggests saying 'payments', but no option accepts it")]


@pytest.mark.parametrize("prompt", [
    "Say bill.",  # one word of "billing plan": a third of the option, below the threshold
    "Say billing.",  # two options take it equally
])
def test_a_suggested_word_that_would_be_asked_about_is_refused(prompt):
    nodes = {"main": {"type": "menu", "prompt": prompt, "options": [
        {"key": "1", "phrases": ["bill payment plan"], "go": "a"},
        {"key": "2", "phrases": ["billing"], "go": "a"},
        {"key": "3", "phrases": ["billing"], "go": "a"}] if prompt == "Say billing." else [
        {"key": "1", "phrases": ["bill payment plan"], "go": "a"}]}, "a": hangup("A.")}
    errors = [e for e in errors_of(nodes, language="en-US") if e.field == "prompt"]
    assert errors and "suggests saying" in errors[0].message


def test_a_suggested_synonym_is_accepted():
    menu_of(suggesting(prompt="Say invoice or outage."), language="en-US",
            synonyms={"billing": ["invoice"]})


@pytest.mark.parametrize("settings", [{}, LOW])
def test_a_suggested_word_is_accepted_at_the_threshold_and_the_margin(settings):
    """"Say bravo": one word of five for one option, one of ten for the other."""
    nodes = {"main": {"type": "menu", "prompt": "Say bravo.",
                      "options": options(FIVE, TEN, prefix="a")},
             "a0": hangup("A."), "a1": hangup("B.")}
    if settings:
        menu_of(nodes, language="en-US", **settings)
    else:
        assert [e.field for e in errors_of(nodes, language="en-US")] == ["prompt"]


@pytest.mark.parametrize("language, text, words", [
    ("en-US", "Say billing, outage, or request.", ["billing", "outage", "request"]),
    ("en", "Say billing or press 1.", ["billing"]),
    ("es-MX", "Diga factura o oprima 1.", ["factura"]),
    ("ko-KR", "요금 확인이라고 말씀해 주세요.", ["요금 확인"]),
    ("fr-FR", "Say billing.", []),  # a language without a pattern suggests nothing
    ("en-US", "Say {{ name }}, billing or outage.", ["billing", "outage"]),
    ("en-US", "Say billing, , outage.", ["billing", "outage"]),
    ("en-US", "Say " + "b" * 40 + " or " + "c" * 41 + ".", ["b" * 40]),
])
def test_the_words_a_prompt_suggests(language, text, words):
    assert suggested_words(text, language) == words


def test_the_person_command_heard_unsure_is_logged_as_no_match_at_all():
    """Words nearest the person command, but the recogniser was unsure of them: the caller
    is asked again, and the call log shows no score for a match that was not made."""
    menu = parse_menu({"name": "t", "start": "main", "settings": {"person": "agent"},
                       "nodes": {"main": {"type": "menu", "prompt": "Billing or outage?",
                                          "options": options("billing", "outage")},
                                 "n0": hangup("A."), "n1": hangup("B."),
                                 "agent": {"type": "queue", "queue": "general"}}})
    result = step(menu, CallState(node="main"),
                  Input(speech="put me through to a member of staff", confidence=0.2))
    assert waits_at(result, "main") and not result.state.handoff_reason
    assert [t.detail["score"] for t in result.trace if t.kind == "no_match"] == [0.0]
