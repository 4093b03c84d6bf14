"""A real Chromium: an admin creates an operator limited to the clinic's line (a refused
form first), that operator signs in and the dashboard counts only the clinic's calls,
with no way to choose Northwind."""

from __future__ import annotations

from datetime import datetime

from app.demo.northwind import DEMO_NUMBER, DENTAL_NUMBER
from app.models import Call, db, utcnow
from tests.admin.test_browser import page, pytestmark, shot, sign_in  # noqa: F401
from tests.admin.test_dashboard_lines import CLINIC, NORTHWIND, version_of
from tests.test_accessibility import Audit


def calls_today() -> None:
    """Three calls on Northwind, two at the clinic."""
    now: datetime = utcnow()
    for i, (line, number) in enumerate([(NORTHWIND, DEMO_NUMBER)] * 3
                                       + [(CLINIC, DENTAL_NUMBER)] * 2):
        db.session.add(Call(call_sid=f"CAbrowser{i}", from_number="+15550000000",
                            to_number=number, outcome="self_service", started_at=now,
                            menu_version_id=version_of(line)))
    db.session.commit()


def test_admin_creates_a_clinic_operator_who_sees_only_the_clinic(page, make_user,  # noqa: F811
                                                                 tmp_path):
    calls_today()
    audit = Audit(page)
    make_user("ada", "admin")
    sign_in(page, "ada")
    page.click("nav >> text=Users")
    page.select_option("#new-role", "operator")
    page.check(f"#new-line-{CLINIC}")
    page.fill("#password", "a-long-password")
    page.click("#new-user button[type=submit]")  # no username yet
    assert "username: a username is needed" in page.wait_for_selector("#problems").inner_text()
    assert page.is_checked(f"#new-line-{CLINIC}")  # kept to fix
    audit.check("users page, a refused new user")

    page.fill("#username", "clara")
    page.fill("#password", "a-long-password")
    page.click("#new-user button[type=submit]")
    assert "Created clara (operator)." in page.wait_for_selector(".flash").inner_text()
    row = page.locator('#users tr[data-user="clara"]')
    assert row.locator(".shown-lines").inner_text() == CLINIC
    shot(page, "users", tmp_path)
    page.click(".signout button")

    sign_in(page, "clara")
    assert page.locator("nav >> text=Users").count() == 0
    page.click("nav >> text=Dashboard")
    assert page.inner_text("#fig-calls b") == "2"
    options = page.locator("#line option").all_inner_texts()
    assert options == ["All my lines", CLINIC]
    page.select_option("#line", CLINIC)
    page.click("#period button[type=submit]")
    assert page.inner_text("#shown-line") == CLINIC and page.inner_text("#fig-calls b") == "2"
    audit.check("dashboard of one line")
    assert not audit.violations, audit.report()
    assert page.goto(f"/admin/dashboard?line={NORTHWIND}").status == 404
