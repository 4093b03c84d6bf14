"""Form definitions: the seeded YAML forms and schema errors that name field and attribute."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.selfservice.forms import FormDefinitionError, load_form, load_forms, parse_form

SEEDED = {"start_service", "move_service", "report_outage", "pay_bill", "pay_bill_ko",
          "report_outage_ko", "request_appointment", "request_appointment_es"}


def minimal(**changes: Any) -> dict[str, Any]:
    """A valid form definition with one field changed."""
    field = {"name": "amount", "label": "Amount", "type": "money", **changes}
    return {"id": "demo", "title": "Demo", "fields": [{"name": "zip", "label": "ZIP"}, field],
            "confirmation": "Thanks {{ zip }}"}


def problems(data: Any) -> list[str]:
    with pytest.raises(FormDefinitionError) as failed:
        parse_form(data, "demo.yaml")
    return failed.value.problems


def test_seeded_forms_load() -> None:
    forms = load_forms()
    assert set(forms) == SEEDED
    for form in forms.values():
        assert form.title and form.confirmation and form.fields


def test_pay_bill_records_intent_only() -> None:
    form = load_forms()["pay_bill"]
    assert [field.name for field in form.fields] == ["amount", "method"]
    amount, method = form.fields
    assert (amount.type, amount.required, amount.min, amount.max) == ("money", True, 1, 10000)
    assert method.type == "select" and {c.value for c in method.choices} >= {"card", "bank"}


def test_move_service_offers_move_or_stop() -> None:
    action = load_forms()["move_service"].field("action")
    assert action is not None and [c.value for c in action.choices] == ["move", "stop"]


def test_json_forms_load_too(tmp_path: Path) -> None:
    (tmp_path / "demo.json").write_text(json.dumps(minimal()))
    assert load_forms(tmp_path)["demo"].fields[1].type == "money"


def test_id_must_match_file_name(tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text(json.dumps(minimal()))
    with pytest.raises(FormDefinitionError, match="must match the file name"):
        load_form(path)


def test_bad_yaml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "demo.yaml"
    path.write_text("id: [unclosed")
    with pytest.raises(FormDefinitionError, match="demo.yaml: not valid YAML"):
        load_form(path)


@pytest.mark.parametrize(("changes", "expected"), [
    ({"type": "colour"}, "field 'amount' type:"),
    ({"min": 10, "max": 5}, "field 'amount' max: must be at least min"),
    ({"type": "text", "min": 1}, "field 'amount' min: only money fields take min and max"),
    ({"pattern": "(unclosed"}, "field 'amount' pattern: not a valid regular expression"),
    ({"type": "select"}, "field 'amount' choices: a select field needs at least one choice"),
    ({"choices": ["a"]}, "field 'amount' choices: only select fields take choices"),
    ({"type": "select", "choices": ["a", "a"]}, "field 'amount' choices: choice values must"),
    ({"max_length": 0}, "field 'amount' max_length:"),
    ({"max_length": 10**6}, "field 'amount' max_length:"),
    ({"surprise": True}, "field 'amount' surprise: Extra inputs are not permitted"),
    ({"required_if": {"ghost": "x"}}, "fields: amount.required_if names unknown field"),
    ({"name": "Bad Name"}, "field 'Bad Name' name:"),
])
def test_field_errors_name_field_and_attribute(changes: dict[str, Any], expected: str) -> None:
    found = problems(minimal(**changes))
    assert any(problem.startswith("demo.yaml ") and expected in problem for problem in found), found


@pytest.mark.parametrize("name", ["card_number", "cvv", "card", "expiry_date", "cvc2_code",
                                  "security_code", "pan"])
def test_card_data_fields_are_refused(name: str) -> None:
    found = problems(minimal(name=name))
    assert any("must not collect card data" in problem for problem in found)


@pytest.mark.parametrize(("data", "expected"), [
    ({**minimal(), "fields": []}, "demo.yaml fields:"),
    ({**minimal(), "confirmation": "Hi {{ nobody }}"}, "unknown placeholders: nobody"),
    ({**minimal(), "id": "has space"}, "demo.yaml id:"),
    ({**minimal(), "title": ""}, "demo.yaml title:"),
    ({**minimal(), "fields": [{"name": "a", "label": "A"}, {"name": "a", "label": "B"}]},
     "duplicate field names: a"),
    ({k: v for k, v in minimal().items() if k != "confirmation"}, "demo.yaml confirmation:"),
    ("just a string", "demo.yaml:"),
])
def test_form_errors(data: Any, expected: str) -> None:
    assert any(expected in problem for problem in problems(data)), problems(data)


def test_choices_accept_strings_or_pairs() -> None:
    form = parse_form(minimal(type="select", choices=["yes", {"value": "n", "label": "No"}]))
    labels = [(c.value, c.label) for c in form.fields[1].choices]
    assert labels == [("yes", "yes"), ("n", "No")]


def test_definitions_are_immutable() -> None:
    form = parse_form(minimal())
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen error type varies
        form.title = "changed"  # type: ignore[misc]
