"""The `hours` node as a caller meets it: which branch an open or a closed queue takes,
what the closed branch says about opening again (or does not say, when nothing is
known), in the branch's language, and what the call's record keeps. Pure: the facts
arrive as the `HoursChecked` result the edge would send."""

from __future__ import annotations

import copy
from datetime import datetime

from app.flow.actions import CheckHours, HoursChecked, Say, Start
from app.flow.engine import step
from app.flow.state import CallState
from app.flow.validate import parse_menu

MENU = {
    "name": "clinic", "start": "check",
    "settings": {"person": "desk", "timezone": "America/Chicago"},
    "nodes": {
        "check": {"type": "hours", "queue": "front_desk", "if_open": "desk",
                  "if_closed": "closed"},
        "closed": {"type": "hangup", "prompt": "Closed. {{ hours.opens_again }}"},
        "desk": {"type": "queue", "queue": "front_desk", "prompt": "Connecting you."},
    },
}
FRIDAY_EVENING = datetime(2026, 12, 4, 18, 0)
MONDAY_EIGHT = datetime(2026, 12, 7, 8, 0)


def answered(facts: HoursChecked, menu=MENU):
    flow = parse_menu(menu)
    return step(flow, step(flow, CallState(), Start()).state, facts)


def said(result) -> list[str]:
    return [a.text for a in result.actions if isinstance(a, Say)]


def checked(result) -> list[dict]:
    return [t.detail for t in result.trace if t.kind == "hours_checked"]


def test_the_edge_is_asked_for_this_queues_hours_in_the_lines_timezone():
    first = step(parse_menu(MENU), CallState(), Start())
    assert first.actions == [CheckHours("front_desk", "America/Chicago")]


def test_an_open_queue_connects_the_caller_and_the_record_says_open():
    result = answered(HoursChecked(True, FRIDAY_EVENING))
    assert said(result) == ["Connecting you."]
    assert result.state.variables["hours"] == {"open": True, "opens_again": ""}
    assert checked(result) == [{"queue": "front_desk", "open": True, "next_opening": None}]


def test_a_closed_queue_says_when_it_opens_again():
    result = answered(HoursChecked(False, FRIDAY_EVENING, MONDAY_EIGHT))
    assert said(result) == ["Closed. We open again on Monday at 8:00\u202fAM."]
    assert result.state.variables["hours"] == {
        "open": False, "opens_again": "We open again on Monday at 8:00\u202fAM."}
    assert checked(result) == [
        {"queue": "front_desk", "open": False, "next_opening": "2026-12-07T08:00:00"}]


def test_closed_with_nothing_opening_within_a_year_says_only_closed():
    result = answered(HoursChecked(False, FRIDAY_EVENING, None))
    assert said(result) == ["Closed. "]
    assert result.state.variables["hours"]["opens_again"] == ""


def test_closed_without_the_time_now_names_no_opening_rather_than_failing():
    result = answered(HoursChecked(False, None, MONDAY_EIGHT))
    assert said(result) == ["Closed. "] and result.state.done


def test_an_open_queue_never_announces_an_opening_even_if_one_is_given():
    result = answered(HoursChecked(True, FRIDAY_EVENING, MONDAY_EIGHT))
    assert said(result) == ["Connecting you."]
    assert result.state.variables["hours"]["opens_again"] == ""


def test_the_opening_is_said_in_the_nodes_language():
    menu = copy.deepcopy(MENU)
    menu["nodes"]["check"]["language"] = "es-US"
    result = answered(HoursChecked(False, FRIDAY_EVENING, MONDAY_EIGHT), menu)
    assert result.state.variables["hours"]["opens_again"] == (
        "Volvemos a abrir el lunes a las 8:00\u202fa.m.")
