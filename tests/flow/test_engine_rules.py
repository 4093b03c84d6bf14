"""The engine's rules as a caller meets them, each from both sides: confirm questions
answered "no", number checks, reprompts in order, escalation targets, lookups that find
nothing, going back, texted links, and every threshold at its edge."""

from __future__ import annotations

import copy

import pytest

from app.flow.actions import (
    Enqueue,
    Hangup,
    Input,
    LinkSent,
    Listen,
    Lookup,
    LookupDone,
    NoInput,
    Record,
    Say,
    SendLink,
    Start,
    Transfer,
)
from app.flow.engine import step
from app.flow.state import CallState
from app.flow.validate import parse_menu

NODES = {
    "main": {
        "type": "menu", "prompt": "Billing, cards or a text?", "reprompt": "Say billing.",
        "no_match": {"reprompts": ["First no-match.", "Second no-match."]},
        "no_input": {"reprompts": ["First silence.", "Second silence."], "then": "goodbye"},
        "options": [
            {"key": "1", "intent": "billing", "phrases": ["billing"], "go": "billing"},
            {"key": "2", "intent": "cards", "phrases": ["cards"], "go": "card"},
            {"key": "3", "intent": "a text", "phrases": ["text me"], "go": "text"},
        ],
    },
    "billing": {"type": "menu", "prompt": "Plans or payments?",
                "options": [{"key": "1", "phrases": ["plans"], "go": "plans"},
                            {"key": "2", "phrases": ["membership"], "go": "member"}]},
    "plans": {"type": "menu", "prompt": "Press 1 to hear your plan.",
              "options": [{"key": "1", "phrases": ["hear it"], "go": "goodbye"}]},
    "card": {"type": "collect", "prompt": "Your card number?", "variable": "card",
             "min_length": 16, "max_length": 16, "check_digit": "luhn", "next": "goodbye"},
    "member": {"type": "collect", "prompt": "Your member number?", "variable": "member",
               "min_length": 4, "max_length": 6, "pattern": "5[0-9]+", "confirm": False,
               "next": "find"},
    "find": {"type": "lookup", "source": "account", "params": {"n": "{{ member }}"},
             "result": "account", "found": "known", "not_found": "unknown"},
    "known": {"type": "say", "prompt": "Hello {{ account.name }}.", "next": "goodbye"},
    "unknown": {"type": "say", "prompt": "I couldn't find that member.", "next": "main"},
    "text": {"type": "sms_link", "form": "payment", "prompt": "We texted you the link.",
             "next": "goodbye"},
    "goodbye": {"type": "hangup", "prompt": "Goodbye."},
    "agent": {"type": "queue", "queue": "general", "prompt": "Connecting you."},
}


def menu_with(**settings):
    return parse_menu({"name": "rules", "start": "main", "nodes": copy.deepcopy(NODES),
                       "settings": {"person": "agent", "main_menu": "main", **settings}},
                      known_sources=["account"], known_forms=["payment"])


@pytest.fixture(scope="module")
def menu():
    return menu_with()


def said(result) -> list[str]:
    return [a.text for a in result.actions if isinstance(a, Say)]


def kinds(result) -> list[str]:
    return [t.kind for t in result.trace]


def waits_at(result, node: str) -> bool:
    listen = result.actions[-1]
    return isinstance(listen, Listen) and listen.node == node and result.state.node == node


def person(result, reason: str) -> bool:
    return result.actions[-1] == Enqueue("general", reason) and result.state.done


VALID_CARD, INVALID_CARD = "4111111111111111", "4111111111111112"  # Luhn: passes, fails


# -- confirm questions answered "no" ---------------------------------------------------
@pytest.mark.parametrize("max_attempts", [1, 3])
def test_no_to_every_read_back_ends_with_a_person_never_a_loop(max_attempts):
    menu = menu_with(max_attempts=max_attempts)
    state = CallState(node="card")
    for _ in range(max_attempts):
        asked = step(menu, state, Input(digits=VALID_CARD))
        assert "I heard 4 1 1 1" in " ".join(said(asked))
        again = step(menu, asked.state, Input(speech="no"))
        assert said(again)[0] == "Okay, let's try again." and waits_at(again, "card")
        state = again.state
    asked = step(menu, state, Input(digits=VALID_CARD))
    last = step(menu, asked.state, Input(speech="no"))
    assert person(last, "kept failing to be understood")
    assert "escalate" in kinds(last)


def test_yes_to_the_read_back_stores_the_number_and_moves_on(menu):
    asked = step(menu, CallState(node="card"), Input(digits=VALID_CARD))
    done = step(menu, asked.state, Input(digits="1"))
    assert done.state.variables["card"] == VALID_CARD
    assert isinstance(done.actions[-1], Hangup)


def test_a_no_that_names_another_option_is_taken_as_the_answer(menu):
    asked = step(menu, CallState(node="main"), Input(speech="billing", confidence=0.2))
    assert "Did you want help with billing?" in " ".join(said(asked))
    fresh = step(menu, asked.state, Input(speech="no, I said cards"))
    assert fresh.state.node == "card"


def test_an_answer_that_is_neither_yes_nor_no_is_taken_as_a_fresh_answer(menu):
    asked = step(menu, CallState(node="main"), Input(speech="billing", confidence=0.2))
    assert step(menu, asked.state, Input(speech="cards")).state.node == "card"


def test_a_no_with_more_words_at_a_read_back_asks_for_the_number_again(menu):
    asked = step(menu, CallState(node="card"), Input(digits=VALID_CARD))
    again = step(menu, asked.state, Input(speech="no that is wrong"))
    assert said(again)[0] == "Okay, let's try again." and waits_at(again, "card")


def test_a_confirmed_choice_carries_the_callers_words_to_the_next_menu(menu):
    asked = step(menu, CallState(node="main"), Input(speech="billing plans", confidence=0.2))
    assert "Did you want help with billing?" in " ".join(said(asked))
    assert waits_at(step(menu, asked.state, Input(speech="yes")), "plans")


@pytest.mark.parametrize("answer, node", [("아니요", "main"), ("네", "a")])
def test_a_confirm_question_is_answered_in_the_callers_language(answer, node):
    menu = words_menu(WORDS, WORDS[:9] + ["juliet"])
    asked = step(menu, CallState(node="main"), Input(speech=" ".join(WORDS)))
    assert asked.state.pending is not None
    answered = step(menu, asked.state, Input(speech=answer))
    assert answered.state.node == node and answered.state.pending is None


def test_a_one_digit_answer_is_asked_for_in_the_singular():
    nodes = copy.deepcopy(NODES)
    nodes["card"].update(min_length=1, max_length=1, check_digit=None)
    menu = parse_menu({"name": "one", "start": "main", "nodes": nodes,
                       "settings": {"person": "agent"}},
                      known_sources=["account"], known_forms=["payment"])
    assert said(step(menu, CallState(node="card"), Input(digits="12")))[0] == \
        "That number should have 1 digit."


def test_a_korean_question_for_a_number_says_what_is_wrong_in_korean():
    nodes = copy.deepcopy(NODES)
    nodes["card"]["language"] = "ko-KR"
    menu = parse_menu({"name": "ko", "start": "main", "nodes": nodes,
                       "settings": {"person": "agent"}},
                      known_sources=["account"], known_forms=["payment"])
    problem = said(step(menu, CallState(node="card"), Input(digits="4111")))[0]
    assert "16" in problem and "number" not in problem


# -- number checks, both ways ------------------------------------------------------------
def test_a_card_number_failing_the_luhn_check_is_refused_and_a_valid_one_read_back(menu):
    refused = step(menu, CallState(node="card"), Input(digits=INVALID_CARD))
    assert said(refused)[0] == "That number doesn't look right." and waits_at(refused, "card")
    accepted = step(menu, CallState(node="card"), Input(digits=VALID_CARD))
    assert accepted.state.pending == {"kind": "value", "value": VALID_CARD}


@pytest.mark.parametrize("value, lookup", [
    ("5123", True), ("512345", True), ("6123", False), ("51a3", False),
    ("512", False), ("5123456", False)])
def test_a_member_number_must_fit_the_pattern_and_the_length(menu, value, lookup):
    result = step(menu, CallState(node="member"), Input(digits=value))
    if lookup:
        assert result.actions[-1] == Lookup("account", {"n": value})
        assert result.state.variables["member"] == value
    else:
        assert waits_at(result, "member") and "member" not in result.state.variables


@pytest.mark.parametrize("value, problem", [
    ("6123", "That number doesn't look right."),
    ("512", "That number should have 4 to 6 digits."),
    ("5123456", "That number should have 4 to 6 digits.")])
def test_a_refused_number_says_why(menu, value, problem):
    assert said(step(menu, CallState(node="member"), Input(digits=value)))[0] == problem


def test_words_that_are_no_number_ask_for_digits(menu):
    result = step(menu, CallState(node="member"), Input(speech="I don't know it"))
    assert said(result)[0] == "Sorry, I need the number as digits."


def test_a_spoken_number_is_read_as_digits(menu):
    result = step(menu, CallState(node="member"), Input(speech="five one two three"))
    assert result.state.variables["member"] == "5123"


def test_an_exact_length_says_how_many_digits(menu):
    assert said(step(menu, CallState(node="card"), Input(digits="4111")))[0] == \
        "That number should have 16 digits."


# -- reprompts and escalation -----------------------------------------------------------
def test_no_match_reprompts_play_in_order_then_a_person(menu):
    state, leads = CallState(node="main"), []
    for _ in range(2):
        result = step(menu, state, Input(digits="9"))
        assert waits_at(result, "main") and said(result)[1] == "Say billing."
        leads.append(said(result)[0])
        state = result.state
    assert leads == ["First no-match.", "Second no-match."]
    assert person(step(menu, state, Input(digits="9")), "kept failing to be understood")


def test_silence_reprompts_play_in_order_then_the_escalation_target(menu):
    state, leads = CallState(node="main"), []
    for _ in range(2):
        result = step(menu, state, NoInput())
        leads.append(said(result)[0])
        state = result.state
    assert leads == ["First silence.", "Second silence."]
    final = step(menu, state, NoInput())
    assert said(final) == ["Goodbye."] and isinstance(final.actions[-1], Hangup)
    assert not any(isinstance(a, Enqueue) for a in final.actions)


def test_the_default_reprompts_play_in_order(menu):
    first = step(menu, CallState(node="billing"), NoInput())
    second = step(menu, first.state, NoInput())
    assert said(first)[0] == "Sorry, I didn't hear anything."
    assert said(second)[0].startswith("I still didn't hear you.")
    assert person(step(menu, second.state, NoInput()), "no input")


def test_a_single_reprompt_is_said_again_at_each_attempt():
    nodes = copy.deepcopy(NODES)
    nodes["main"]["no_match"] = {"reprompts": ["Only line."]}
    menu = parse_menu({"name": "one", "start": "main", "nodes": nodes,
                       "settings": {"person": "agent", "max_attempts": 4}},
                      known_sources=["account"], known_forms=["payment"])
    state, leads = CallState(node="main"), []
    for _ in range(3):
        result = step(menu, state, Input(digits="9"))
        leads.append(said(result)[0])
        state = result.state
    assert leads == ["Only line."] * 3


@pytest.mark.parametrize("max_attempts", [1, 2, 4])
def test_max_attempts_is_the_number_of_tries(max_attempts):
    menu, state = menu_with(max_attempts=max_attempts), CallState(node="billing")
    for _ in range(max_attempts - 1):
        state = step(menu, state, Input(digits="9")).state
        assert state.node == "billing" and not state.done
    assert person(step(menu, state, Input(digits="9")), "kept failing to be understood")


def test_a_good_answer_after_a_failure_starts_the_next_node_afresh(menu):
    failed = step(menu, CallState(node="main"), Input(digits="9"))
    assert failed.state.attempts == 1
    moved = step(menu, failed.state, Input(digits="1"))
    assert moved.state.node == "billing" and moved.state.attempts == 0


# -- lookups -----------------------------------------------------------------------------
def test_a_lookup_that_finds_the_member_greets_them(menu):
    state = step(menu, CallState(node="member"), Input(digits="5123")).state
    found = step(menu, state, LookupDone(ok=True, data={"name": "Ann"}))
    assert said(found)[0] == "Hello Ann." and found.state.variables["account"] == {"name": "Ann"}


@pytest.mark.parametrize("data", [None, {}])
def test_a_lookup_that_finds_nothing_takes_the_not_found_branch(menu, data):
    state = step(menu, CallState(node="member"), Input(digits="5123")).state
    missing = step(menu, state, LookupDone(ok=True, data=data))
    assert said(missing)[0] == "I couldn't find that member."
    assert waits_at(missing, "main") and missing.state.variables["account"] == {}


def test_a_lookup_result_where_none_was_asked_is_ignored_and_the_question_repeated(menu):
    result = step(menu, CallState(node="billing"), LookupDone(ok=True, data={"x": 1}))
    assert "ignored" in kinds(result) and waits_at(result, "billing")
    assert said(result) == ["Plans or payments?"]


# -- going back --------------------------------------------------------------------------
def deep(menu) -> CallState:
    state = step(menu, CallState(), Start()).state
    for key in ("1", "1"):
        state = step(menu, state, Input(digits=key)).state
    assert state.node == "plans"
    return state


def test_back_goes_one_menu_up_and_main_menu_to_the_top(menu):
    state = deep(menu)
    back = step(menu, state, Input(speech="go back"))
    assert waits_at(back, "billing")
    assert waits_at(step(menu, back.state, Input(speech="go back")), "main")
    assert waits_at(step(menu, state, Input(speech="main menu")), "main")


def test_after_main_menu_back_has_nowhere_left_but_the_main_menu(menu):
    top = step(menu, deep(menu), Input(speech="main menu"))
    assert top.state.history == []
    assert waits_at(step(menu, top.state, Input(speech="go back")), "main")


def test_repeat_says_the_question_again_without_counting_a_failure(menu):
    again = step(menu, CallState(node="billing"), Input(digits="*"))
    assert said(again) == ["Plans or payments?"] and again.state.attempts == 0
    assert waits_at(again, "billing")


# -- texted links ------------------------------------------------------------------------
def test_a_texted_link_is_sent_then_said_then_the_call_moves_on(menu):
    asked = step(menu, CallState(node="main"), Input(digits="3"))
    assert asked.actions[-1] == SendLink("payment")
    sent = step(menu, asked.state, LinkSent(ok=True))
    assert said(sent) == ["We texted you the link.", "Goodbye."]
    assert sent.state.variables["link_sent"] == "payment" and "link_sent" in kinds(sent)


@pytest.mark.parametrize("error, apology", [
    ("rate limited", "We've already texted you several links in the last hour."),
    ("provider down", "Sorry, I couldn't send the text message right now.")])
def test_a_link_that_could_not_be_sent_gets_an_apology_and_a_person(menu, error, apology):
    asked = step(menu, CallState(node="main"), Input(digits="3"))
    failed = step(menu, asked.state, LinkSent(ok=False, error=error))
    assert said(failed)[0] == apology and person(failed, "self-service could not help")
    assert "link_sent" not in failed.state.variables


def test_a_link_result_where_none_was_sent_is_ignored(menu):
    result = step(menu, CallState(node="billing"), LinkSent(ok=True))
    assert "ignored" in kinds(result) and waits_at(result, "billing")


# -- the caller's state is theirs --------------------------------------------------------
@pytest.mark.parametrize("event", [Input(digits="1"), Input(speech="billing"), NoInput(),
                                   Input(digits="0"), Input(speech="main menu")])
def test_step_never_changes_the_state_it_was_given(menu, event):
    state = CallState(node="billing", history=["main"], variables={"caller": {"a": 1}},
                      carry={"speech": "billing", "label": "billing"})
    before = copy.deepcopy(state)
    result = step(menu, state, event)
    assert state == before and result.state is not state
    assert result.state.turn == state.turn + 1


def test_a_call_that_has_ended_ignores_more_input(menu):
    done = step(menu, CallState(node="billing"), Input(digits="0")).state
    result = step(menu, done, Input(digits="1"))
    assert result.actions == [] and kinds(result) == ["ignored"]


# -- thresholds at their edges -----------------------------------------------------------
@pytest.mark.parametrize("confidence, outcome", [(0.35, "match"), (0.34, "confirm"),
                                                 (None, "match")])
def test_recogniser_confidence_below_0_35_asks_first(menu, confidence, outcome):
    result = step(menu, CallState(node="main"), Input(speech="billing", confidence=confidence))
    assert outcome in kinds(result)


WORDS = "alpha bravo charlie delta echo foxtrot golf hotel india".split()


def words_menu(first: list[str], second: list[str], **settings):
    """A menu in a language matched by words only, so scores are exact shares of words."""
    return parse_menu({
        "name": "words", "start": "main",
        "settings": {"person": "agent", "language": "ko-KR", **settings},
        "nodes": {
            "main": {"type": "menu", "prompt": "Choose.",
                     "options": [{"key": "1", "phrases": [" ".join(first)], "go": "a"},
                                 {"key": "2", "phrases": [" ".join(second)], "go": "b"}]},
            "a": {"type": "hangup", "prompt": "A."}, "b": {"type": "hangup", "prompt": "B."},
            "agent": {"type": "queue", "queue": "general"},
        }})


def outcome(menu, speech: str) -> str:
    result = step(menu, CallState(node="main"), Input(speech=speech, confidence=0.9))
    found = [k for k in kinds(result) if k in ("match", "confirm", "no_match")]
    return found[0] if found else "none"


@pytest.mark.parametrize("accept, expected", [(0.75, "match"), (0.76, "confirm")])
def test_accept_threshold_at_its_edge(accept, expected):
    menu = words_menu(WORDS[:4], ["zulu"], accept_threshold=accept)
    assert outcome(menu, " ".join(WORDS[:3])) == expected  # three of four words: 0.75


@pytest.mark.parametrize("confirm, expected", [(0.75, "confirm"), (0.76, "no_match")])
def test_confirm_threshold_at_its_edge(confirm, expected):
    menu = words_menu(WORDS[:4], ["zulu"], accept_threshold=0.9, confirm_threshold=confirm)
    assert outcome(menu, " ".join(WORDS[:3])) == expected


@pytest.mark.parametrize("runner_up, expected", [
    (WORDS[:8] + ["juliet"], "match"),  # 8 of 9 words: 0.11 behind the winner
    (WORDS[:9] + ["juliet"], "confirm"),  # 9 of 10 words: 0.1 behind, not clearly
])
def test_a_clear_winner_needs_a_lead_of_the_margin(runner_up, expected):
    menu = words_menu(WORDS, runner_up)
    assert outcome(menu, " ".join(WORDS)) == expected


def test_a_confirmed_guess_goes_where_it_asked_about():
    menu = words_menu(WORDS, WORDS[:9] + ["juliet"])
    asked = step(menu, CallState(node="main"), Input(speech=" ".join(WORDS)))
    assert step(menu, asked.state, Input(digits="1")).state.node == "a"


# -- the call's other paths --------------------------------------------------------------
PATHS = {
    "hello": {"type": "say", "prompt": "Welcome.", "next": "main"},
    "main": {"type": "menu", "prompt": "Billing or a message?",
             "options": [{"key": "1", "intent": "billing", "phrases": ["billing"],
                          "go": "acct"},
                         {"key": "2", "intent": "a message", "phrases": ["message"],
                          "go": "message"},
                         {"key": "3", "phrases": ["transfer"], "go": "out"},
                         {"key": "4", "phrases": ["korean"], "go": "ko_main"},
                         {"key": "5", "phrases": ["yes"], "go": "out"},
                         {"key": "6", "phrases": ["lookup"], "go": "find"}]},
    "acct": {"type": "collect", "prompt": "Your account number?", "variable": "acct",
             "input": "digits", "min_length": 4, "max_length": 8, "recognizer": "vosk",
             "next": "main"},
    "find": {"type": "lookup", "source": "account", "params": {}, "result": "account",
             "found": "main", "not_found": "main", "error": "sorry"},
    "sorry": {"type": "say", "prompt": "That didn't work.", "next": "main"},
    "message": {"type": "voicemail", "queue": "billing", "max_length_s": 60,
                "prompt": "Leave a message after the beep."},
    "out": {"type": "transfer", "number": "+15551234567", "prompt": "Transferring you."},
    "ko_main": {"type": "menu", "language": "ko-KR", "prompt": "요금은 1번.",
                "options": [{"key": "1", "phrases": ["요금"], "go": "ko_agent"}]},
    "ko_agent": {"type": "queue", "queue": "korean", "language": "ko-KR", "prompt": "연결합니다."},
    "agent": {"type": "queue", "queue": "general", "reason": "wants a person",
              "prompt": "Connecting you."},
}


@pytest.fixture(scope="module")
def paths():
    return parse_menu({"name": "paths", "start": "hello", "nodes": copy.deepcopy(PATHS),
                       "settings": {"person": "agent", "person_for": {"ko-KR": "ko_agent"},
                                    "voices": {"ko-KR": "Polly.Seoyeon"},
                                    "input_timeout_s": 7}},
                      known_sources=["account"])


def test_a_returning_caller_with_an_open_link_hears_of_it_once_after_the_greeting(paths):
    first = step(paths, CallState(), Start({"open_link": "start service"}))
    assert said(first)[:2] == ["Welcome.", "We texted you a link to start service earlier. "
                               "If you need help with it, say agent or press 0."]
    assert said(step(paths, first.state, Input(digits="9")))[0] != said(first)[1]
    assert said(step(paths, CallState(), Start({"open_link": "start service",
                                                "open_link_unheard": False}))) == \
        ["Welcome.", "Billing or a message?"]


def test_the_operators_own_open_link_notice_is_said_instead():
    menu = parse_menu({"name": "p", "start": "hello", "nodes": copy.deepcopy(PATHS),
                       "settings": {"person": "agent", "open_link_prompt": "Your form waits."}},
                      known_sources=["account"])
    assert said(step(menu, CallState(), Start({"open_link": "x"})))[1] == "Your form waits."


def test_asking_for_a_person_with_a_form_open_says_self_service_could_not_help(paths):
    state = step(paths, CallState(), Start({"open_link": "start service"})).state
    result = step(paths, state, Input(digits="0"))
    assert result.actions[-1] == Enqueue("general", "self-service could not help")
    assert said(result) == ["Connecting you."]


def test_a_person_asked_for_hears_no_hand_off_line_a_stuck_caller_does(paths):
    asked = step(paths, CallState(node="main"), Input(speech="agent"))
    assert asked.actions[-1] == Enqueue("general", "asked for a person")
    assert said(asked) == ["Connecting you."]
    state = CallState(node="main")
    for _ in range(3):
        stuck = step(paths, state, Input(digits="9"))
        state = stuck.state
    assert said(stuck) == ["Let me get you to someone who can help.", "Connecting you."]


def test_the_queue_nodes_own_reason_when_the_caller_chose_it(paths):
    nodes = copy.deepcopy(PATHS)
    nodes["main"]["options"][2]["go"] = "agent"
    menu = parse_menu({"name": "p", "start": "hello", "nodes": nodes,
                       "settings": {"person": "agent"}}, known_sources=["account"])
    assert step(menu, CallState(node="main"), Input(digits="3")).actions[-1] == \
        Enqueue("general", "wants a person")


def test_a_choice_followed_by_a_question_is_acknowledged_first(paths):
    result = step(paths, CallState(node="main"), Input(speech="billing"))
    assert said(result) == ["Sure, I can help with billing.", "Your account number?"]
    assert said(step(paths, CallState(node="main"), Input(digits="1")))[0] == \
        "Sure, I can help with billing."


def test_listening_for_digits_says_how_many_and_with_which_recogniser(paths):
    listen = step(paths, CallState(node="main"), Input(digits="1")).actions[-1]
    assert listen == Listen(node="acct", hints=listen.hints, numeric=True, max_digits=8,
                            timeout_s=7, language="en-US", recognizer="vosk")
    menu_listen = step(paths, CallState(), Start()).actions[-1]
    assert not menu_listen.numeric and menu_listen.max_digits is None
    assert menu_listen.recognizer == "provider"
    assert {"billing", "message", "agent", "main menu", "go back"} <= set(menu_listen.hints)
    assert len(menu_listen.hints) == len(set(menu_listen.hints))


def test_a_voicemail_node_records_for_its_queue(paths):
    result = step(paths, CallState(node="main"), Input(digits="2"))
    assert said(result) == ["Leave a message after the beep."]
    assert result.actions[-1] == Record("billing", 60, "en-US", None) and result.state.done


def test_a_transfer_node_transfers_and_ends(paths):
    result = step(paths, CallState(node="main"), Input(digits="3"))
    assert result.actions[-1] == Transfer("+15551234567") and result.state.done


def test_a_yes_answers_the_option_whose_phrase_is_yes(paths):
    assert isinstance(step(paths, CallState(node="main"), Input(speech="yeah")).actions[-1],
                      Transfer)


def test_a_branch_in_another_language_speaks_it_and_reaches_its_own_person(paths):
    entered = step(paths, CallState(node="main"), Input(digits="4"))
    assert entered.actions[-2] == Say("요금은 1번.", "ko-KR", "Polly.Seoyeon")
    assert entered.actions[-1].language == "ko-KR"
    person_ko = step(paths, entered.state, Input(digits="0"))
    assert person_ko.actions[-1] == Enqueue("korean", "asked for a person")


def test_a_lookup_error_takes_the_error_branch_when_there_is_one(paths):
    state = step(paths, CallState(node="main"), Input(digits="6")).state
    failed = step(paths, state, LookupDone(ok=False, error="Timeout"))
    assert said(failed)[0] == "That didn't work." and failed.state.node == "main"
    assert not failed.state.done


def test_input_while_a_lookup_runs_is_not_understood(paths):
    state = step(paths, CallState(node="main"), Input(digits="6")).state
    result = step(paths, state, Input(speech="hello?"))
    assert result.state.attempts == 1 and result.state.node == "find"


def test_repeat_during_a_confirm_question_asks_it_again(menu):
    asked = step(menu, CallState(node="main"), Input(speech="billing", confidence=0.2))
    again = step(menu, asked.state, Input(digits="*"))
    assert said(again) == said(asked) and again.state.pending == asked.state.pending


def test_say_nodes_that_loop_get_an_apology_and_a_person():
    from app.flow.schema import Menu

    menu = Menu.model_validate({
        "name": "loop", "start": "a", "settings": {"person": "agent"},
        "nodes": {"a": {"type": "say", "prompt": "A.", "next": "b"},
                  "b": {"type": "say", "prompt": "B.", "next": "a"},
                  "agent": {"type": "queue", "queue": "general"}}})
    result = step(menu, CallState(), Start())
    assert result.actions[-1] == Enqueue("general", "the menu could not continue")
    assert "Sorry, something went wrong on our side." in said(result)
    assert len(said(result)) < 30


def test_history_keeps_the_last_ten_nodes_and_back_walks_it(menu):
    state = CallState(node="main")
    for _ in range(3):  # main -> billing -> member -> find -> unknown -> main
        for event in (Input(digits="1"), Input(digits="2"), Input(digits="5123"),
                      LookupDone(ok=True, data=None)):
            state = step(menu, state, event).state
    assert len(state.history) == 10 and state.history[-2:] == ["member", "find"]
    assert step(menu, state, Input(speech="go back")).state.history == state.history[:-1]


def test_a_lead_of_exactly_the_margin_is_a_clear_winner():
    first = ["alpha", "kilo", "lima", "mike", "november"]  # one of five words: 0.2
    second = ["zulu", "oscar", "papa", "quebec", "romeo", "sierra", "tango", "uniform",
              "victor", "whiskey"]  # one of ten: 0.1, exactly the margin behind
    menu = words_menu(first, second, accept_threshold=0.2, confirm_threshold=0.1)
    assert outcome(menu, "alpha zulu") == "match"


def test_the_chosen_option_is_remembered_for_the_agent(menu):
    result = step(menu, CallState(node="main"), Input(digits="1"))
    assert result.state.variables["last_intent"] == "billing"


def test_a_confirm_question_waits_at_its_node(menu):
    asked = step(menu, CallState(node="main"), Input(speech="billing", confidence=0.2))
    assert waits_at(asked, "main")


def test_system_phrases_in_a_korean_branch_are_korean(paths):
    entered = step(paths, CallState(node="main"), Input(digits="4"))
    silence = step(paths, entered.state, NoInput())
    assert said(silence)[0] not in ("Sorry, I didn't hear anything.", "")
    nodes = copy.deepcopy(NODES)
    nodes["member"]["language"] = "ko-KR"
    menu = parse_menu({"name": "ko", "start": "main", "nodes": nodes,
                       "settings": {"person": "agent"}},
                      known_sources=["account"], known_forms=["payment"])
    problem = said(step(menu, CallState(node="member"), Input(digits="512")))[0]
    assert "4" in problem and "digits" not in problem


def test_a_korean_yes_picks_the_option_whose_phrase_is_a_korean_yes():
    menu = parse_menu({
        "name": "ko-yes", "start": "main", "settings": {"person": "agent", "language": "ko-KR"},
        "nodes": {"main": {"type": "menu", "prompt": "더 필요하신 것이 있나요?",
                           "options": [{"key": "1", "phrases": ["예"], "go": "more"},
                                       {"key": "2", "phrases": ["아니요"], "go": "bye"}]},
                  "more": {"type": "hangup", "prompt": "네."},
                  "bye": {"type": "hangup", "prompt": "안녕히 계세요."},
                  "agent": {"type": "queue", "queue": "general"}}})
    assert step(menu, CallState(node="main"), Input(speech="네")).state.node == "more"


def test_a_person_asked_for_in_other_words_is_understood_by_meaning(menu):
    result = step(menu, CallState(node="main"),
                  Input(speech="put me through to a member of staff", confidence=0.9))
    assert person(result, "asked for a person")


def test_a_spoken_choice_carries_its_words_to_the_next_menu(menu):
    assert waits_at(step(menu, CallState(node="main"),
                         Input(speech="billing plans", confidence=0.9)), "plans")


def test_the_score_of_a_spoken_choice_is_kept_to_three_places():
    menu = words_menu(WORDS[:3], ["zulu"], accept_threshold=0.6)
    result = step(menu, CallState(node="main"), Input(speech=" ".join(WORDS[:2])))
    [match] = [t for t in result.trace if t.kind == "match"]
    assert match.detail["score"] == 0.667
