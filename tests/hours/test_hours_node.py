"""The `hours` node in the pure engine: it asks for the facts as an effect, and goes to
`if_open` or `if_closed` with the next opening said in the branch's language."""

from __future__ import annotations

import copy
from datetime import datetime

import pytest

from app.flow.actions import CheckHours, HoursChecked, LookupDone, Say, Start
from app.flow.engine import step
from app.flow.state import CallState
from app.flow.validate import MenuInvalid, parse_menu

MENU = {
    "name": "clinic", "start": "check",
    "settings": {"person": "desk", "timezone": "America/Chicago"},
    "nodes": {
        "check": {"type": "hours", "queue": "front_desk", "if_open": "desk",
                  "if_closed": "closed"},
        "closed": {"type": "say", "prompt": "Closed. {{ hours.opens_again }}", "next": "desk"},
        "desk": {"type": "queue", "queue": "front_desk", "prompt": "Connecting you."},
    },
}
FRIDAY_EVENING = datetime(2026, 12, 4, 18, 0)
MONDAY_EIGHT = datetime(2026, 12, 7, 8, 0)


def started(menu=MENU):
    first = step(parse_menu(menu), CallState(), Start())
    return first


def test_the_node_asks_for_the_queues_hours_in_the_lines_timezone():
    first = started()
    assert first.actions == [CheckHours("front_desk", "America/Chicago")]
    assert first.state.node == "check"


def said(result) -> list[str]:
    return [a.text for a in result.actions if isinstance(a, Say)]


def test_closed_goes_to_if_closed_with_the_next_opening():
    first = started()
    result = step(parse_menu(MENU), first.state,
                  HoursChecked(False, FRIDAY_EVENING, MONDAY_EIGHT))
    assert said(result) == ["Closed. We open again on Monday at 8:00\u202fAM.", "Connecting you."]
    assert result.state.variables["hours"]["open"] is False
    assert [t.detail for t in result.trace if t.kind == "hours_checked"] == [
        {"queue": "front_desk", "open": False, "next_opening": "2026-12-07T08:00:00"}]


def test_open_goes_to_if_open():
    result = step(parse_menu(MENU), started().state, HoursChecked(True, FRIDAY_EVENING))
    assert said(result) == ["Connecting you."]


def test_a_spanish_branch_hears_the_opening_in_spanish():
    menu = copy.deepcopy(MENU)
    menu["nodes"]["check"]["language"] = "es-US"
    result = step(parse_menu(menu), started(menu).state,
                  HoursChecked(False, FRIDAY_EVENING, MONDAY_EIGHT))
    assert "Volvemos a abrir el lunes a las 8:00\u202fa.m." in said(result)[0]


def test_a_lookup_result_at_the_hours_node_is_ignored():
    first = started()
    result = step(parse_menu(MENU), first.state, LookupDone(ok=True, data={"x": 1}))
    assert result.state.node == "check" and "hours" not in result.state.variables
    assert any(t.kind == "ignored" for t in result.trace)


@pytest.mark.parametrize("change, field, says", [
    ({"if_closed": "nowhere"}, "if_closed", "nowhere"),
    ({"queue": "Front Desk"}, "queue", ""),
])
def test_the_validator_checks_the_nodes_links_and_queue(change, field, says):
    menu = copy.deepcopy(MENU)
    menu["nodes"]["check"].update(change)
    with pytest.raises(MenuInvalid) as refused:
        parse_menu(menu)
    assert any(e.node == "check" and e.field == field and says in e.message
               for e in refused.value.errors), refused.value.errors


def test_an_unknown_timezone_is_refused_naming_the_setting():
    menu = copy.deepcopy(MENU)
    menu["settings"]["timezone"] = "America/Chicgo"
    with pytest.raises(MenuInvalid) as refused:
        parse_menu(menu)
    assert any("timezone" in e.field and "unknown timezone 'America/Chicgo'" in e.message
               for e in refused.value.errors), refused.value.errors
