"""Conversation, not keyword spotting: yes/no/negation at every prompt, the words a prompt
suggests are accepted, the caller's first sentence carries forward, acknowledgements."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from app.flow.actions import Input, Say, Start
from app.flow.engine import step
from app.flow.state import CallState
from app.flow.validate import MenuInvalid, parse_menu, suggested_words
from app.models import Call, db
from app.simulator import press, say

DEMO = Path(__file__).parents[2] / "app/demo/menus/northwind.yaml"
MARIA = "+15551230001"
STRANGER = "+15559990000"


@pytest.fixture(scope="module")
def demo():
    return parse_menu(yaml.safe_load(DEMO.read_text()))


def heard(result) -> str:
    return " ".join(a.text for a in result.actions if isinstance(a, Say))


def kinds(result) -> list[str]:
    return [t.kind for t in result.trace]


def suggestions(menu):
    for node_id, node in menu.nodes.items():
        if node.type == "menu":
            language = node.language or menu.settings.language
            for text in (node.prompt, node.reprompt):
                for word in suggested_words(text or "", language):
                    yield node_id, word


def test_the_demo_suggests_words_everywhere_it_has_menus(demo):
    suggested = dict.fromkeys(node for node, _ in suggestions(demo))
    assert {"main", "pay_offer", "service", "anything_else", "ko_main"} <= set(suggested)


def test_every_word_a_demo_prompt_suggests_is_accepted_there(demo):
    for node_id, word in suggestions(demo):
        result = step(demo, CallState(node=node_id), Input(speech=word, confidence=0.9))
        assert not {"no_match", "confirm"} & set(kinds(result)), (node_id, word)


@pytest.mark.parametrize("said", ["service", "stop", "I want to cancel my service"])
def test_service_words_work_at_the_main_menu(demo, said):
    result = step(demo, step(demo, CallState(), Start()).state, Input(speech=said))
    assert "service" in [t.node for t in result.trace if t.kind == "entered"]


def test_a_reprompt_suggesting_a_word_no_option_takes_is_refused():
    menu = {"name": "s", "start": "main", "settings": {"person": "agent"}, "nodes": {
        "main": {"type": "menu", "prompt": "Say billing or press 1.",
                 "reprompt": "Say billing, or outage.",
                 "options": [{"key": "1", "phrases": ["billing"], "go": "agent"}]},
        "agent": {"type": "queue", "queue": "general"}}}
    with pytest.raises(MenuInvalid) as info:
        parse_menu(menu)
    [error] = info.value.errors
    assert (error.node, error.field) == ("main", "reprompt") and "'outage'" in error.message


# -- yes, no and negation ------------------------------------------------------------
def confirm_state(demo):
    """At the main menu, asked "Did you want help with billing?" (the recogniser was unsure
    of what it heard)."""
    said = Input(speech="billing", confidence=0.2)
    result = step(demo, CallState(node="main"), said)
    assert "Did you want help with billing?" in heard(result)
    return result.state


def test_no_not_billing_re_asks_without_counting_a_failure(demo):
    result = step(demo, confirm_state(demo), Input(speech="no, not billing"))
    assert "Okay, let's try again." in heard(result)
    assert result.state.node == "main" and result.state.attempts == 0
    assert "rejected" in kinds(result) and "no_match" not in kinds(result)


def test_no_with_a_fresh_answer_takes_the_fresh_answer(demo):
    result = step(demo, confirm_state(demo), Input(speech="no, I said outage"))
    assert result.state.node == "outage"


def test_rejections_alone_cannot_loop_forever(demo):
    state = confirm_state(demo)
    for _ in range(demo.settings.max_attempts + 1):
        result = step(demo, state, Input(speech="billing", confidence=0.2))
        result = step(demo, result.state, Input(speech="no"))
        state = result.state
    assert result.state.done and "escalate" in kinds(result)


SPANISH = {
    "name": "clinica", "start": "main",
    "settings": {"person": "agente", "language": "es-US", "voices": {"es-US": "Polly.Lupe"}},
    "nodes": {
        "main": {"type": "menu", "prompt": "Diga emergencia o cita.",
                 "options": [{"key": "1", "intent": "emergencia", "phrases": ["emergencia"],
                              "go": "agente"},
                             {"key": "2", "intent": "cita", "phrases": ["cita"],
                              "go": "agente"}]},
        "agente": {"type": "queue", "queue": "general", "prompt": "Le comunico."},
    },
}


@pytest.mark.parametrize("answer, chosen", [("sí", True), ("si, por favor", True),
                                            ("no", False)])
def test_spanish_confirm_is_asked_and_answered_in_spanish(answer, chosen):
    menu = parse_menu(SPANISH)
    unsure = step(menu, CallState(node="main"), Input(speech="emergencia", confidence=0.2))
    question = [a for a in unsure.actions if isinstance(a, Say)][-1]
    assert question.text == ("¿Quería ayuda con emergencia? Diga sí u oprima 1, o diga no "
                             "u oprima 2.")
    assert (question.language, question.voice) == ("es-US", "Polly.Lupe")
    result = step(menu, unsure.state, Input(speech=answer))
    assert ("match" in kinds(result)) is chosen
    if not chosen:
        assert "De acuerdo, intentemos de nuevo." in heard(result)


def test_korean_yes_answers_an_english_yes_option():
    menu = parse_menu({**SPANISH, "settings": {"person": "agente", "language": "ko-KR"},
                       "nodes": {**SPANISH["nodes"], "main": {
                           "type": "menu", "prompt": "1번 또는 2번을 누르세요.",
                           "options": [{"key": "1", "phrases": ["yes"], "go": "agente"},
                                       {"key": "2", "phrases": ["no"], "go": "bye"}]},
                           "bye": {"type": "hangup", "prompt": "안녕히 계세요."}}})
    assert step(menu, CallState(node="main"), Input(speech="아니요")).state.node == "bye"


# -- whole calls ---------------------------------------------------------------------
def call_row(t) -> Call:
    return db.session.scalar(select(Call).where(Call.call_sid == t.call_sid))


def test_no_at_anything_else_ends_politely(simulate):
    t = simulate([press("4"), press("104217"), press("1"), say("no")])
    assert t.said()[-1] == "Thanks for calling Northwind Energy. Goodbye."
    assert t.ended_by == "hangup" and "didn't catch" not in t.ivr_text


def test_no_after_the_balance_moves_on(simulate):
    t = simulate([press("1"), say("no thanks")], caller=MARIA)
    assert "Is there anything else I can help with?" in t.said()[-1]


def test_start_new_service_goes_straight_to_starting_service(simulate):
    t = simulate([say("I need to start new service")])
    assert "texted you a link to start service" in t.ivr_text
    assert "Do you want to start, stop, or move" not in t.ivr_text


def test_cancel_my_service_goes_straight_to_stopping_it(simulate):
    t = simulate([say("I want to cancel my service")])
    assert "texted you a link to stop or move your service" in t.ivr_text


def test_pay_my_bill_reads_the_balance_then_pays_without_asking_again(simulate):
    t = simulate([say("I want to pay my bill")], caller=MARIA)
    text = t.ivr_text
    assert text.index("Your balance is $84.12") < text.index("secure link to pay your bill")
    assert "To pay it now" not in text


def test_a_question_for_details_is_acknowledged_first(simulate):
    t = simulate([say("billing")], caller=STRANGER)
    assert "Sure, I can help with billing. Please say or key in your eight digit account" \
        in " ".join(t.said())


@pytest.mark.parametrize("node, said, goes", [("anything_else", "no", "goodbye"),
                                              ("anything_else", "yeah sure", "main"),
                                              ("pay_offer", "no thanks", "anything_else"),
                                              ("no_outage", "nope", "anything_else")])
def test_a_bare_yes_or_no_answers_the_demos_questions(demo, node, said, goes):
    result = step(demo, CallState(node=node), Input(speech=said))
    assert goes in [t.node for t in result.trace if t.kind == "entered"]
