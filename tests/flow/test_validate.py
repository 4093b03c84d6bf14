"""Menu validation: every error names the node and field, and all are reported at once."""

from __future__ import annotations

import copy

import pytest

from app.flow.validate import MenuInvalid, parse_menu

BASE = {
    "name": "v",
    "start": "main",
    "settings": {"person": "agent"},
    "nodes": {
        "main": {"type": "menu", "prompt": "Press 1.",
                 "options": [{"key": "1", "phrases": ["one"], "go": "bye"}]},
        "bye": {"type": "hangup", "prompt": "Bye."},
        "agent": {"type": "queue", "queue": "general"},
    },
}


def errors_of(mutate) -> list[tuple]:
    menu = copy.deepcopy(BASE)
    mutate(menu)
    with pytest.raises(MenuInvalid) as info:
        parse_menu(menu)
    return [(e.node, e.field, e.message) for e in info.value.errors]


def test_the_base_menu_is_valid():
    assert parse_menu(BASE).start == "main"


def has(errors, node, field, words):
    assert any(n == node and f == field and words in m for n, f, m in errors), errors


def test_unknown_go_to():
    errors = errors_of(lambda m: m["nodes"]["main"]["options"][0].update(go="nowhere"))
    has(errors, "main", "options.0.go", "unknown node 'nowhere'")


def test_unreachable_node():
    errors = errors_of(lambda m: m["nodes"].update(lost={"type": "hangup", "prompt": "x"}))
    has(errors, "lost", "id", "unreachable")


def test_dead_end_menu_without_options():
    errors = errors_of(lambda m: m["nodes"]["main"].update(options=[]))
    has(errors, "main", "options", "dead end")


def test_say_loop_is_a_dead_end():
    def loop(m):
        m["start"] = "a"
        m["nodes"]["a"] = {"type": "say", "prompt": "A", "next": "b"}
        m["nodes"]["b"] = {"type": "say", "prompt": "B", "next": "a"}
    errors = errors_of(loop)
    has(errors, "a", "next", "loop")


def test_duplicate_keys_and_phrases():
    def dupes(m):
        m["nodes"]["main"]["options"].append({"key": "1", "phrases": ["One!"], "go": "bye"})
    errors = errors_of(dupes)
    has(errors, "main", "options.1.key", "duplicate key 1")
    has(errors, "main", "options.1.phrases", "duplicate phrase")


def test_reserved_key_for_person():
    errors = errors_of(lambda m: m["nodes"]["main"]["options"][0].update(key="0"))
    has(errors, "main", "options.0.key", "reserved for person")


def test_no_way_to_a_person():
    errors = errors_of(lambda m: m["settings"].update(person="bye"))
    has(errors, "bye", "settings.person", "no way to a person")


def test_bad_pattern():
    def bad(m):
        m["nodes"]["main"]["options"][0]["go"] = "ask"
        m["nodes"]["ask"] = {"type": "collect", "prompt": "Number?", "variable": "n",
                             "pattern": "([0-9", "next": "bye"}
    has(errors_of(bad), "ask", "pattern", "bad pattern")


@pytest.mark.parametrize("pattern", [r"([0-9])\1", r"(?=1)[0-9]+", r"(?<!0)[0-9]+"])
def test_a_pattern_re2_cannot_run_in_linear_time_is_refused(pattern):
    """Backreferences and lookaround can backtrack without bound: the operator is told."""
    def backtracking(m):
        m["nodes"]["main"]["options"][0]["go"] = "ask"
        m["nodes"]["ask"] = {"type": "collect", "prompt": "Number?", "variable": "n",
                             "pattern": pattern, "next": "bye"}
    has(errors_of(backtracking), "ask", "pattern", "bad pattern")


def test_missing_prompt_and_bad_placeholder():
    def broken(m):
        m["nodes"]["main"]["prompt"] = ""
        m["nodes"]["bye"]["prompt"] = "Bye {{ name"
    errors = errors_of(broken)
    has(errors, "main", "prompt", "missing prompt")
    has(errors, "bye", "prompt", "bad placeholder")


def test_unknown_node_type_is_named():
    errors = errors_of(lambda m: m["nodes"].update(x={"type": "python", "code": "1"}))
    has(errors, "x", "type", "unknown node type 'python'")


def test_schema_errors_name_the_field():
    errors = errors_of(lambda m: m["nodes"]["agent"].update(queue="Bad Queue!"))
    has(errors, "agent", "queue", "should match")


def test_all_errors_are_reported_together():
    def many(m):
        m["nodes"]["main"]["options"][0]["go"] = "nowhere"
        m["nodes"]["bye"]["prompt"] = ""
    assert len(errors_of(many)) >= 2


def test_unknown_lookup_source_when_sources_are_known():
    menu = copy.deepcopy(BASE)
    menu["nodes"]["main"]["options"][0]["go"] = "look"
    menu["nodes"]["look"] = {"type": "lookup", "source": "crystal_ball",
                             "found": "bye", "not_found": "bye"}
    with pytest.raises(MenuInvalid) as info:
        parse_menu(menu, known_sources={"account"})
    assert any(e.node == "look" and e.field == "source" for e in info.value.errors)


def test_say_loops_name_only_the_nodes_on_the_loop():
    def looping(m):
        m["nodes"]["main"]["options"][0]["go"] = "s1"
        m["nodes"]["s1"] = {"type": "say", "prompt": "One.", "next": "s2"}  # leads in
        m["nodes"]["s2"] = {"type": "say", "prompt": "Two.", "next": "s3"}
        m["nodes"]["s3"] = {"type": "say", "prompt": "Three.", "next": "s2"}
    looped = [node for node, _, message in errors_of(looping) if "loop without" in message]
    assert looped == ["s2", "s3"]
def test_an_example_given_to_two_options_is_refused():
    def mutate(menu):
        options = menu["nodes"]["main"]["options"]
        options[0]["examples"] = ["I want the first one"]
        options.append({"key": "2", "phrases": ["two"], "examples": ["I want the first one!"],
                        "go": "bye"})
    has(errors_of(mutate), "main", "options.1.examples", "duplicate example")


def test_a_speech_menu_option_with_nothing_to_say_is_refused():
    def mutate(menu):
        menu["nodes"]["main"]["options"].append({"key": "2", "go": "bye"})
    has(errors_of(mutate), "main", "options.1.examples", "no phrases or examples")


def test_an_option_may_have_examples_instead_of_phrases():
    menu = copy.deepcopy(BASE)
    menu["nodes"]["main"]["options"] = [
        {"key": "1", "examples": ["I'd like the first thing"], "go": "bye"}]
    assert parse_menu(menu).nodes["main"].options[0].examples == ["I'd like the first thing"]


def test_a_keys_only_menu_needs_no_phrases():
    menu = copy.deepcopy(BASE)
    menu["nodes"]["main"]["options"] = [{"key": "1", "go": "bye"}, {"key": "2", "go": "bye"}]
    assert len(parse_menu(menu).nodes["main"].options) == 2
