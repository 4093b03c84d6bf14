"""The pure engine, driven with literal menus: no app, no database."""

from __future__ import annotations

import pytest

from app.flow.actions import Enqueue, Hangup, Input, Listen, Lookup, LookupDone, NoInput, Say, Start
from app.flow.engine import step
from app.flow.state import CallState
from app.flow.validate import parse_menu

MENU = {
    "name": "tiny",
    "start": "hello",
    "settings": {"person": "agent", "main_menu": "main"},
    "nodes": {
        "hello": {"type": "say", "prompt": "Hi {{ caller.first_name | \"there\" }}.",
                  "next": "main"},
        "main": {
            "type": "menu",
            "prompt": "Say billing or press 1. Say help or press 2.",
            "reprompt": "Billing is 1, help is 2.",
            "options": [
                {"key": "1", "intent": "billing", "phrases": ["billing", "pay my bill"],
                 "go": "bill"},
                {"key": "2", "intent": "help", "phrases": ["help"], "go": "acct"},
            ],
        },
        "bill": {"type": "menu", "prompt": "Press 1 to hear it.",
                 "options": [{"key": "1", "phrases": ["hear it"], "go": "bye"}]},
        "acct": {"type": "collect", "prompt": "Your account number?", "variable": "acct",
                 "min_length": 4, "max_length": 4, "next": "look"},
        "look": {"type": "lookup", "source": "accounts", "params": {"n": "{{ acct }}"},
                 "result": "account", "found": "told", "not_found": "main"},
        "told": {"type": "say", "prompt": "You owe {{ account.balance }}.", "next": "bye"},
        "bye": {"type": "hangup", "prompt": "Bye."},
        "agent": {"type": "queue", "queue": "general", "prompt": "Connecting you."},
    },
}


@pytest.fixture
def menu():
    return parse_menu(MENU)


def run(menu, *events, state=None):
    state = state or CallState()
    result = None
    for event in events:
        result = step(menu, state, event)
        state = result.state
    return result


def said(result) -> str:
    return " ".join(a.text for a in result.actions if isinstance(a, Say))


def kinds(result) -> list[str]:
    return [t.kind for t in result.trace]


def test_greets_known_caller_by_name_and_waits_at_the_menu(menu):
    result = run(menu, Start({"first_name": "Maria"}))
    assert said(result).startswith("Hi Maria.")
    assert isinstance(result.actions[-1], Listen) and result.state.node == "main"
    assert said(run(menu, Start({}))).startswith("Hi there.")


@pytest.mark.parametrize("event", [Input(digits="1"), Input(speech="I'd like to pay my bill")])
def test_key_or_words_reach_the_same_place(menu, event):
    assert run(menu, Start(), event).state.node == "bill"


@pytest.mark.parametrize("node", ["main", "bill", "acct"])
@pytest.mark.parametrize("event", [Input(digits="0"), Input(speech="agent"),
                                   Input(speech="can I talk to a real person please"),
                                   Input(speech="representative")])
def test_a_person_is_one_word_or_key_from_every_node(menu, node, event):
    state = CallState(node=node)
    result = step(menu, state, event)
    assert isinstance(result.actions[-1], Enqueue)
    assert result.actions[-1].reason == "asked for a person"
    assert result.state.done


def test_silence_escalates_with_different_reprompts_then_a_person(menu):
    state = run(menu, Start()).state
    lines = []
    for _ in range(2):
        result = step(menu, state, NoInput())
        state = result.state
        lines.append(said(result))
        assert isinstance(result.actions[-1], Listen)
    assert lines[0] != lines[1] and "Billing is 1" in lines[0]
    final = step(menu, state, NoInput())
    assert isinstance(final.actions[-1], Enqueue)
    assert final.actions[-1].reason == "no input"
    assert "escalate" in kinds(final)


def test_nonsense_escalates_and_is_recorded_as_not_understood(menu):
    state = run(menu, Start()).state
    for _ in range(2):
        state = step(menu, state, Input(speech="purple monkey dishwasher")).state
    final = step(menu, state, Input(speech="purple monkey dishwasher"))
    assert final.actions[-1] == Enqueue("general", "kept failing to be understood")


def test_unsure_match_asks_to_confirm_then_yes_goes_there(menu):
    state = run(menu, Start()).state
    unsure = step(menu, state, Input(speech="bill", confidence=0.2))
    assert "Did you want help with billing?" in said(unsure)
    assert step(menu, unsure.state, Input(speech="yes")).state.node == "bill"
    assert step(menu, unsure.state, Input(digits="2")).state.node == "main"


def test_repeat_main_menu_and_back(menu):
    state = run(menu, Start(), Input(digits="1")).state
    assert said(step(menu, state, Input(digits="*"))) == "Press 1 to hear it."
    assert step(menu, state, Input(speech="main menu")).state.node == "main"
    assert step(menu, state, Input(speech="go back")).state.node == "main"


def test_collect_reads_back_then_looks_up(menu):
    state = run(menu, Start(), Input(digits="2")).state
    heard = step(menu, state, Input(speech="one two three four"))
    assert "I heard 1 2 3 4" in said(heard)
    confirmed = step(menu, heard.state, Input(speech="yes"))
    assert confirmed.actions[-1] == Lookup("accounts", {"n": "1234"})
    told = step(menu, confirmed.state, LookupDone(ok=True, data={"balance": "$12.00"}))
    assert said(told).startswith("You owe $12.00.")
    assert isinstance(told.actions[-1], Hangup)


def test_collect_refuses_wrong_length_with_a_reason(menu):
    state = run(menu, Start(), Input(digits="2")).state
    result = step(menu, state, Input(digits="12"))
    assert "should have 4 digits" in said(result)
    assert result.state.node == "acct"


def test_failed_lookup_apologises_and_hands_off(menu):
    state = run(menu, Start(), Input(digits="2"), Input(digits="1234"), Input(digits="1")).state
    assert state.node == "look"
    result = step(menu, state, LookupDone(ok=False, error="Timeout"))
    assert "can't look that up" in said(result)
    assert result.actions[-1] == Enqueue("general", "lookup failed")


def test_state_pointing_at_a_vanished_node_gets_a_person(menu):
    result = step(menu, CallState(node="gone"), Input(digits="1"))
    assert "Sorry" in said(result) and isinstance(result.actions[-1], Enqueue)


def test_state_round_trips_through_json(menu):
    import json

    state = run(menu, Start({"first_name": "Ann"}), Input(digits="1")).state
    again = CallState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert again == state


def test_a_backtracking_pattern_runs_in_linear_time():
    """"(1+)+2" against 27 keyed ones took 6.5 s of backtracking, doubling per digit."""
    import copy
    import time

    hostile = copy.deepcopy(MENU)
    hostile["nodes"]["acct"].update(min_length=1, max_length=32, pattern="(1+)+2")
    menu = parse_menu(hostile)
    state = run(menu, Start(), Input(digits="2")).state
    started = time.process_time()
    result = step(menu, state, Input(digits="1" * 27))
    assert time.process_time() - started < 0.5
    assert "doesn't look right" in said(result) and result.state.node == "acct"
    assert "I heard" in said(step(menu, state, Input(digits="1" * 26 + "2")))
