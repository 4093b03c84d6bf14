"""Submitted values: trimming, limits, type checks, choices, patterns, required."""

from __future__ import annotations

from typing import Any

import pytest

from app.selfservice.form_schema import MAX_VALUE_CHARS
from app.selfservice.forms import (
    FormDef,
    entered_values,
    load_forms,
    parse_form,
    render_confirmation,
    validate_submission,
)


def one_field(**field: Any) -> FormDef:
    return parse_form({"id": "t", "title": "T", "confirmation": "ok",
                       "fields": [{"name": "value", "label": "Value", **field}]})


def check(value: str, **field: Any) -> tuple[str, str | None]:
    clean, errors = validate_submission(one_field(**field), {"value": value})
    return clean["value"], errors.get("value")


@pytest.mark.parametrize(("field", "raw", "clean"), [
    ({"type": "text"}, "  Ada   Lovelace \n", "Ada Lovelace"),
    ({"type": "text"}, "tab\there\x00", "tab here"),
    ({"type": "textarea"}, "  line one  \r\nline two\x07\n\n", "line one\nline two"),
    ({"type": "email"}, " Ada@Example.COM ", "Ada@example.com"),
    ({"type": "tel"}, "(555) 123-4567", "5551234567"),
    ({"type": "tel"}, "+44 20 7946 0958", "+442079460958"),
    ({"type": "zip"}, "90210", "90210"),
    ({"type": "zip"}, "90210-1234", "90210-1234"),
    ({"type": "date"}, "2025-03-31", "2025-03-31"),
    ({"type": "date"}, "3/31/2025", "2025-03-31"),
    ({"type": "select", "choices": ["a", "b"]}, "b", "b"),
    ({"type": "money"}, "$1,234.5", "1234.50"),
    ({"type": "money"}, "42", "42.00"),
    ({"type": "money", "min": 1, "max": 100}, "100.00", "100.00"),
    ({"type": "account"}, "1234 5678-90", "1234567890"),
    ({"type": "text", "pattern": "[A-Z]{2}\\d{3}"}, "AB123", "AB123"),
    ({"type": "account", "pattern": "\\d{6}"}, "123 456", "123456"),
    ({"type": "text"}, "", ""),
])
def test_valid_values_are_cleaned(field: dict[str, Any], raw: str, clean: str) -> None:
    assert check(raw, **field) == (clean, None)


@pytest.mark.parametrize(("field", "raw", "message"), [
    ({"type": "email"}, "not-an-email", "email address"),
    ({"type": "email"}, "a@b", "email address"),
    ({"type": "email"}, "a b@example.com", "email address"),
    ({"type": "tel"}, "call me", "phone number"),
    ({"type": "tel"}, "123", "phone number"),
    ({"type": "zip"}, "9021", "ZIP"),
    ({"type": "zip"}, "ABCDE", "ZIP"),
    ({"type": "date"}, "2025-02-30", "date"),
    ({"type": "date"}, "tomorrow", "date"),
    ({"type": "date"}, "13/01/2025", "date"),
    ({"type": "select", "choices": ["a", "b"]}, "c", "choose one"),
    ({"type": "select", "choices": ["a", "b"]}, "A", "choose one"),
    ({"type": "money"}, "ten dollars", "amount"),
    ({"type": "money"}, "-5", "amount"),
    ({"type": "money"}, "1.234", "amount"),
    ({"type": "money"}, "1e3", "amount"),
    ({"type": "money", "min": 1}, "0.50", "at least $1.00"),
    ({"type": "money", "max": 10000}, "10000.01", "at most $10,000.00"),
    ({"type": "account"}, "12AB", "digits only"),
    ({"type": "account"}, "١٢٣٤", "digits only"),
    ({"type": "text", "pattern": "[A-Z]{2}\\d{3}"}, "AB1234", "check this"),
    ({"type": "text", "pattern": "\\d+", "pattern_message": "Digits, please."}, "x", "Digits"),
    ({"type": "text", "max_length": 5}, "abcdef", "5 characters or fewer"),
    ({"type": "text"}, "x" * 201, "200 characters or fewer"),
    ({"type": "textarea", "max_length": 5000}, "x" * (MAX_VALUE_CHARS + 1), "5000 characters"),
])
def test_invalid_values_get_a_message(field: dict[str, Any], raw: str, message: str) -> None:
    clean, problem = check(raw, **field)
    assert clean == "" and problem is not None and message in problem


def test_huge_value_is_refused_cheaply() -> None:
    clean, problem = check("x" * 10_000_000, type="textarea")
    assert clean == "" and problem is not None and "characters or fewer" in problem


def test_limit_counts_after_trimming() -> None:
    assert check("   abcde   ", max_length=5) == ("abcde", None)


@pytest.mark.parametrize("field", [{"type": "text"}, {"type": "select", "choices": ["a"]},
                                   {"type": "money"}, {"type": "textarea", "label": "Why?"}])
def test_required(field: dict[str, Any]) -> None:
    clean, problem = check("   ", required=True, **field)
    assert clean == "" and problem is not None


def test_required_messages_read_well() -> None:
    assert check("", required=True, label="Full name")[1] == "Full name is required."
    assert check("", required=True, label="Anything else?")[1] == "Please answer this question."
    assert check("", required=True, type="select", choices=["a"])[1] == "Please choose an option."


def test_optional_empty_is_fine_and_missing_keys_are_empty() -> None:
    clean, errors = validate_submission(one_field(type="email"), {})
    assert clean == {"value": ""} and errors == {}


def test_html_is_kept_as_text() -> None:
    script = '<script>alert("x")</script> & <b>bold</b>'
    assert check(script, type="textarea") == (script, None)


def test_unknown_keys_are_ignored() -> None:
    clean, errors = validate_submission(one_field(), {"value": "a", "is_admin": "1"})
    assert clean == {"value": "a"} and errors == {}


def test_required_if_move() -> None:
    form = load_forms()["move_service"]
    base = {"account": "123456", "last_day": "2025-03-31", "phone": "555 123 4567"}
    _, errors = validate_submission(form, {**base, "action": "move"})
    assert set(errors) == {"new_address", "new_zip"}
    _, errors = validate_submission(form, {**base, "action": "stop"})
    assert errors == {}


def test_required_if_does_not_mask_a_type_error() -> None:
    form = load_forms()["move_service"]
    _, errors = validate_submission(form, {"action": "move", "new_zip": "abc"})
    assert "ZIP" in errors["new_zip"]


@pytest.mark.parametrize(("data", "bad"), [
    ({"amount": "25", "method": "card"}, set()),
    ({"amount": "0", "method": "card"}, {"amount"}),
    ({"amount": "25", "method": "bitcoin"}, {"method"}),
    ({}, {"amount", "method"}),
])
def test_pay_bill(data: dict[str, str], bad: set[str]) -> None:
    _, errors = validate_submission(load_forms()["pay_bill"], data)
    assert set(errors) == bad


def test_seeded_forms_accept_a_good_submission() -> None:
    good = {"full_name": "Ada", "service_address": "1 Main St", "zip": "90210",
            "start_date": "2025-04-01", "phone": "5551234567", "account": "123456",
            "action": "stop", "last_day": "2025-04-01", "problem": "no_power",
            "since": "just_now", "amount": "10", "method": "bank",
            "preferred_date": "2025-04-02", "visit": "checkup"}
    for form in load_forms().values():
        assert validate_submission(form, good)[1] == {}, form.id


def test_confirmation_substitutes_plain_text() -> None:
    form = load_forms()["pay_bill"]
    clean, _ = validate_submission(form, {"amount": "42.5", "method": "card"})
    text = render_confirmation(form, clean)
    assert "$42.50" in text and "Debit or credit card" in text and "{{" not in text


def test_confirmation_never_evaluates_or_re_expands() -> None:
    form = parse_form({"id": "t", "title": "T", "confirmation": "Hi {{ name }} / {{note}}",
                       "fields": [{"name": "name", "label": "Name"},
                                  {"name": "note", "label": "Note"}]})
    text = render_confirmation(form, {"name": "{{ note }} {{ 7*7 }} {% x %}", "note": "<b>"})
    assert text == "Hi {{ note }} {{ 7*7 }} {% x %} / <b>"


def test_entered_values_keep_what_was_typed() -> None:
    form = one_field(type="money")
    assert entered_values(form, {"value": "  ten dollars "}) == {"value": "ten dollars"}
    assert len(entered_values(form, {"value": "x" * 10**6})["value"]) == MAX_VALUE_CHARS
