"""Self-service templates rendered with a bare Jinja environment, autoescaping as Flask does."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from app.flow.phrases import phrases
from app.selfservice.forms import (
    FormDef,
    entered_values,
    load_forms,
    parse_form,
    render_confirmation,
    validate_submission,
)

TEMPLATES = Path(__file__).parents[2] / "app" / "selfservice" / "templates"
CSS = Path(__file__).parents[2] / "app" / "selfservice" / "static" / "selfservice.css"
SCRIPT = '"><script>alert(1)</script>'
FORMS = load_forms()
VOID = {"input", "meta", "link", "br", "img", "hr"}


@pytest.fixture(scope="module")
def env() -> Environment:
    environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True,
                              undefined=StrictUndefined)
    environment.globals["t"] = phrases("en-US").t  # as the views pass it, in English
    return environment


class Page(HTMLParser):
    """Collects elements with their attributes, and text by element id (or tag name)."""

    def __init__(self, html: str):
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.texts: dict[str, str] = {}
        self._open: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {key: value or "" for key, value in attrs}
        self.elements.append((tag, attributes))
        if tag not in VOID:
            self._open.append(attributes.get("id") or tag)

    def handle_endtag(self, tag: str) -> None:
        if self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if self._open:
            self.texts[self._open[-1]] = self.texts.get(self._open[-1], "") + data

    def find(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        return [a for t, a in self.elements if t == tag
                and all(a.get(k.rstrip("_")) == v for k, v in attrs.items())]

    @property
    def controls(self) -> list[dict[str, str]]:
        return [a for t, a in self.elements if t in ("input", "select", "textarea")
                and a.get("type") != "hidden"]

    @property
    def ids(self) -> set[str]:
        return {a["id"] for _, a in self.elements if "id" in a}


def render_form(env: Environment, form: FormDef, data: dict[str, str] | None = None,
                **extra: Any) -> str:
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    if data is not None:
        _, errors = validate_submission(form, data)
        values = entered_values(form, data)
    return env.get_template("selfservice/form.html").render(
        form=form, values=values, errors=errors, css_url="/static/s.css", **extra)


@pytest.mark.parametrize("form_id", sorted(FORMS))
def test_every_control_has_a_bound_label(env: Environment, form_id: str) -> None:
    page = Page(render_form(env, FORMS[form_id]))
    labels = {a["for"] for a in page.find("label")}
    assert page.controls
    for control in page.controls:
        assert control["id"] in labels, control
    assert len(page.ids) == len([a for _, a in page.elements if "id" in a]), "duplicate ids"


@pytest.mark.parametrize("form_id", sorted(FORMS))
def test_error_messages_are_described_and_linked(env: Environment, form_id: str) -> None:
    page = Page(render_form(env, FORMS[form_id], {}))
    required = [f.name for f in FORMS[form_id].fields if f.required]
    for name in required:
        message_id = f"f-{name}-error"
        assert message_id in page.ids
        described = [a for _, a in page.elements if message_id in a.get(
            "aria-describedby", "").split()]
        assert described, f"nothing is described by {message_id}"
        # the summary's link lands on a control (a radio group's first radio), not a box
        link = [a["href"][1:] for a in page.find("a") if a.get("href", "").startswith(f"#f-{name}")]
        assert link and link[0] in {c["id"] for c in page.controls}, "summary links the field"
    assert page.find("div", role="alert")


def test_described_by_points_at_existing_ids(env: Environment) -> None:
    page = Page(render_form(env, FORMS["start_service"], {"email": "nope"}))
    for _, attrs in page.elements:
        for ref in attrs.get("aria-describedby", "").split():
            assert ref in page.ids


def test_script_in_values_is_escaped_and_kept(env: Environment) -> None:
    form = FORMS["start_service"]
    data = {"full_name": SCRIPT, "notes": "</textarea><script>x()</script>", "zip": "bad"}
    html = render_form(env, form, data)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    page = Page(html)
    assert page.find("input", id="f-full_name")[0]["value"] == SCRIPT
    assert page.texts["f-notes"] == "</textarea><script>x()</script>"
    assert page.find("input", id="f-zip")[0]["value"] == "bad"


def test_values_kept_on_error(env: Environment) -> None:
    form = FORMS["report_outage"]
    data = {"zip": "9021", "problem": "partial", "since": "", "details": "Line 1\nLine 2"}
    page = Page(render_form(env, form, data))
    assert page.find("input", id="f-zip")[0]["value"] == "9021"
    checked = [a for a in page.find("input", type="radio") if "checked" in a]
    assert [a["value"] for a in checked] == ["partial"]
    assert page.texts["f-details"] == "Line 1\nLine 2"
    assert page.find("input", id="f-zip", **{"aria-invalid": "true"})
    assert not page.find("input", id="f-address", **{"aria-invalid": "true"})


def test_long_select_uses_a_dropdown_and_keeps_choice(env: Environment) -> None:
    form = parse_form({"id": "t", "title": "T", "confirmation": "ok", "fields": [
        {"name": "month", "label": "Month", "type": "select", "required": True,
         "choices": ["jan", "feb", "mar", "apr", "may"]},
        {"name": "note", "label": "Note", "required": True}]})
    page = Page(render_form(env, form, {"month": "mar"}))
    assert page.find("select", id="f-month")
    assert [a["value"] for a in page.find("option") if "selected" in a] == ["mar"]


def test_money_and_tel_fields_get_mobile_keyboards(env: Environment) -> None:
    page = Page(render_form(env, FORMS["pay_bill"]))
    assert page.find("input", id="f-amount")[0]["inputmode"] == "decimal"
    page = Page(render_form(env, FORMS["start_service"]))
    assert page.find("input", id="f-phone")[0]["type"] == "tel"
    assert page.find("input", id="f-email")[0]["type"] == "email"


def test_pay_bill_page_has_no_card_inputs(env: Environment) -> None:
    page = Page(render_form(env, FORMS["pay_bill"]))
    names = {a.get("name", "") for a in page.controls}
    assert names == {"amount", "method"}
    assert not any("cc-" in a.get("autocomplete", "") for a in page.controls)


def test_csrf_token_rendered_when_available(env: Environment) -> None:
    page = Page(render_form(env, FORMS["pay_bill"], csrf_token=lambda: "tok<en>"))
    assert page.find("input", type="hidden", name="csrf_token")[0]["value"] == "tok<en>"


def test_page_is_self_contained_and_private(env: Environment) -> None:
    page = Page(render_form(env, FORMS["pay_bill"]))
    assert page.find("meta", name="viewport") and page.find("meta", name="referrer")
    for _, attrs in page.elements:
        for key in ("src", "href"):
            assert not attrs.get(key, "").startswith(("http:", "https:", "//")), attrs
    assert page.find("html", lang="en")


def test_done_escapes_confirmation(env: Environment) -> None:
    form = FORMS["start_service"]
    clean, _ = validate_submission(form, {"full_name": SCRIPT, "service_address": "1 Main",
                                          "start_date": "2025-04-01", "phone": "5551234567",
                                          "zip": "90210"})
    html = env.get_template("selfservice/done.html").render(
        form=form, message=render_confirmation(form, clean), css_url="/s.css")
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Thanks, &#34;&gt;&lt;script&gt;" in html


@pytest.mark.parametrize(("reason", "heading"), [
    ("expired", "This link has expired"),
    ("used", "This link has already been used"),
    ("invalid", "This link doesn't work"),
    ("anything-else", "This link doesn't work"),
])
def test_link_problem_reveals_nothing(env: Environment, reason: str, heading: str) -> None:
    html = env.get_template("selfservice/link_problem.html").render(reason=reason,
                                                                   css_url="/s.css")
    page = Page(html)
    assert page.texts["h1"].strip() == heading
    assert not page.controls
    for secret in ("account", "balance", "+1555", "@"):
        assert secret not in html.lower()


def test_link_problem_support_phone(env: Environment) -> None:
    html = env.get_template("selfservice/link_problem.html").render(
        reason="used", support_phone="+1 555 010 0000", css_url="/s.css")
    assert 'href="tel:+15550100000"' in html


def test_css_is_small_and_local() -> None:
    css = CSS.read_text()
    assert len(css) < 8000
    assert "@import" not in css and "url(" not in css
