"""SMS forms made and versioned in the operator app: created, refused with the field named,
previewed as the caller's page, pinned to the version a link was texted with, and seen by
another process on its next request without a restart."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import func, select

from app import menus
from app.flow.errors import MenuInvalid
from app.models import db
from app.selfservice.forms import FORMS_DIR, shipped_forms
from app.selfservice.models import FormSubmission, FormVersion
from tests.admin.test_content import audited
from tests.conftest import add_user, csrf_from, demo_app
from tests.selfservice.test_selfservice_journeys import link_path, outbox, start_service

WELCOME = """id: welcome_pack
title: Get your welcome pack
fields:
  - name: full_name
    label: Your name
    required: true
confirmation: Thanks {{ full_name }}, your welcome pack is on its way.
"""
NEW_FORM = "/admin/content/forms"


def create(operator, token, source: str = WELCOME):
    return operator.post(NEW_FORM, data={"csrf_token": token("/admin/content/forms/new"),
                                         "source": source}, follow_redirects=True)


def versions() -> int:
    return db.session.scalar(select(func.count(FormVersion.id)))


def save(operator, token, key: str, source: str, base: int):
    path = f"/admin/content/forms/{key}"
    return operator.post(path, data={"csrf_token": token(path), "version": str(base),
                                     "source": source})


def test_operator_creates_a_form_and_it_is_listed_and_editable(operator, token):
    assert operator.get("/admin/content/forms/welcome_pack").status_code == 404
    response = create(operator, token)
    assert "Created the welcome_pack form (version 1)." in response.get_data(as_text=True)
    listing = operator.get(NEW_FORM).get_data(as_text=True)
    row = listing[listing.index('id="form-welcome_pack"'):]
    assert "Get your welcome pack" in row and "made in the app (version 1" in row
    editor = operator.get("/admin/content/forms/welcome_pack").get_data(as_text=True)
    assert "title: Get your welcome pack" in editor and "Revert" not in editor
    assert audited("form.create")[0].target == "welcome_pack"


BAD_FORMS = [  # (the YAML posted, the problem shown)
    (WELCOME.replace("id: welcome_pack", "id: pay_bill"),
     "id: a form called &#39;pay_bill&#39; exists already; choose another id."),
    (WELCOME.replace("id: welcome_pack", "id: new"), "id: &#39;new&#39; is reserved"),
    (WELCOME.replace("id: welcome_pack", "id: Welcome Pack"), "new form id: String should"),
    (WELCOME.replace("    required: true", "    type: colour"), "field &#39;full_name&#39; type"),
    ("id: [unclosed", "new form: not valid YAML"),
]


def test_a_bad_new_form_is_refused_with_the_field_named(operator, token):
    """One app for every case: a refusal saves nothing, so none can affect the next."""
    for source, problem in BAD_FORMS:
        response = create(operator, token, source)
        page = response.get_data(as_text=True)
        assert response.status_code == 422 and problem in page, source
        assert source.splitlines()[0].replace("'", "&#39;") in page  # the text is kept
        assert versions() == 0 and audited("form.create") == []


def menus_dir():
    from pathlib import Path

    import app.demo

    return Path(app.demo.__file__).parent / "menus"


def test_a_form_id_made_in_the_app_twice_is_refused(operator, token):
    create(operator, token)
    again = create(operator, token, WELCOME.replace("Get your", "Another"))
    assert again.status_code == 422
    assert "id: a form called &#39;welcome_pack&#39; exists already" in again.get_data(
        as_text=True)
    assert versions() == 1


def with_welcome_pack(menu_text: str) -> str:
    return menu_text.replace("form: start_service", "form: welcome_pack", 1)


def test_the_menu_validator_knows_forms_made_in_the_app_and_a_call_texts_one(
        operator, token, simulate, client):
    menu = with_welcome_pack((menus_dir() / "northwind.yaml").read_text())
    with pytest.raises(MenuInvalid, match="welcome_pack"):
        menus.check(menus.load_yaml(menu))
    create(operator, token)
    menus.save_version(menus.load_yaml(menu), publish=True)
    db.session.commit()

    start_service(simulate)
    [text] = outbox()
    assert "Get your welcome pack" in text.body
    page = client.get(link_path(text)).get_data(as_text=True)
    assert "<h1>Get your welcome pack</h1>" in page and 'name="full_name"' in page


def test_each_save_is_a_version_and_a_texted_link_keeps_its_own(operator, token, simulate,
                                                                client):
    shipped = (FORMS_DIR / "start_service.yaml").read_text()
    save(operator, token, "start_service", shipped.replace("title: Start service",
                                                           "title: Start with us"), 0)
    start_service(simulate)
    [first] = outbox()
    saved = save(operator, token, "start_service",
                 shipped.replace("title: Start service", "title: Begin service"), 1)
    assert saved.status_code == 303 and versions() == 2

    assert "<h1>Start with us</h1>" in client.get(link_path(first)).get_data(as_text=True)
    start_service(simulate, caller="+15559990001")
    [second] = outbox("+15559990001")
    assert "Begin service" in second.body
    assert "<h1>Begin service</h1>" in client.get(link_path(second)).get_data(as_text=True)

    editor = operator.get("/admin/content/forms/start_service").get_data(as_text=True)
    assert 'id="version-2"' in editor and "2 (in effect)" in editor and 'id="version-1"' in editor


def test_preview_shows_the_callers_page_of_any_version_and_stores_nothing(operator, token):
    create(operator, token)
    save(operator, token, "welcome_pack", WELCOME.replace("Get your", "Collect your"), 1)
    preview = "/admin/content/forms/welcome_pack/preview"
    now = operator.get(preview).get_data(as_text=True)
    then = operator.get(f"{preview}?version=1").get_data(as_text=True)
    assert "<h1>Collect your welcome pack</h1>" in now and 'name="full_name"' in now
    assert "<h1>Get your welcome pack</h1>" in then
    assert operator.get(f"{preview}?version=9").status_code == 404

    empty = operator.post(preview, data={"csrf_token": token(preview), "full_name": ""})
    assert empty.status_code == 422 and "Your name is required." in empty.get_data(as_text=True)
    filled = operator.post(preview, data={"csrf_token": token(preview), "full_name": "Dana"})
    assert filled.status_code == 200 and "received it" in filled.get_data(as_text=True)
    assert db.session.scalar(select(func.count(FormSubmission.id))) == 0


def test_a_shipped_file_added_while_running_is_read_without_a_restart(tmp_path):
    (tmp_path / "pay_bill.yaml").write_text((FORMS_DIR / "pay_bill.yaml").read_text())
    assert set(shipped_forms(tmp_path)) == {"pay_bill"}
    (tmp_path / "welcome_pack.yaml").write_text(WELCOME)
    assert set(shipped_forms(tmp_path)) == {"pay_bill", "welcome_pack"}


OTHER_WORKER = textwrap.dedent("""
    import sys
    from app import create_app
    from app.config import TestConfig
    from app.selfservice.forms import forms

    app = create_app(type("Config", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": sys.argv[1]}))
    app.instance_path = sys.argv[2]
    print("ready", flush=True)
    for line in sys.stdin:  # one request per line: the lookup a webhook makes
        with app.test_request_context("/voice/incoming"):
            form = forms().get(line.strip())
            print(form.title if form else "unknown form", flush=True)
""")


def test_another_process_sees_a_new_form_and_each_new_version_on_its_next_request(
        tmp_path):
    uri = f"sqlite:///{tmp_path / 'shared.db'}"
    with demo_app(uri, tmp_path / "instance") as app:
        worker = subprocess.Popen([sys.executable, "-c", OTHER_WORKER, uri,
                                   str(tmp_path / "instance")], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)

        def ask(form_id: str) -> str:
            worker.stdin.write(form_id + "\n")
            worker.stdin.flush()
            return worker.stdout.readline().strip()

        try:
            assert worker.stdout.readline().strip() == "ready"
            assert ask("welcome_pack") == "unknown form"
            operator = app.test_client()
            add_user("olive", "operator")
            csrf = csrf_from(operator.get("/login").get_data(as_text=True))
            operator.post("/login", data={"username": "olive", "password": "a-long-password",
                                          "csrf_token": csrf})
            made = operator.post(NEW_FORM, data={"csrf_token": csrf, "source": WELCOME})
            assert made.status_code == 303
            assert ask("welcome_pack") == "Get your welcome pack"
            operator.post("/admin/content/forms/welcome_pack", data={
                "csrf_token": csrf, "version": "1",
                "source": WELCOME.replace("Get your", "Collect your")})
            assert ask("welcome_pack") == "Collect your welcome pack"
            assert ask("pay_bill") == "Pay your bill"
        finally:
            worker.stdin.close()
            worker.wait(30)


def test_flask_menu_validate_knows_a_form_made_in_the_app(app, operator, token, tmp_path):
    menu = tmp_path / "menu.yaml"
    menu.write_text(with_welcome_pack((menus_dir() / "northwind.yaml").read_text()))
    before = app.test_cli_runner().invoke(args=["menu", "validate", str(menu)])
    assert before.exit_code == 1 and "welcome_pack" in before.output
    create(operator, token)
    after = app.test_cli_runner().invoke(args=["menu", "validate", str(menu)])
    assert after.exit_code == 0 and f"{menu}: valid" in after.output


def test_upgrading_keeps_a_form_saved_before_versions_as_its_version(tmp_path):
    from alembic import command
    from sqlalchemy import text

    from app import create_app
    from app.config import TestConfig
    from app.migrate import alembic_config
    from app.selfservice.forms import forms

    old = create_app(type("Config", (TestConfig,), {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/old.db"}))
    old.instance_path = str(tmp_path / "instance")
    edited = (FORMS_DIR / "pay_bill.yaml").read_text().replace(
        "title: Pay your bill", "title: Pay us", 1)
    with old.app_context():
        cfg = alembic_config()
        with db.engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "0010_hold_audio")
            connection.execute(text(
                "INSERT INTO form_definition (key, source, version, updated_at) "
                "VALUES ('pay_bill', :source, 3, '2026-11-30 10:00:00')"), {"source": edited})
            command.upgrade(cfg, "head")
        [kept] = db.session.scalars(select(FormVersion)).all()
        assert (kept.key, kept.number, kept.source) == ("pay_bill", 3, edited)
        assert forms()["pay_bill"].title == "Pay us"
        db.session.remove()
        db.engine.dispose()


def test_unsaved_text_is_previewed_as_the_callers_page_and_answers_tried_on_it(operator,
                                                                              token):
    draft = "/admin/content/forms/draft"
    csrf = token("/admin/content/forms/start_service")
    text = (FORMS_DIR / "start_service.yaml").read_text().replace(
        "title: Start service", "title: Start with us", 1)
    page = operator.post(draft, data={"csrf_token": csrf, "source": text,
                                      "key": "start_service", "version": "0"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<h1>Start with us</h1>" in html
    assert 'name="answers"' in html  # the page carries the text, to try answers on it
    tried = operator.post(draft, data={"csrf_token": csrf, "source": text,
                                       "key": "start_service", "answers": "1"})
    assert tried.status_code == 422 and "<h1>Start with us</h1>" in tried.get_data(
        as_text=True)
    broken = operator.post(draft, data={"csrf_token": csrf, "key": "start_service",
                                        "source": text.replace("type: zip", "type: postcode")})
    assert broken.status_code == 422 and "postcode" in broken.get_data(as_text=True)
    assert versions() == 0  # a preview saves nothing
    assert operator.get("/admin/content/forms/start_service/preview").get_data(
        as_text=True).count("<h1>Start service</h1>") == 1
