"""A real Chromium: an operator makes a form for the clinic's line, sees it listed with
its line, and the line filter shows it with the clinic's forms only."""

from __future__ import annotations

from tests.admin.test_browser import page, pytestmark, shot, sign_in  # noqa: F401
from tests.admin.test_content_forms import WELCOME

CLINIC = "brightsmile-dental"


def test_operator_makes_a_form_for_a_line_and_sees_it_listed_with_it(page, make_user,  # noqa: F811
                                                                     tmp_path):
    make_user("olive", "operator")
    sign_in(page, "olive")
    page.goto("/admin/content/forms")
    page.click("#new-form")
    assert page.locator("#form-line").input_value() == "northwind-main"  # the first line
    page.select_option("#form-line", CLINIC)
    page.fill("#source", WELCOME)
    page.click("#form-creator button[type=submit]")
    assert f"The {CLINIC} line's menus can text it now." in page.inner_text(".flash")
    assert page.inner_text("#form-line .line") == CLINIC

    page.click(".tabs >> text=SMS forms")
    assert page.inner_text("#form-welcome_pack td.line") == CLINIC
    assert page.inner_text("#form-pay_bill td.line") == "northwind-main"
    page.click(f".line-filter >> text={CLINIC}")
    shown = page.locator("#forms tbody tr").evaluate_all("rows => rows.map(r => r.id)")
    assert sorted(shown) == ["form-request_appointment", "form-request_appointment_es",
                             "form-welcome_pack"]
    shot(page, "content-form-lines", tmp_path)
