"""Lookups, texted links and number questions at the edges the rule tests leave open: what a
lookup asks the data source, where a failed one goes, what a turn's budget allows, what a
question for a number says first, and the checks of their fields in a menu file."""

from __future__ import annotations

import copy

import pytest

from app.flow.actions import (
    Enqueue,
    Input,
    LinkSent,
    Listen,
    Lookup,
    LookupDone,
    Record,
    Say,
    Start,
)
from app.flow.engine import step
from app.flow.errors import MenuError
from app.flow.state import CallState
from app.flow.validate import MenuInvalid, parse_menu

HTTP = {"url": "https://api.example.test/balance", "method": "POST", "timeout_s": 2.5,
        "mapping": {"balance": "account.balance"}}
NODES = {
    "find": {"type": "lookup", "source": "account", "params": {"n": "{{ member }}", "x": "1"},
         "result": "account", "found": "known", "not_found": "bye"},
    "api": {"type": "lookup", "http": HTTP, "found": "known", "not_found": "bye",
            "error": "sorry"},
    "known": {"type": "say", "prompt": "Found you.", "next": "bye"},
    "sorry": {"type": "say", "prompt": "That did not work.", "next": "bye"},
    "text": {"type": "sms_link", "form": "payment", "prompt": "Sent.", "next": "bye"},
    "ask": {"type": "collect", "prompt": "Your number?", "variable": "member",
            "min_length": 4, "max_length": 6, "confirm": False, "next": "bye"},
    "bye": {"type": "hangup", "prompt": "Goodbye."},
    "agent": {"type": "queue", "queue": "general", "prompt": "Connecting you."},
}
START = {"start": {"type": "menu", "prompt": "Choose.", "options": [
    {"key": str(i), "go": node} for i, node in enumerate(
        ("find", "api", "text", "ask"), 1)]}}


def menu_of(nodes: dict | None = None, **settings):
    return parse_menu({"name": "fx", "start": "start",
                       "nodes": copy.deepcopy({**START, **NODES, **(nodes or {})}),
                       "settings": {"person": "agent", **settings}},
                      known_sources=["account"], known_forms=["payment"])


@pytest.fixture(scope="module")
def menu():
    return menu_of()


def said(result) -> list[str]:
    return [a.text for a in result.actions if isinstance(a, Say)]


# -- lookups ------------------------------------------------------------------------------
def test_a_lookup_asks_its_source_with_the_params_filled_in(menu):
    state = CallState(node="start", variables={"member": "5123"})
    asked = step(menu, state, Input(digits="1"))
    assert asked.actions[-1] == Lookup("account", {"n": "5123", "x": "1"}, None)


def test_an_http_lookup_asks_the_operators_endpoint(menu):
    asked = step(menu, CallState(node="start"), Input(digits="2"))
    assert asked.actions[-1] == Lookup(None, {}, HTTP)


def test_a_lookup_result_is_kept_under_its_name_default_result(menu):
    asked = step(menu, CallState(node="start"), Input(digits="2"))
    found = step(menu, asked.state, LookupDone(ok=True, data={"balance": "12"}))
    assert found.state.variables["result"] == {"balance": "12"}
    assert said(found) == ["Found you.", "Goodbye."]


def test_a_failed_lookup_with_an_error_branch_goes_there(menu):
    asked = step(menu, CallState(node="start"), Input(digits="2"))
    failed = step(menu, asked.state, LookupDone(ok=False, error="timeout"))
    assert said(failed) == ["That did not work.", "Goodbye."]
    assert "result" not in failed.state.variables
    assert [t.detail for t in failed.trace if t.kind == "lookup_failed"] == [
        {"source": None, "error": "timeout"}]


def test_a_failed_lookup_without_one_apologises_and_finds_a_person(menu):
    asked = step(menu, CallState(node="start"), Input(digits="1"))
    failed = step(menu, asked.state, LookupDone(ok=False, error="down"))
    assert said(failed) == ["Sorry, I can't look that up right now.",
                            "Let me get you to someone who can help.", "Connecting you."]
    assert failed.actions[-1] == Enqueue("general", "lookup failed")
    assert failed.state.handoff_reason == "lookup failed" and failed.state.done


@pytest.mark.parametrize("data, found", [({"name": "Ann"}, True), ({}, False), (None, False)])
def test_the_call_log_says_whether_the_lookup_found_anything(menu, data, found):
    asked = step(menu, CallState(node="start"), Input(digits="1"))
    done = step(menu, asked.state, LookupDone(ok=True, data=data))
    assert [t.detail for t in done.trace if t.kind == "lookup"] == [
        {"source": "account", "found": found}]


# -- what one turn may spend ----------------------------------------------------------------
def chain(*effects: dict) -> dict:
    """The start menu's first key leads to these effects one after another."""
    nodes = {}
    for i, effect in enumerate(effects, 1):
        after = f"e{i + 1}" if i < len(effects) else "bye"
        link = ({"found": after, "not_found": after} if effect["type"] == "lookup"
                else {"next": after})
        nodes[f"e{i}"] = {**effect, **link}
    return {**nodes, "start": {"type": "menu", "prompt": "Choose.", "options": [
        {"key": "1", "go": "e1"}, {"key": "2", "go": "find"}, {"key": "3", "go": "api"},
        {"key": "4", "go": "text"}, {"key": "5", "go": "ask"}]}}


TEXT = {"type": "sms_link", "form": "payment", "prompt": "Sent."}
SLOW = {"type": "lookup", "http": {"url": "https://api.example.test/a", "timeout_s": 2}}
BUILT_IN = {"type": "lookup", "source": "account"}


@pytest.mark.parametrize("effects", [
    (TEXT, SLOW, BUILT_IN),  # 4 s for the text, 2 s for the endpoint, none for a built-in
    (BUILT_IN,) * 5,  # built-in sources take no network time
])
def test_a_chain_that_fits_in_one_turn_is_taken(effects):
    menu_of(chain(*effects))


@pytest.mark.parametrize("effects, seconds", [
    ((TEXT, TEXT), "8 s"),
    ((SLOW, SLOW, {**SLOW, "http": {**SLOW["http"], "timeout_s": 2.5}}), "6.5 s"),
])
def test_a_chain_longer_than_a_turn_is_refused_with_its_cost(effects, seconds):
    with pytest.raises(MenuInvalid) as refused:
        menu_of(chain(*effects))
    [error] = refused.value.errors
    assert error.node == "e1" and f"taking up to {seconds}" in error.message


# -- checks of lookups and texts --------------------------------------------------------------
def errors_of(nodes: dict, **known) -> list[MenuError]:
    with pytest.raises(MenuInvalid) as refused:
        parse_menu({"name": "fx", "start": "start",
                    "nodes": copy.deepcopy({**START, **NODES, **nodes}),
                    "settings": {"person": "agent"}},
                   **({"known_sources": ["account"], "known_forms": ["payment"]} | known))
    return refused.value.errors


BOTH = "give either a built-in source or http, not both"


@pytest.mark.parametrize("change, error", [
    ({"source": None}, MenuError("find", "source", BOTH)),
    ({"http": HTTP}, MenuError("find", "source", BOTH)),
    ({"source": "billing"}, MenuError("find", "source", "unknown data source 'billing'")),
])
def test_a_lookup_needs_one_known_source(change, error):
    assert errors_of({"find": {**NODES["find"], **change}}) == [error]


def test_sources_and_forms_are_not_checked_when_unknown():
    parse_menu({"name": "fx", "start": "start", "settings": {"person": "agent"},
                "nodes": copy.deepcopy({**START, **NODES, "find": {
                    **NODES["find"], "source": "billing"}, "text": {
                    **NODES["text"], "form": "refund"}})})


def test_a_text_needs_a_known_form():
    assert errors_of({"text": {**NODES["text"], "form": "refund"}}) == [
        MenuError("text", "form", "unknown form 'refund'; this line's forms: payment")]


# -- texted links ---------------------------------------------------------------------------
def test_a_link_that_failed_is_logged_with_its_error(menu):
    asked = step(menu, CallState(node="start"), Input(digits="3"))
    failed = step(menu, asked.state, LinkSent(ok=False, error="provider down"))
    assert [(t.kind, t.detail) for t in failed.trace if t.kind.startswith("link")] == [
        ("link_failed", {"form": "payment", "error": "provider down"})]


# -- questions for a number -----------------------------------------------------------------
def test_a_question_for_a_number_after_a_choice_acknowledges_it_first():
    first = parse_menu({"name": "ask", "start": "ask", "settings": {"person": "agent"},
                        "nodes": {"ask": NODES["ask"], "bye": NODES["bye"],
                                  "agent": NODES["agent"]}})
    assert said(step(first, CallState(), Start())) == ["Your number?"]  # nothing chosen yet
    carried = step(menu_of({"start": {"type": "menu", "prompt": "Choose.", "options": [
        {"key": "1", "intent": "payments", "phrases": ["pay"], "go": "ask"},
        {"key": "2", "phrases": ["other"], "go": "find"},
        {"key": "3", "phrases": ["api"], "go": "api"},
        {"key": "4", "phrases": ["text"], "go": "text"}]}}),
        CallState(node="start"), Input(speech="pay"))
    assert said(carried) == ["Sure, I can help with payments.", "Your number?"]
    assert isinstance(carried.actions[-1], Listen) and carried.actions[-1].numeric


@pytest.mark.parametrize("digits, stored", [("5123", True), ("512345", True), ("512", False),
                                            ("5123456", False)])
def test_a_number_is_stored_only_within_its_lengths(menu, digits, stored):
    result = step(menu, CallState(node="ask"), Input(digits=digits))
    assert ("member" in result.state.variables) is stored


def test_nothing_heard_as_a_number_asks_for_digits(menu):
    result = step(menu, CallState(node="ask"), Input(speech=""))
    assert said(result)[0] == "Sorry, I need the number as digits."
    assert [t.detail["problem"] for t in result.trace if t.kind == "no_match"] == [
        "Sorry, I need the number as digits."]


@pytest.mark.parametrize("change, error", [
    ({"min_length": 7}, MenuError("ask", "min_length", "is greater than max_length")),
    ({"pattern": "5[0-9"}, "pattern"),
])
def test_a_number_question_with_impossible_checks_is_refused(change, error):
    errors = errors_of({"ask": {**NODES["ask"], **change}})
    if isinstance(error, str):
        assert [(e.node, e.field) for e in errors] == [("ask", error)]
        assert errors[0].message.startswith("bad pattern: ")
    else:
        assert errors == [error]


def test_equal_lengths_are_allowed():
    menu_of({"ask": {**NODES["ask"], "min_length": 6, "max_length": 6}})


# -- voicemail ------------------------------------------------------------------------------
def test_a_voicemail_in_another_language_thanks_the_caller_in_its_language_and_voice():
    menu = parse_menu({"name": "vm", "start": "message", "nodes": {
        "message": {"type": "voicemail", "language": "es-MX", "queue": "spanish",
                    "prompt": "Deje su mensaje."},
        "agent": NODES["agent"]}, "settings": {"person": "agent", "voice": "Polly.Joanna",
                                               "voices": {"es-MX": "Polly.Mia"}}})
    result = step(menu, CallState(), Start())
    assert result.actions[-1] == Record("spanish", 120, "es-MX", "Polly.Mia")
