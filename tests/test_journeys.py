"""Whole calls through the real webhooks, driven by the simulator as Twilio would."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from app.agents import service as agents
from app.demo import hold_seed
from app.models import Call, Message, db
from app.simulator import SILENCE, press, say

MARIA = "+15551230001"  # a demo customer: account 40000002, ZIP 94107 (known outage)
STRANGER = "+15559990000"
NUMBERS = pytest.mark.parametrize("number", ["+15005550006", "+15005550011"],
                                  ids=["northwind", "dental"])  # the two demo lines


def call_row(transcript) -> Call:
    return db.session.scalar(select(Call).where(Call.call_sid == transcript.call_sid))


@pytest.mark.parametrize("opening", [press("1"), say("I want to pay my bill"),
                                     say("how much do I owe"), say("billing")])
def test_billing_reads_a_known_callers_balance(simulate, opening):
    t = simulate([opening], caller=MARIA)
    assert "Your balance is $84.12" in t.ivr_text


def test_billing_for_a_stranger_collects_and_checks_the_account(simulate):
    t = simulate([press("1"), say("four zero zero zero zero zero one oh"), say("yes")],
                 caller=STRANGER)
    assert "eight digit account number" in t.ivr_text
    assert "I heard 4 0 0 0 0 0 1 0" in t.ivr_text
    assert "Your balance is $0.00" in t.ivr_text


def test_an_account_number_failing_its_check_digit_is_refused(simulate):
    t = simulate([press("1"), press("40000003")], caller=STRANGER)
    assert "doesn't look right" in t.ivr_text


def test_paying_texts_a_payment_link(simulate):
    t = simulate([say("pay my bill"), say("pay now")], caller=MARIA)
    assert "texted you a secure link to pay your bill" in t.ivr_text
    assert call_row(t).queue is None


@pytest.mark.parametrize("opening", [press("2"), say("my power is out"),
                                     say("the lights went out"), say("blackout")])
def test_outage_report_for_a_known_caller_finds_the_known_outage(simulate, opening):
    t = simulate([opening, say("report")], caller=MARIA)
    assert "known outage affecting Potrero Hill" in t.ivr_text


def test_outage_check_by_zip_with_no_outage_offers_to_report(simulate):
    t = simulate([say("power outage"), press("2"), press("10001"), press("1"), press("1")],
                 caller=STRANGER)
    assert "no reported outages for ZIP code 10001" in t.ivr_text
    assert "texted you a link to report the outage" in t.ivr_text


@pytest.mark.parametrize("opening, choice, words", [
    (press("3"), press("1"), "link to start service"),
    (say("I'm moving next month"), say("move"), "link to move your service"),
    (say("I need to stop my service"), say("stop"), "link to stop or move"),
    (say("start service at my new place"), say("start please"), "link to start service"),
])
def test_service_changes_are_texted_as_links(simulate, opening, choice, words):
    t = simulate([opening, choice], caller=MARIA)
    assert words in t.ivr_text
    assert "Is there anything else" in t.ivr_text


@pytest.mark.parametrize("opening", [press("4"), say("where is my service request"),
                                     say("checking on my repair ticket")])
def test_service_request_status_is_read_out(simulate, opening):
    t = simulate([opening, say("one oh four two one seven"), say("yes"), say("no")])
    assert "Your request to start service at 12 Elm Street is scheduled" in t.ivr_text
    assert t.ended_by == "hangup"
    assert call_row(t).outcome == "self_service"


def test_unknown_request_number_offers_another_try(simulate):
    t = simulate([press("4"), press("999999"), press("1"), press("1")])
    assert "couldn't find that request" in t.ivr_text
    assert t.ivr_text.count("six digit service request number") == 2


@NUMBERS
def test_silence_gets_different_reprompts_then_a_person(simulate, number):
    t = simulate([SILENCE, SILENCE, SILENCE], dialled=number)
    lines = t.said()
    assert any("didn't hear anything" in line for line in lines)
    assert any("still didn't hear you" in line for line in lines)
    assert t.ended_by == "queue"
    assert call_row(t).handoff_reason == "no input"


@NUMBERS
def test_nonsense_gets_reprompts_then_a_person(simulate, number):
    t = simulate([say("banana"), say("purple monkey"), say("weather in Paris")],
                 dialled=number)
    assert t.ended_by == "queue"
    assert call_row(t).handoff_reason == "kept failing to be understood"


# Paths to every node that waits for the caller, then the person command from there.
NODE_PATHS = {
    "main": [],
    "pay_offer": [press("1")],
    "outage": [press("2")],
    "outage_zip": [press("2"), press("2")],
    "service": [press("3")],
    "request_number": [press("4")],
    "request_unknown": [press("4"), press("999999"), press("1")],
    "anything_else": [press("4"), press("104217"), press("1")],
    "no_outage": [press("2"), press("2"), press("10001"), press("1")],
}


@pytest.mark.parametrize("node", NODE_PATHS)
@pytest.mark.parametrize("ask", [press("0"), say("representative"), say("agent please")])
def test_person_command_from_every_node(simulate, app, node, ask):
    t = simulate(NODE_PATHS[node] + [ask], caller=MARIA)
    call = call_row(t)
    assert call.state["history"][-1] == node or node == "main"
    assert t.ended_by == "queue"
    assert call.handoff_reason == "asked for a person"


def test_the_collect_confirm_question_also_lets_the_caller_out(simulate):
    t = simulate([press("4"), say("one oh four two one seven"), say("operator")])
    assert call_row(t).handoff_reason == "asked for a person"


def test_every_node_path_above_waits_where_expected(simulate, app):
    for node, path in NODE_PATHS.items():
        t = simulate(path, caller=MARIA)
        assert call_row(t).state["node"] == node, node


# --- two lines on one server: each caller meets their own line -------------------------
@dataclass(frozen=True)
class Line:
    """A demo line as its callers meet it."""

    number: str
    brand: str
    texted: list  # a path to a texted link, and the text's start
    text_starts: str
    person_queue: str  # where 0 goes: the line's own queue, or the shared general
    billing: list  # a path to the line's queue named `billing`
    billing_queue: str
    channels: tuple[str, ...]  # what the hold menu offers first
    quiz_digit: str
    questions: frozenset[str]


NORTHWIND = Line(
    "+15005550006", "Northwind Energy", [say("I need to start new service"), say("start")],
    "Northwind Energy: Start service: ", "general", [press("1"), press("40000044"), say("yes")],
    "northwind-main.billing", ("jazz", "classical music"), "5",
    frozenset(q for q, *_ in hold_seed.QUESTIONS))
DENTAL = Line(
    "+15005550011", "Brightsmile Dental", [say("I'd like to book an appointment")],
    "Brightsmile Dental: Request an appointment: ", "brightsmile-dental.front_desk",
    [press("2")], "brightsmile-dental.billing", ("calm music", "tips for healthy teeth"), "3",
    frozenset(q for q, *_ in hold_seed.DENTAL_QUESTIONS))
LINES = pytest.mark.parametrize("line, other", [(NORTHWIND, DENTAL), (DENTAL, NORTHWIND)],
                                ids=["northwind", "dental"])


@LINES
def test_each_line_greets_with_its_own_name(simulate, line, other):
    t = simulate([], dialled=line.number)
    assert t.said()[0] == f"Hello there, thanks for calling {line.brand}."
    assert other.brand not in t.ivr_text


@LINES
def test_each_lines_text_and_form_page_carry_its_own_name(simulate, client, line, other):
    t = simulate(line.texted, dialled=line.number)
    [text] = db.session.scalars(select(Message).where(Message.to_number == STRANGER)).all()
    assert text.body.startswith(line.text_starts) and other.brand not in text.body
    page = client.get(re.search(r"https://ivr\.example\.test(/s/\S+)", text.body).group(1))
    html = page.get_data(as_text=True)
    assert f'<p class="brand">{line.brand}</p>' in html and f" · {line.brand}</title>" in html
    assert other.brand not in html and "Holdline" not in html
    assert call_row(t).queue is None


@LINES
def test_a_person_waits_in_the_lines_queue_hearing_its_own_channels(simulate, line, other):
    t = simulate([press("0")], dialled=line.number)
    assert call_row(t).queue == line.person_queue
    menu = next(s for s in t.said() if s.startswith("While you wait"))
    assert all(f"For {name}, press" in menu for name in line.channels), menu
    assert not any(name in menu for name in other.channels)


@LINES
def test_each_lines_billing_queue_is_its_own(simulate, line, other):
    t = simulate(line.billing, dialled=line.number, stay_on_line=True)
    assert t.ended_by == "queue" and call_row(t).queue == line.billing_queue
    simulate(other.billing, dialled=other.number, stay_on_line=True)
    waiting = [w.call.to_number for w in agents.line([line.billing_queue])]
    assert waiting == [line.number]  # the other line's billing caller is not in this line


@LINES
def test_the_quiz_on_hold_asks_the_lines_own_questions(simulate, line, other):
    t = simulate([press("0"), press(line.quiz_digit), press("1")], dialled=line.number,
                 wait_loops=3)
    asked = [s.split(" Press 1 for ")[0] for s in t.said() if " Press 1 for " in s]
    assert len(asked) >= 2 and set(asked) <= line.questions, asked
    assert not set(asked) & other.questions
