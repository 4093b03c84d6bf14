"""Two lines cannot claim one number (issue 17, bad input): neither `flask menu import
--number` nor the operator app moves a number another line answers; the refusal names
the number and saves nothing (no menu version, no route, no audit entry)."""

from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy import func, select

from app import menus
from app.auth.models import AuditEntry
from app.demo.northwind import DENTAL_NUMBER
from app.models import MenuVersion, PhoneRoute, db
from tests.conftest import csrf_from

DEMO = Path(__file__).parent.parent / "app/demo/menus/northwind.yaml"


def saved() -> tuple:
    routes = db.session.execute(select(PhoneRoute.number, PhoneRoute.menu_id)
                                .order_by(PhoneRoute.number)).all()
    return ([tuple(r) for r in routes], db.session.scalar(select(func.count(MenuVersion.id))),
            db.session.scalar(select(func.count(AuditEntry.id))))


def test_a_menu_import_cannot_take_another_lines_number(app, tmp_path):
    path = tmp_path / "northwind.yaml"
    path.write_text(yaml.safe_dump(yaml.safe_load(DEMO.read_text())))
    before = saved()
    result = app.test_cli_runner().invoke(
        args=["menu", "import", str(path), "--publish", "--number", DENTAL_NUMBER])
    assert result.exit_code == 1
    assert f"number: {DENTAL_NUMBER} already answers with brightsmile-dental" in result.output
    db.session.expire_all()
    assert saved() == before
    assert menus.line_answering(DENTAL_NUMBER) == "brightsmile-dental"


def test_a_menu_import_may_route_its_own_or_a_free_number(app, tmp_path):
    path = tmp_path / "northwind.yaml"
    path.write_text(DEMO.read_text())
    runner = app.test_cli_runner()
    for number in ("default", "+15005550123"):
        result = runner.invoke(args=["menu", "import", str(path), "--number", number])
        assert result.exit_code == 0, result.output
        assert menus.line_answering(number) == "northwind-main"


def test_the_operator_app_refuses_the_claim_and_saves_nothing(app, client, make_user, login):
    make_user("olive", "operator")
    login("olive")
    before = saved()
    form = csrf_from(client.get("/admin/").get_data(as_text=True))
    page = client.post("/admin/numbers", data={"csrf_token": form, "number": DENTAL_NUMBER,
                                               "menu": "northwind-main"},
                       follow_redirects=True).get_data(as_text=True)
    assert f"number: {DENTAL_NUMBER} already answers with brightsmile-dental" in page
    assert saved() == before
