"""SMS forms belong to a line: an operator limited to the clinic's line sees, opens,
previews, edits and creates only the clinic's forms (Northwind's are 404s that change
nothing), an unlimited one sees every line's, a form id is unique across lines, a menu
texts only its own line's forms, and upgrading moves saved forms to their line."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app import menus
from app.auth.models import AuditEntry
from app.flow.errors import MenuInvalid
from app.flow.validate import parse_menu
from app.models import db
from app.selfservice.forms import FORMS_DIR, forms
from app.selfservice.models import FormDefinition, FormVersion
from tests.admin.test_content_forms import WELCOME, menus_dir
from tests.auth.test_lines_rights import CLINIC, NORTHWIND, clinic_operator  # noqa: F401
from tests.conftest import csrf_from

FORMS = "/admin/content/forms"
PAY_BILL = (FORMS_DIR / "pay_bill.yaml").read_text()


def csrf(client, path: str = FORMS) -> str:
    return csrf_from(client.get(path).get_data(as_text=True))


def saved() -> tuple:
    """Every row a form page writes: heads, versions, audit entries."""
    db.session.expire_all()
    return (sorted(db.session.execute(select(FormDefinition.key, FormDefinition.line,
                                             FormDefinition.version)).all()),
            db.session.scalar(select(func.count(FormVersion.id))),
            db.session.scalar(select(func.count(AuditEntry.id))))


def listed(client, query: str = "") -> dict[str, str]:
    """The forms page's rows: form id -> the line shown for it."""
    import re

    html = client.get(FORMS + query).get_data(as_text=True)
    return dict(re.findall(r'<tr id="form-([a-z0-9_]+)">\s*<td>.*?</td>\s*'
                           r'<td class="line">([^<]*)</td>', html))


def test_a_limited_operator_sees_only_their_lines_forms(clinic_operator):  # noqa: F811
    assert listed(clinic_operator) == {"request_appointment": CLINIC,
                                       "request_appointment_es": CLINIC}
    page = clinic_operator.get(FORMS).get_data(as_text=True)
    assert NORTHWIND not in page and "pay_bill" not in page  # not even in the line filter
    assert clinic_operator.get("/admin/content/forms/request_appointment").status_code == 200


OTHER_LINES_GETS = ["/admin/content/forms/pay_bill", "/admin/content/forms/pay_bill/preview",
                    "/admin/content/forms/pay_bill/preview?version=1",
                    f"{FORMS}?line={NORTHWIND}", f"{FORMS}/new?line={NORTHWIND}"]
OTHER_LINES_POSTS = [
    ("/admin/content/forms/pay_bill", {"version": "0", "source": PAY_BILL}),
    ("/admin/content/forms/pay_bill/revert", {"version": "0"}),
    ("/admin/content/forms/pay_bill/preview", {"account": "1"}),
    (f"{FORMS}/draft", {"key": "pay_bill", "source": PAY_BILL}),
    (f"{FORMS}/draft", {"line": NORTHWIND, "source": WELCOME}),
    (FORMS, {"line": NORTHWIND, "source": WELCOME}),
]


def test_another_lines_forms_do_not_exist_for_a_limited_operator(clinic_operator):  # noqa: F811
    before = saved()
    for path in OTHER_LINES_GETS:
        page = clinic_operator.get(path)
        assert page.status_code == 404, path
        assert NORTHWIND not in page.get_data(as_text=True)
    for path, form in OTHER_LINES_POSTS:
        answer = clinic_operator.post(path, data={"csrf_token": csrf(clinic_operator), **form})
        assert answer.status_code == 404, (path, form)
    assert saved() == before
    assert forms()["pay_bill"].title == "Pay your bill"


def test_a_limited_operator_creates_and_edits_forms_of_their_line(clinic_operator):  # noqa: F811
    new = clinic_operator.get(f"{FORMS}/new").get_data(as_text=True)
    assert f'<option selected>{CLINIC}</option>' in new  # their first line, preselected
    made = clinic_operator.post(FORMS, data={"csrf_token": csrf(clinic_operator),
                                             "source": WELCOME}, follow_redirects=True)
    assert f"The {CLINIC} line&#39;s menus can text it now." in made.get_data(as_text=True)
    assert listed(clinic_operator)["welcome_pack"] == CLINIC
    assert forms()["welcome_pack"].line == CLINIC
    editor = clinic_operator.get(f"{FORMS}/welcome_pack").get_data(as_text=True)
    assert f'<strong class="line">{CLINIC}</strong>' in editor

    moved = clinic_operator.post(f"{FORMS}/welcome_pack", data={
        "csrf_token": csrf(clinic_operator), "version": "1",
        "source": WELCOME + f"line: {NORTHWIND}\n"})
    assert moved.status_code == 422
    assert f"line: this form is for the line &#39;{CLINIC}&#39;" in moved.get_data(as_text=True)
    kept = clinic_operator.post(f"{FORMS}/welcome_pack", data={
        "csrf_token": csrf(clinic_operator), "version": "1",
        "source": WELCOME.replace("Get your", "Collect your") + f"line: {CLINIC}\n"})
    assert kept.status_code == 303
    assert [(v.number, v.line) for v in db.session.scalars(select(FormVersion))] == [
        (1, CLINIC), (2, CLINIC)]
    assert forms()["welcome_pack"].title == "Collect your welcome pack"


def test_a_form_id_used_on_another_line_is_refused_and_nothing_saved(clinic_operator):  # noqa: F811
    before = saved()
    for taken in ("pay_bill", "request_appointment"):  # Northwind's file, the clinic's own
        refused = clinic_operator.post(FORMS, data={
            "csrf_token": csrf(clinic_operator),
            "source": WELCOME.replace("id: welcome_pack", f"id: {taken}")})
        assert refused.status_code == 422
        assert (f"id: a form called &#39;{taken}&#39; exists already; choose another id. "
                "Form ids are unique across every line.") in refused.get_data(as_text=True)
    assert saved() == before


def test_an_unlimited_operator_sees_every_lines_forms_and_filters_by_line(operator, token):
    everything = listed(operator)
    assert everything["pay_bill"] == NORTHWIND and everything["request_appointment"] == CLINIC
    assert set(listed(operator, f"?line={CLINIC}")) == {"request_appointment",
                                                        "request_appointment_es"}
    assert "request_appointment" not in listed(operator, f"?line={NORTHWIND}")
    made = operator.post(FORMS, data={"csrf_token": token(f"{FORMS}/new"), "line": CLINIC,
                                      "source": WELCOME})
    assert made.status_code == 303 and forms()["welcome_pack"].line == CLINIC
    preview = operator.get(f"{FORMS}/request_appointment/preview").get_data(as_text=True)
    assert "Brightsmile Dental" in preview  # the caller's page, under the line's name


def dental_menu(form: str) -> dict:
    text = (menus_dir() / "brightsmile.yaml").read_text()
    return menus.load_yaml(text.replace("form: request_appointment\n", f"form: {form}\n", 1))


@pytest.mark.parametrize("database", [True, False])
def test_a_menu_texting_another_lines_form_is_refused_with_node_and_field(app, database):
    with pytest.raises(MenuInvalid) as refused:
        menus.check(dental_menu("pay_bill"), database=database)
    [error] = refused.value.errors
    assert (error.field, error.message) == ("form", (
        "form 'pay_bill' belongs to another line; this line's forms: request_appointment, "
        "request_appointment_es"))
    assert error.node is not None and NORTHWIND not in str(refused.value)
    menus.check(dental_menu("request_appointment_es"), database=database)  # its own: fine


def test_a_form_made_for_a_line_is_texted_by_its_menus_only(app):
    from app.selfservice import form_store

    form_store.save("welcome_pack", WELCOME, 0, None, CLINIC)
    menus.check(dental_menu("welcome_pack"))
    northwind = (menus_dir() / "northwind.yaml").read_text()
    with pytest.raises(MenuInvalid, match="'welcome_pack' belongs to another line"):
        menus.check(menus.load_yaml(northwind.replace("form: start_service",
                                                      "form: welcome_pack", 1)))


def test_the_pure_validator_checks_lines_only_when_it_knows_them():
    menu = {"name": "clinic", "start": "text", "settings": {"person": "desk"}, "nodes": {
        "text": {"type": "sms_link", "form": "visit", "prompt": "Texted.", "next": "bye"},
        "bye": {"type": "hangup", "prompt": "Bye."},
        "desk": {"type": "queue", "queue": "general"}}}
    parse_menu(menu, known_forms=["visit"])  # no lines known: any form id there is
    parse_menu(menu, known_forms={"visit": "clinic"})
    parse_menu(menu, known_forms={"visit": None})  # a form of no line: every line's
    with pytest.raises(MenuInvalid, match="node 'text', field 'form': form 'visit' belongs "
                                          "to another line; this line's forms: none yet"):
        parse_menu(menu, known_forms={"visit": "store"})


def test_upgrading_moves_saved_forms_to_the_line_whose_menu_texts_them(tmp_path):
    import json

    from alembic import command
    from sqlalchemy import text

    from app import create_app
    from app.config import TestConfig
    from app.migrate import alembic_config
    from app.selfservice import form_store

    old = create_app(type("Config", (TestConfig,), {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/old.db"}))
    old.instance_path = str(tmp_path / "instance")
    appointment = (FORMS_DIR / "request_appointment.yaml").read_text().replace(
        f"line: {CLINIC}\n", "").replace("title: Request an appointment", "title: Book", 1)
    with old.app_context():
        cfg = alembic_config()
        with db.engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "0017_user_lines")
            for number, (name, texts) in enumerate(
                    [(NORTHWIND, "pay_bill"), (CLINIC, "request_appointment")], start=1):
                connection.execute(text(
                    "INSERT INTO menu (id, name, created_at) VALUES (:n, :name, "
                    "'2026-12-01 10:00:00')"), {"n": number, "name": name})
                connection.execute(text(
                    "INSERT INTO menu_version (menu_id, number, status, definition, author, "
                    "note, created_at) VALUES (:n, 1, 'published', :definition, 'system', '', "
                    "'2026-12-01 10:00:00')"), {"n": number, "definition": json.dumps(
                        {"nodes": {"text": {"type": "sms_link", "form": texts}}})})
            connection.execute(text(
                "INSERT INTO phone_route (number, menu_id) VALUES ('default', 1)"))
            for key, source in (("pay_bill", PAY_BILL), ("request_appointment", appointment),
                                ("welcome_pack", WELCOME)):
                connection.execute(text(
                    "INSERT INTO form_version (id, key, number, source, saved_at) VALUES "
                    "(:key, :key, 1, :source, '2026-12-01 10:00:00')"),
                    {"key": key, "source": source})
                connection.execute(text(
                    "INSERT INTO form_definition (key, source, version, updated_at, "
                    "version_id) VALUES (:key, :source, 1, '2026-12-01 10:00:00', :key)"),
                    {"key": key, "source": source})
            command.upgrade(cfg, "head")
        assert {key: line for key, (_, line) in form_store.heads().items()} == {
            "pay_bill": NORTHWIND, "request_appointment": CLINIC, "welcome_pack": NORTHWIND}
        assert dict(db.session.execute(select(FormVersion.key, FormVersion.line)).all()) == {
            "pay_bill": NORTHWIND, "request_appointment": CLINIC, "welcome_pack": NORTHWIND}
        live = forms()
        assert (live["request_appointment"].title, live["request_appointment"].line) == (
            "Book", CLINIC)
        db.session.remove()
        db.engine.dispose()
