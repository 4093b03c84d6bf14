"""The engine's rules at edges the rule tests leave open: the turn counter that tells a
late answer from a fresh one, rejections counted afresh at each node, a bare "no" at a
menu, commands in the caller's own language, and a result the node did not ask for."""

from __future__ import annotations

from app.flow.actions import Input, LinkSent, Start
from app.flow.engine import step
from app.flow.state import CallState
from app.flow.validate import parse_menu
from tests.flow.test_engine_rules import VALID_CARD, menu_with, said, waits_at


def test_each_step_counts_one_more_turn_from_wherever_the_call_is():
    """voice/views.py takes an answer only for the turn it was asked in."""
    result = step(menu_with(), CallState(node="billing", turn=4), Input(digits="1"))
    assert result.state.turn == 5


def test_rejections_at_one_node_start_afresh_at_the_next():
    menu = menu_with(max_attempts=1)
    at_card = step(menu, CallState(node="main"), Input(digits="2"))
    asked = step(menu, at_card.state, Input(digits=VALID_CARD))
    again = step(menu, asked.state, Input(speech="no"))
    assert said(again)[0] == "Okay, let's try again." and waits_at(again, "card")


def test_a_bare_no_to_a_menus_question_asks_again_without_counting_a_failure():
    menu = menu_with()
    asked = step(menu, CallState(node="main"), Input(speech="billing", confidence=0.2))
    again = step(menu, asked.state, Input(speech="no"))
    assert said(again)[0] == "Okay, let's try again." and waits_at(again, "main")
    assert again.state.attempts == 0


def test_commands_work_in_the_callers_language_too():
    menu = menu_with(language="ko-KR")
    again = step(menu, CallState(node="billing"), Input(speech="다시"))
    assert said(again) == ["Plans or payments?"] and waits_at(again, "billing")
    top = step(menu, CallState(node="plans", history=["main", "billing"]),
               Input(speech="처음으로"))
    assert waits_at(top, "main")


def test_a_text_result_at_a_lookup_is_ignored():
    menu = menu_with()
    looking = step(menu, CallState(node="member"), Input(digits="5123"))
    result = step(menu, looking.state, LinkSent(ok=True))
    assert "ignored" in [t.kind for t in result.trace]
    assert "account" not in result.state.variables
    assert result.state.node == "find" and not result.state.done


def test_a_call_at_a_node_the_menu_no_longer_has_reaches_a_person_with_the_reason():
    """A menu republished without the node a caller was at: an apology and an agent who
    is told why, never dead air."""
    result = step(menu_with(), CallState(node="removed_node"), Input(digits="1"))
    assert result.state.handoff_reason == "the menu could not continue"
    assert result.actions[-1].queue == "general" and result.state.done


def test_a_near_miss_of_a_person_word_at_a_number_question_asks_for_digits_again():
    """Only a person word named nearly exactly hands the call off; "operater" alone is a
    near miss, which the navigation words accept but the person command does not."""
    menu = menu_with()
    missed = step(menu, CallState(node="card"), Input(speech="operater"))
    assert said(missed) == ["Sorry, I need the number as digits.", "Your card number?"]
    assert waits_at(missed, "card") and not missed.state.done
    asked = step(menu, CallState(node="card"), Input(speech="operator"))
    assert said(asked) == ["Connecting you."] and asked.state.done


def test_a_prompt_names_the_line_by_its_display_name_else_by_the_menus_name():
    nodes = {"bye": {"type": "hangup", "prompt": "Thanks for calling {{ line.name }}."},
             "agent": {"type": "queue", "queue": "general"}}
    for named, name in [({"display_name": "Riverside Clinic"}, "Riverside Clinic"),
                        ({}, "rules")]:
        menu = parse_menu({"name": "rules", "start": "bye", "nodes": nodes,
                           "settings": {"person": "agent", **named}})
        assert said(step(menu, CallState(), Start())) == [f"Thanks for calling {name}."]
