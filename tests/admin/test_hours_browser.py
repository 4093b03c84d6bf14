"""A real Chromium edits a queue's hours: a refused value is shown with its field and
the hours stay; fixed, they are saved and listed."""

from __future__ import annotations

from datetime import date

from tests.admin.test_browser import page, pytestmark, shot, sign_in  # noqa: F401

NEXT_YEAR = date.today().year + 1


def test_operator_sets_weekday_hours_and_a_holiday(page, make_user, app, tmp_path):  # noqa: F811
    make_user("olive", "operator")
    sign_in(page, "olive")
    page.click("nav >> text=Hours")
    page.click("#queues >> text=northwind-main.billing")  # the utility's own billing queue

    page.fill("#weekly", "Mon-Fri 08:00-12:00 11:30-17:00")
    page.fill("#special", "2020-12-25 closed Christmas Day")
    page.click("#hours-form button[type=submit]")
    problems = page.wait_for_selector("#problems").inner_text()
    assert "weekly hours, Mon-Fri: 11:30-17:00 overlaps 08:00-12:00" in problems
    assert "special days, line 1: 2020-12-25 is in the past" in problems
    assert page.input_value("#weekly") == "Mon-Fri 08:00-12:00 11:30-17:00"  # kept to fix

    page.fill("#weekly", "Mon-Fri 08:00-12:00 13:00-17:00\nSat 09:00-13:00")
    page.fill("#special", f"{NEXT_YEAR}-12-25 closed Christmas Day")
    page.click("#hours-form button[type=submit]")
    flash = page.wait_for_selector(".flash").inner_text()
    assert "Saved the hours of northwind-main.billing." in flash
    assert "set here" in page.inner_text("h1")
    shot(page, "hours-edit", tmp_path)

    page.click("text=All queues")
    row = page.locator('#queues tr[data-queue="northwind-main.billing"]')
    assert "Mon-Fri 08:00-12:00 13:00-17:00" in row.inner_text()
    assert f"{NEXT_YEAR}-12-25 closed Christmas Day" in row.inner_text()
