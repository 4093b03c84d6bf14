"""The schema of a mobile web form: one pydantic model, errors that name field and attribute."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

MAX_VALUE_CHARS = 5000  # global cap on any one value, whatever the form says
FieldType = Literal["text", "textarea", "email", "tel", "zip", "date", "select", "money",
                    "account"]
DEFAULT_MAX_LENGTH: dict[str, int] = {
    "text": 200, "textarea": 2000, "email": 254, "tel": 32, "zip": 10, "date": 10,
    "select": 100, "money": 16, "account": 32,
}
# Card data must never reach these forms (PCI scope): refuse fields that ask for it.
CARD_WORDS = {"card", "cardnumber", "pan", "cvv", "cvc", "cvv2", "cvc2", "csc", "expiry",
              "expiration", "exp", "securitycode", "ccnum", "cardholder"}
PLACEHOLDER = re.compile(r"\{\{\s*([a-z][a-z0-9_]*)\s*\}\}")
NAME = r"^[a-z][a-z0-9_]{0,39}$"
LINE = r"^[a-z0-9_\-]{1,60}$"  # a menu's name (app/flow/schema.py)


class Choice(BaseModel):
    """One option of a select field; a plain string means value and label are the same."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    value: str = Field(min_length=1, max_length=100)
    label: str = Field(min_length=1, max_length=200)

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, data: Any) -> Any:
        return {"value": data, "label": data} if isinstance(data, str) else data


class FormField(BaseModel):
    """One input on a form."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(pattern=NAME)
    label: str = Field(min_length=1, max_length=200)
    type: FieldType = "text"
    required: bool = False
    required_if: dict[str, str] | None = None  # {other_field: value}: required then
    max_length: int | None = Field(default=None, ge=1, le=MAX_VALUE_CHARS)
    min: Decimal | None = None
    max: Decimal | None = None
    pattern: str | None = None
    pattern_message: str | None = None
    choices: list[Choice] | None = Field(default=None, validate_default=True)
    help: str | None = None
    autocomplete: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9 -]{0,60}$")

    @field_validator("name")
    @classmethod
    def _no_card_data(cls, name: str) -> str:
        squashed = name.replace("_", "")
        if set(name.split("_")) & CARD_WORDS or {name, squashed} & CARD_WORDS:
            raise ValueError("forms must not collect card data")
        return name

    @field_validator("min", "max")
    @classmethod
    def _money_only(cls, value: Decimal | None, info: ValidationInfo) -> Decimal | None:
        if value is not None and info.data.get("type") != "money":
            raise ValueError("only money fields take min and max")
        low = info.data.get("min")
        if info.field_name == "max" and value is not None and low is not None and value < low:
            raise ValueError(f"must be at least min ({low})")
        return value

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression: {exc}") from None
        return pattern

    @field_validator("choices")
    @classmethod
    def _choices_for_select(cls, choices: list[Choice] | None,
                            info: ValidationInfo) -> list[Choice] | None:
        is_select = info.data.get("type") == "select"
        if is_select and not choices:
            raise ValueError("a select field needs at least one choice")
        if not is_select and choices is not None:
            raise ValueError("only select fields take choices")
        values = [choice.value for choice in choices or []]
        if len(values) != len(set(values)):
            raise ValueError("choice values must be unique")
        return choices

    @property
    def limit(self) -> int:
        """The most characters this field accepts."""
        return min(self.max_length or DEFAULT_MAX_LENGTH[self.type], MAX_VALUE_CHARS)

    def choice_label(self, value: str) -> str:
        """The label shown for a stored choice value (the value itself if unknown)."""
        return next((c.label for c in self.choices or [] if c.value == value), value)


class FormDef(BaseModel):
    """A whole form: what the caller sees and what we accept."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=NAME)
    title: str = Field(min_length=1, max_length=120)
    intro: str = ""
    fields: list[FormField] = Field(min_length=1, max_length=40)
    submit_label: str = Field(default="Send", min_length=1, max_length=60)
    confirmation: str = Field(min_length=1, max_length=2000)
    language: str = Field(default="en-US", pattern=r"^[a-z]{2}(-[A-Z]{2})?$")  # its page and texts
    # The line whose menus may text it; a shipped file without one is the first line's.
    line: str | None = Field(default=None, pattern=LINE)

    @field_validator("fields")
    @classmethod
    def _unique_names(cls, fields: list[FormField]) -> list[FormField]:
        names = [field.name for field in fields]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"duplicate field names: {', '.join(duplicates)}")
        for field in fields:
            for other in field.required_if or {}:
                if other not in names or other == field.name:
                    raise ValueError(f"{field.name}.required_if names unknown field {other!r}")
        return fields

    @field_validator("confirmation")
    @classmethod
    def _known_placeholders(cls, text: str, info: ValidationInfo) -> str:
        names = {field.name for field in info.data.get("fields") or []}
        unknown = sorted(set(PLACEHOLDER.findall(text)) - names)
        if unknown and "fields" in info.data:
            raise ValueError(f"unknown placeholders: {', '.join(unknown)}")
        return text

    def field(self, name: str) -> FormField | None:
        """The field with this name, if any."""
        return next((field for field in self.fields if field.name == name), None)
