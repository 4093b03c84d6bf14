"""Menu validation: every error names the node and field, and all are reported at once."""

from __future__ import annotations

import copy
from typing import Literal

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
    assert message_at(errors, "agent", "queue") == (
        "should use only a-z, 0-9, _ and - (1 to 40 characters), got 'Bad Queue!'")


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


# -- what an operator reads: where, what was wrong, and what is allowed there ------------
def message_at(errors, node, field) -> str:
    found = [m for n, f, m in errors if n == node and f == field]
    assert len(found) == 1, errors
    return found[0]


def test_an_unknown_field_lists_what_is_allowed_there_and_the_closest():
    def typo(m):
        m["nodes"]["main"]["optoins"] = m["nodes"]["main"].pop("options")
    errors = errors_of(typo)
    assert message_at(errors, "main", "optoins") == (
        "unknown field; allowed here: type, prompt, reprompt, options, no_input, no_match, "
        "recognizer, language (did you mean 'options'?)")
    assert message_at(errors, "main", "options") == (
        "required field 'options' is missing; a menu node needs: options")
    assert len(errors) == 2  # what main leads to is not called unreachable


def test_unknown_fields_of_an_option_and_of_the_settings_say_what_is_allowed():
    def typos(m):
        m["nodes"]["main"]["options"][0]["kee"] = m["nodes"]["main"]["options"][0].pop("key")
        m["settings"]["voise"] = "Polly.Joanna"
    errors = errors_of(typos)
    assert message_at(errors, "main", "options.0.kee") == (
        "unknown field; allowed here: key, intent, phrases, examples, go "
        "(did you mean 'key'?)")
    assert message_at(errors, None, "settings.voise").startswith(
        "unknown field; allowed here: display_name, shared_queues, person, person_for, "
        "main_menu, language, voice,")
    assert "(did you mean 'voice'?)" in message_at(errors, None, "settings.voise")


def test_a_far_off_field_gets_no_guess():
    errors = errors_of(lambda m: m["nodes"]["bye"].update(colour="blue"))
    message = message_at(errors, "bye", "colour")
    assert message.startswith("unknown field; allowed here: type, prompt, reprompt,")
    assert "did you mean" not in message


def test_a_value_not_allowed_lists_the_allowed_values():
    def wrong(m):
        m["settings"]["recognizer"] = "vosc"
        m["settings"]["globals"] = {"pesron": {"keys": ["0"]}}
    errors = errors_of(wrong)
    assert message_at(errors, None, "settings.recognizer") == (
        "unknown value 'vosc'; allowed: provider, vosk (did you mean 'vosk'?)")
    assert message_at(errors, None, "settings.globals.pesron") == (
        "unknown value 'pesron'; allowed: person, repeat, main_menu, back "
        "(did you mean 'person'?)")


def test_a_wrong_type_says_what_was_given():
    errors = errors_of(lambda m: m["settings"].update(max_attempts="lots"))
    message = message_at(errors, None, "settings.max_attempts")
    assert message.startswith("should be a valid integer") and message.endswith("got 'lots'")


def test_other_patterns_and_lengths_keep_pydantic_words_and_show_the_value():
    errors = errors_of(lambda m: m["nodes"]["bye"].update(language="english"))
    assert message_at(errors, "bye", "language") == (
        "string should match pattern '^[a-z]{2}(-[A-Z]{2})?$', got 'english'")


def test_a_menu_that_is_not_a_mapping_or_lacks_parts_says_what_it_needs():
    with pytest.raises(MenuInvalid) as info:
        parse_menu("just text")
    assert str(info.value) == ("field 'menu': should be a mapping (fields here: name, "
                               "description, start, settings, nodes), got 'just text'")
    errors = errors_of(lambda m: m.pop("start"))
    assert errors == [(None, "start", "required field 'start' is missing; required here: "
                                      "name, start, settings, nodes")]  # nothing "unreachable"


def test_a_node_that_is_not_a_mapping_lists_the_node_types():
    errors = errors_of(lambda m: m["nodes"].update(bye="Goodbye."))
    message = message_at(errors, "bye", "node")
    assert message.startswith("should be a node: a mapping with a type (node types: ")
    assert message.endswith("got 'Goodbye.'")


def test_an_unknown_node_type_lists_the_registered_ones_even_one_added_later():
    from app.flow import node_types
    from app.flow.nodes.say import SayNode, run

    class ChimeNode(SayNode):
        type: Literal["chime"]  # type: ignore[assignment]

    with node_types.registered(node_types.NodeType("chime", ChimeNode, run, links=("next",))):
        errors = errors_of(lambda m: m["nodes"]["bye"].update(type="chim"))
        message = message_at(errors, "bye", "type")
    assert message.startswith("unknown node type 'chim'; node types: ")
    listed = message.split("node types: ")[1].split(" (did you mean")[0].split(", ")
    assert set(listed) == {*node_types.names(), "chime"}
    assert message.endswith("(did you mean 'chime'?)")
    missing = message_at(errors_of(lambda m: m["nodes"]["bye"].pop("type")), "bye", "type")
    assert missing.startswith("missing: every node needs a type; node types: collect,")


def test_schema_errors_and_link_errors_of_the_other_nodes_come_together():
    """Fixing the schema errors first no longer uncovers the rest afterwards."""
    def both(m):
        m["nodes"]["agent"].pop("queue")  # schema: this node does not parse
        m["nodes"]["main"]["recognizer"] = "vosc"  # schema, but the rest of main is checked
        m["nodes"]["main"]["options"][0]["go"] = "agent"
        m["nodes"]["main"]["options"].append({"key": "2", "phrases": ["two"], "go": "nowhere"})
        m["nodes"]["main"]["options"].append({"key": "1", "phrases": ["three"], "go": "bye"})
        m["nodes"]["bye"]["prompt"] = ""
    errors = errors_of(both)
    assert message_at(errors, "agent", "queue").startswith("required field 'queue'")
    assert message_at(errors, "main", "recognizer").startswith("unknown value 'vosc'")
    assert message_at(errors, "main", "options.1.go") == "goes to unknown node 'nowhere'"
    assert message_at(errors, "main", "options.2.key").startswith("duplicate key 1")
    assert message_at(errors, "bye", "prompt") == "missing prompt"  # (reached via option 3)
    # The node that failed still exists and leads on: no false "unknown" or "unreachable".
    assert not [e for e in errors if "'agent'" in e[2] or "unreachable" in e[2]], errors


def test_nodes_behind_a_broken_node_are_not_called_unreachable():
    def behind(m):
        m["nodes"]["main"]["options"][0]["go"] = "ask"
        m["nodes"]["ask"] = {"type": "collect", "prompt": "Number?", "variable": "N!",
                             "next": "bye"}  # a schema error in a field it needs
    errors = errors_of(behind)
    assert [(n, f) for n, f, _ in errors] == [("ask", "variable")]


def test_broken_settings_still_let_the_nodes_be_checked():
    def both(m):
        m["settings"]["person"] = "no such place!"
        m["nodes"]["main"]["options"][0]["go"] = "nowhere"
    errors = errors_of(both)
    assert message_at(errors, None, "settings.person") == (
        "should use only A-Z, a-z, 0-9, _ and -, got 'no such place!'")
    assert message_at(errors, "main", "options.0.go") == "goes to unknown node 'nowhere'"
