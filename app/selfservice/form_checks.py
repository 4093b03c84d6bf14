"""What each field type accepts: a submitted value cleaned, or the problem with it (a
catalogue message id and its parameters, said in the form's language)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from .form_schema import FormField

Problem = tuple[str, dict]  # a catalogue message id and its parameters
EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+")


def _problem(message: str, **params) -> tuple[str, dict]:
    """A message id of the catalogue and its parameters, said in the form's language."""
    return message, params



def _as_text(field: FormField, raw: str) -> tuple[str, Problem | None]:
    return raw, None


def _email(field: FormField, raw: str) -> tuple[str, Problem | None]:
    if not EMAIL.fullmatch(raw):
        return raw, _problem("Please enter an email address, like name@example.com.")
    local, domain = raw.rsplit("@", 1)
    return f"{local}@{domain.lower()}", None


def _tel(field: FormField, raw: str) -> tuple[str, Problem | None]:
    number = re.sub(r"[\s().-]", "", raw)
    if not re.fullmatch(r"\+?\d{7,15}", number):
        return raw, _problem("Please enter a phone number, like 555 123 4567.")
    return number, None


def _zip(field: FormField, raw: str) -> tuple[str, Problem | None]:
    code = raw.replace(" ", "")
    if not re.fullmatch(r"\d{5}(-\d{4})?", code):
        return raw, _problem("Please enter a 5-digit ZIP code.")
    return code, None


def _date(field: FormField, raw: str) -> tuple[str, Problem | None]:
    us = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", raw)
    try:
        if us:
            return date(int(us[3]), int(us[1]), int(us[2])).isoformat(), None
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            return date.fromisoformat(raw).isoformat(), None
    except ValueError:
        pass
    return raw, _problem("Please enter a date, like 2025-03-31.")


def _select(field: FormField, raw: str) -> tuple[str, Problem | None]:
    if raw not in {choice.value for choice in field.choices or []}:
        return raw, _problem("Please choose one of the options.")
    return raw, None


def _money(field: FormField, raw: str) -> tuple[str, Problem | None]:
    amount = re.sub(r"[\s$,]", "", raw)
    if not re.fullmatch(r"\d{1,9}(\.\d{1,2})?", amount):
        return raw, _problem("Please enter an amount in dollars, like 42.50.")
    value = Decimal(amount)
    if field.min is not None and value < field.min:
        return raw, _problem("The amount must be at least ${amount}.",
                             amount=_dollars(field.min))
    if field.max is not None and value > field.max:
        return raw, _problem("The amount can be at most ${amount}.",
                             amount=_dollars(field.max))
    return f"{value:.2f}", None


def _dollars(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def _account(field: FormField, raw: str) -> tuple[str, Problem | None]:
    number = re.sub(r"[\s-]", "", raw)
    if not number.isascii() or not number.isdigit():
        return raw, _problem("Please enter the account number using digits only.")
    return number, None


CHECKS: dict[str, Callable[[FormField, str], tuple[str, Problem | None]]] = {
    "text": _as_text, "textarea": _as_text, "email": _email, "tel": _tel, "zip": _zip,
    "date": _date, "select": _select, "money": _money, "account": _account,
}
