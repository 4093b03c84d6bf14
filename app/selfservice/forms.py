"""Mobile web forms defined as data: YAML files, submission checks, plain placeholders.

Forms ship as YAML (or JSON, same structure) in app/selfservice/forms/; operators create
and edit them in the app, where every save is a version in the database (`form_store`).
`forms()` is the one lookup of the forms in effect, for callers, texts and the menu
validator. Definitions are validated by the schema in `form_schema`; errors name the
form, the field and the attribute. Submitted values are trimmed and checked here; HTML
in them is kept as text (templates escape it).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import has_app_context
from pydantic import ValidationError

from .. import operator_yaml
from ..flow.phrases import phrases
from ..hold.models import FIRST_LINE
from . import form_store
from .form_checks import CHECKS, Problem, _problem
from .form_schema import MAX_VALUE_CHARS, PLACEHOLDER, Choice, FormDef, FormField

__all__ = ["FORMS_DIR", "Choice", "FormDef", "FormDefinitionError", "FormField", "LiveForm",
           "entered_values", "form_at", "form_files", "form_lines", "forms", "live_forms",
           "load_form", "load_forms", "on_line", "parse_form", "read_form", "render_confirmation",
           "shipped_forms", "validate_submission"]

log = logging.getLogger(__name__)

FORMS_DIR = Path(__file__).parent / "forms"
# Control characters (not tab/newline) never belong in a form value.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class FormDefinitionError(ValueError):
    """A form definition is invalid; `problems` lists "where: what" lines."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def parse_form(data: Any, source: str = "form") -> FormDef:
    """Validate a form definition (already parsed from YAML/JSON)."""
    try:
        return FormDef.model_validate(data)
    except ValidationError as exc:
        raise FormDefinitionError([_where(source, data, err) for err in exc.errors()]) from None


def read_form(text: str, key: str | None, source: str = "", key_is: str = "") -> FormDef:
    """Parse and validate form text (YAML or JSON); its id must be `key` (None: a new
    form, whose id is whatever it says)."""
    source = source or key or "new form"
    try:
        data = operator_yaml.load(text)
    except operator_yaml.YamlRefused as exc:
        raise FormDefinitionError([f"{source}: {exc}"]) from None
    form = parse_form(data, source)
    if key is not None and form.id != key:
        raise FormDefinitionError([f"{source}: id {form.id!r} must match "
                                   f"{key_is or repr(key)}"])
    return form


def load_form(path: Path) -> FormDef:
    """Read and validate one YAML/JSON form file; its id must match the file name. A file
    that names no line is the first line's (the forms shipped before lines)."""
    form = read_form(path.read_text(encoding="utf-8"), path.stem, path.name, "the file name")
    return form if form.line else on_line(form, FIRST_LINE)


def on_line(form: FormDef, line: str) -> FormDef:
    return form if form.line == line else form.model_copy(update={"line": line})


def form_lines(found: Mapping[str, FormDef]) -> dict[str, str | None]:
    """Each form's line, by id: what the menu validator checks an sms_link node against."""
    return {key: form.line for key, form in found.items()}


def form_files(directory: Path = FORMS_DIR) -> dict[str, Path]:
    """The *.yaml / *.yml / *.json forms in a directory, keyed by file stem (= form id)."""
    return {p.stem: p for p in sorted(directory.iterdir())
            if p.suffix in (".yaml", ".yml", ".json")}


def load_forms(directory: Path = FORMS_DIR) -> dict[str, FormDef]:
    """Load every form in a directory, keyed by id."""
    return {form.id: form for form in map(load_form, form_files(directory).values())}


@dataclass(frozen=True)
class LiveForm:
    """A form in effect and the saved version it comes from (None: the shipped file)."""

    form: FormDef
    version_id: str | None


def forms() -> dict[str, FormDef]:
    """The forms in effect now, by id: the one lookup for callers, texts and the menu
    validator. Without an app (validating files alone), the shipped files."""
    return {key: live.form for key, live in live_forms().items()}


def live_forms() -> dict[str, LiveForm]:
    """The shipped files, overridden by the versions saved in the app. The database says
    which version is in effect on every request, so a save reaches every worker at once;
    each version is parsed once per process (it never changes)."""
    shipped = {key: LiveForm(form, None) for key, form in shipped_forms().items()}
    if not has_app_context():
        return shipped
    live = dict(shipped)
    for key, (version_id, line) in form_store.heads().items():
        if (form := form_at(version_id)) is not None:
            live[key] = LiveForm(form, version_id)
        elif key in shipped:  # reverted: the file, on the line the form has in the app
            live[key] = LiveForm(on_line(shipped[key].form, line), None)
    return live


@lru_cache(maxsize=256)
def form_at(version_id: str) -> FormDef | None:
    """One saved version, parsed. None when it reverted to the shipped file or no longer
    validates (after an upgrade, say): the shipped form stays in effect rather than the
    form vanishing. A version not in the database raises LookupError (and is not cached)."""
    kept = form_store.version(version_id)
    if kept is None:
        raise LookupError(f"no form version {version_id}")
    if not kept.source:
        return None
    try:
        return on_line(read_form(kept.source, kept.key), kept.line)
    except FormDefinitionError as exc:
        log.error("saved form %s is invalid, using the shipped one: %s", kept.key, exc)
        return None


def shipped_forms(directory: Path = FORMS_DIR) -> dict[str, FormDef]:
    """The files, read again when one is added, changed or removed (a stat per file)."""
    return _files_read(directory, tuple((path.name, path.stat().st_mtime_ns)
                                        for path in form_files(directory).values()))


@lru_cache(maxsize=4)
def _files_read(directory: Path, _listing: tuple) -> dict[str, FormDef]:
    return load_forms(directory)


def render_confirmation(form: FormDef, clean: Mapping[str, str]) -> str:
    """Fill {{ field }} placeholders with submitted values: plain text, never evaluated."""
    def value(match: re.Match[str]) -> str:
        field = form.field(match.group(1))
        raw = clean.get(match.group(1), "")
        return field.choice_label(raw) if field and field.type == "select" else raw

    # One pass of re.sub: a value containing "{{ x }}" is not expanded again.
    return PLACEHOLDER.sub(value, form.confirmation)


def _where(source: str, data: Any, error: Mapping[str, Any]) -> str:
    """Turn a pydantic error location into "source: field 'amount' max: message"."""
    loc = list(error.get("loc", ()))
    parts = [source]
    if len(loc) >= 2 and loc[0] == "fields" and isinstance(loc[1], int):
        parts.append(f"field {_field_name(data, loc[1])!r}")
        loc = loc[2:]
    if loc:
        parts.append(".".join(str(part) for part in loc))
    message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    return f"{' '.join(parts)}: {message}"


def _field_name(data: Any, index: int) -> str:
    try:
        return str(data["fields"][index]["name"])
    except (KeyError, IndexError, TypeError):
        return f"#{index + 1}"


def validate_submission(form: FormDef,
                        data: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """Check submitted values: (clean values as strings, {field name: message}), the
    messages in the form's language."""
    clean, errors = _validate(form, data)
    return clean, {name: _in_language(form, problem) for name, problem in errors.items()}


def _in_language(form: FormDef, problem: str | tuple[str, dict]) -> str:
    """Our messages are catalogue ids (with parameters); an operator's own is kept as is."""
    if isinstance(problem, str):
        return problem
    message, params = problem
    return phrases(form.language).t(message, **params)


def _validate(form: FormDef, data: Mapping[str, str]) -> tuple[dict[str, str], dict]:
    clean: dict[str, str] = {}
    errors: dict = {}
    for field in form.fields:
        raw = _normalise(field, data.get(field.name))
        if len(raw) > field.limit:
            clean[field.name], errors[field.name] = "", _too_long(field)
            continue
        value, problem = (raw, None) if raw == "" else _check(field, raw)
        clean[field.name] = "" if problem else value
        if problem:
            errors[field.name] = problem
    for field in form.fields:
        if field.name not in errors and not clean[field.name] and _required(field, clean):
            errors[field.name] = _missing(field)
    return clean, errors


def entered_values(form: FormDef, data: Mapping[str, str]) -> dict[str, str]:
    """What the caller typed, for re-showing the form after errors (capped, not checked)."""
    return {field.name: _normalise(field, data.get(field.name))[:MAX_VALUE_CHARS]
            for field in form.fields}


def _normalise(field: FormField, value: object) -> str:
    """Trim, drop control characters, and keep line breaks only in textareas."""
    text = "" if value is None else str(value)
    if len(text) > 4 * MAX_VALUE_CHARS:
        text = text[: 4 * MAX_VALUE_CHARS]  # bound the work; still reported as too long
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    if field.type == "textarea":
        text = CONTROL.sub("", text)
        return "\n".join(line.rstrip() for line in text.strip().split("\n"))
    return " ".join(CONTROL.sub(" ", text).split())


def _check(field: FormField, raw: str) -> tuple[str, Problem | str | None]:
    """Type check, then the operator's pattern on the cleaned value (the operator's own
    message is plain text)."""
    problem: Problem | str | None
    value, problem = CHECKS[field.type](field, raw)
    if problem is None and field.pattern and not re.fullmatch(field.pattern, value):
        problem = field.pattern_message or _problem("Please check this and try again.")
    return value, problem


def _required(field: FormField, clean: Mapping[str, str]) -> bool:
    if field.required:
        return True
    return any(clean.get(other) == value for other, value in (field.required_if or {}).items())


def _missing(field: FormField) -> tuple[str, dict]:
    if field.type == "select":
        return _problem("Please choose an option.")
    if field.label.rstrip().endswith(("?", "？")):
        return _problem("Please answer this question.")
    return _problem("{label} is required.", label=field.label)


def _too_long(field: FormField) -> tuple[str, dict]:
    return _problem("Please use {limit} characters or fewer.", limit=field.limit)
