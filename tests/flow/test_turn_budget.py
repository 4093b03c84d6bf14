"""One turn's lookups and texts fit a budget (count and wall clock); when it runs out the
caller gets the node's error branch or a person, never a bare prompt and a dead line."""

from __future__ import annotations

import threading
import time
import uuid
import xml.etree.ElementTree as ET
from http.server import ThreadingHTTPServer

import pytest

from app import menus
from app.flow import budget
from app.flow.validate import MenuInvalid
from app.models import db
from tests.conftest import ProviderHandler

DIALLED = "+15005550123"


def chain(lookups: list[dict], *, last_error: str = "sorry") -> dict:
    """A menu whose start is a row of lookups, then a question."""
    nodes = {}
    for i, source in enumerate(lookups, 1):
        after = f"l{i + 1}" if i < len(lookups) else "ask"
        nodes[f"l{i}"] = {"type": "lookup", "params": {"account": "{{ caller.account }}"},
                          "result": f"r{i}", "found": after, "not_found": after,
                          "error": last_error if i == len(lookups) else "sorry", **source}
    nodes["sorry"] = {"type": "say", "prompt": "I can't look that up right now.",
                      "next": "ask"}
    nodes["ask"] = {"type": "menu", "prompt": "Press 1 for a person.",
                    "options": [{"key": "1", "intent": "a person", "go": "agent"}]}
    nodes["agent"] = {"type": "queue", "queue": "general", "prompt": "Connecting you."}
    return {"name": f"chain-{uuid.uuid4().hex[:8]}", "start": "l1", "nodes": nodes,
            "settings": {"person": "agent", "main_menu": "ask"}}


def publish(definition: dict) -> None:
    menus.save_version(definition, publish=True)
    menus.route_number(DIALLED, definition["name"])
    db.session.commit()


def call(signed) -> ET.Element:
    response = signed("/voice/incoming", {"CallSid": "CA" + uuid.uuid4().hex,
                                          "From": "+15551230001", "To": DIALLED})
    assert response.status_code == 200
    return ET.fromstring(response.get_data(as_text=True))


BUILT_IN = {"source": "account"}


def test_five_lookups_in_a_row_end_in_a_question(app, signed):
    publish(chain([BUILT_IN] * budget.MAX_EFFECTS_PER_TURN))
    gather = call(signed).find("Gather")
    assert gather is not None and gather.find("Say").text == "Press 1 for a person."


def test_the_validator_refuses_a_chain_longer_than_a_turn_names_its_first_node(app):
    with pytest.raises(MenuInvalid) as refused:
        publish(chain([BUILT_IN] * (budget.MAX_EFFECTS_PER_TURN + 1)))
    assert [(e.node, "6 lookups or texts" in e.message) for e in refused.value.errors] == [
        ("l1", True)]


def test_the_validator_refuses_lookups_whose_timeouts_exceed_the_turn(app):
    slow = {"http": {"url": "https://api.example.test/a", "timeout_s": 3}}
    with pytest.raises(MenuInvalid) as refused:
        publish(chain([BUILT_IN, slow, slow, slow]))
    assert [e.node for e in refused.value.errors] == ["l1"]
    assert "9 s" in refused.value.errors[0].message


class Slow(ProviderHandler):
    delay_s, seen = 0.8, []

    def do_GET(self):
        Slow.seen.append(self.path)
        time.sleep(self.delay_s)
        self.reply(200, {"balance": "12"})


@pytest.fixture
def slow_api(app):
    app.config["LOOKUP_ALLOW"] = "127.0.0.1"  # the SSRF guard's allow-list: a local stand-in
    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Slow.seen = []
    yield {"http": {"url": f"http://127.0.0.1:{server.server_port}/a", "timeout_s": 1.5,
                    "mapping": {"balance": "balance"}}}
    server.shutdown()
    server.server_close()


def test_when_the_turns_time_runs_out_the_error_branch_is_taken(app, signed, slow_api,
                                                               monkeypatch):
    publish(chain([slow_api, slow_api, slow_api]))
    monkeypatch.setattr(budget, "TURN_BUDGET_S", 1.0)  # one slow lookup spends it
    started = time.monotonic()
    response = call(signed)
    assert time.monotonic() - started < 1.6
    assert len(Slow.seen) == 1  # the first lookup ran; the second never started
    gather = response.find("Gather")
    assert [say.text for say in gather.iter("Say")] == ["I can't look that up right now.",
                                                        "Press 1 for a person."]


def test_an_error_branch_that_wants_more_lookups_gets_a_person(app, signed, slow_api,
                                                              monkeypatch):
    definition = chain([slow_api, slow_api], last_error="l3")
    definition["nodes"]["l3"] = {**definition["nodes"]["l1"], "source": "account",
                                 "http": None, "found": "ask", "not_found": "ask"}
    publish(definition)
    monkeypatch.setattr(budget, "TURN_BUDGET_S", 1.0)
    response = call(signed)
    assert response.find("Enqueue").text == "general"
    assert "Sorry" in " ".join(say.text for say in response.iter("Say"))


def test_the_chain_check_walks_thousands_of_say_nodes_and_finds_lookup_loops():
    """Pure: no app. A 3,000-node say chain must not hit the recursion limit."""
    from app.flow.validate import parse_menu

    definition = chain([BUILT_IN, BUILT_IN])
    definition["start"] = "s0"
    for i in range(3000):
        definition["nodes"][f"s{i}"] = {"type": "say", "prompt": f"Step {i}.",
                                        "next": f"s{i + 1}" if i < 2999 else "l1"}
    definition["nodes"]["l2"]["found"] = "l1"  # found: look it up again, and again
    with pytest.raises(MenuInvalid) as refused:
        parse_menu(definition, known_sources=["account"])
    [error] = refused.value.errors
    assert error.node == "l1" and "(l1 -> l2 -> l1)" in error.message
    definition["nodes"]["l2"]["found"] = "ask"
    parse_menu(definition, known_sources=["account"])  # valid once a question ends it


def test_the_test_call_panel_runs_turns_within_the_same_budget(app, slow_api, monkeypatch):
    """The panel shares the real calls' turn runner: the same budget, the same branch."""
    from app.admin.testcall import run_test_call

    definition = chain([slow_api, slow_api, slow_api])
    publish(definition)
    monkeypatch.setattr(budget, "TURN_BUDGET_S", 1.0)
    version = menus.version_for_number(DIALLED)
    result = run_test_call(menus.menu_of(version), [])
    assert len(Slow.seen) == 1  # the second lookup never started, as in a real call
    assert [line.text for line in result.lines if line.who == "IVR"] == [
        "I can't look that up right now.", "Press 1 for a person."]
