"""Lines: queue names per line, queues that collide, a Spanish branch's own person and
hold, the line in the agent's whisper, content pages by line, and the upgrade that made
existing content the first line's."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select, text

from app import menus
from app.agents import service as agents
from app.flow.validate import MenuInvalid
from app.hold.models import HoldChannel, QuizQuestion
from app.lines import queue_key
from app.models import Call, Menu, db
from app.simulator import press, say
from tests.selfservice.own_forms import with_own_forms

DENTAL_NUMBER = "+15005550011"
DENTAL = yaml.safe_load((Path(__file__).parent.parent
                         / "app/demo/menus/brightsmile.yaml").read_text())


def call_of(t) -> Call:
    return db.session.scalar(select(Call).where(Call.call_sid == t.call_sid))


def test_a_queue_is_named_by_its_line_unless_shared(app):
    assert queue_key("dental", "billing") == "dental.billing"
    assert queue_key("dental", "billing", shared=["billing"]) == "billing"
    assert queue_key("dental", "general") == "general"  # the server's default queue


# --- a Spanish branch names its own person node and queue ---------------------------------
@pytest.mark.parametrize("ask", [say("quiero hablar con una persona"), press("0")])
def test_a_spanish_caller_who_asks_for_a_person_waits_in_spanish(simulate, ask):
    t = simulate([press("9"), ask], dialled=DENTAL_NUMBER)
    heard = t.said()[t.said().index(next(s for s in t.said() if s.startswith("Servicio"))):]
    assert heard[1] == "Le comunico con la recepción."  # the Spanish person node's hand-off
    call = call_of(t)
    assert call.queue == "brightsmile-dental.front_desk_es"
    assert call.state["node"] == "es_front_desk"
    assert any(s.startswith("Usted es el tercero en la fila") for s in heard)
    assert any(s.startswith("Mientras espera: Para música tranquila, oprima 1.") for s in heard)
    assert not any(word in " ".join(heard) for word in ("press", "While you wait", "front desk"))


def test_an_english_caller_on_the_same_line_reaches_the_english_person(simulate):
    t = simulate([say("representative")], dialled=DENTAL_NUMBER)
    assert "Connecting you to the front desk." in t.said()
    assert call_of(t).queue == "brightsmile-dental.front_desk"
    assert any(s.startswith("While you wait: For calm music, press 1.") for s in t.said())


def test_a_spanish_branch_that_keeps_failing_reaches_its_own_person(simulate):
    t = simulate([press("9"), say("banana"), say("morado"), say("plátano")],
                 dialled=DENTAL_NUMBER)
    assert call_of(t).queue == "brightsmile-dental.front_desk_es"


# --- queues that collide ------------------------------------------------------------------
def clinic(name: str = "other-clinic", **settings) -> dict:
    definition = copy.deepcopy(DENTAL)
    definition["name"] = name
    definition["settings"].update(settings)
    return with_own_forms(definition)


def test_sharing_a_queue_another_line_keeps_as_its_own_is_refused_by_field(app):
    with pytest.raises(MenuInvalid) as refused:
        menus.save_version(clinic(shared_queues=["billing"]), publish=True)
    errors = refused.value.errors
    assert {e.field for e in errors} == {"settings.shared_queues.0"}
    assert any("'billing' is a queue of line 'northwind-main' that it does not share"
               in str(e) for e in errors)
    assert db.session.scalar(select(Menu).where(Menu.name == "other-clinic")) is None


def small_line(name: str, queue: str, **settings) -> dict:
    return {"name": name, "start": "desk", "settings": {"person": "desk", **settings},
            "nodes": {"desk": {"type": "queue", "queue": queue}}}


def test_keeping_as_its_own_a_queue_another_line_shares_is_refused_at_the_node(app):
    menus.save_version(small_line("walk-in-a", "walk_in", shared_queues=["walk_in"]),
                       publish=True)
    with pytest.raises(MenuInvalid) as refused:
        menus.save_version(small_line("walk-in-b", "walk_in"), publish=True)
    [error] = refused.value.errors
    assert (error.node, error.field) == ("desk", "queue")
    assert "line 'walk-in-a' shares a queue 'walk_in'" in str(error)
    both = small_line("walk-in-b", "walk_in", shared_queues=["walk_in"])
    assert menus.save_version(both, publish=True).status == "published"  # shared by both


def test_two_lines_may_each_keep_a_queue_of_the_same_name(app):
    version = menus.save_version(clinic(), publish=True)  # its own billing, front_desk...
    assert version.status == "published"


def test_a_queue_whose_name_on_the_server_is_too_long_is_refused(app):
    definition = clinic("clinic-with-a-long-name1")  # 24 + 1 + 21 characters
    definition["nodes"]["billing"]["queue"] = "billing_and_insurance"
    with pytest.raises(MenuInvalid) as refused:
        menus.save_version(definition, publish=True)
    assert [(e.node, e.field) for e in refused.value.errors] == [("billing", "queue")]
    assert "longer than 40 characters" in str(refused.value.errors[0])


# --- agents see which line a caller is on ------------------------------------------------
def test_the_whisper_and_screen_pop_name_the_callers_line(simulate):
    t = simulate([press("2")], dialled=DENTAL_NUMBER, stay_on_line=True)
    assert agents.whisper(call_of(t)).startswith("Brightsmile Dental call. ")
    assert agents.context(call_of(t))["line"] == "Brightsmile Dental"
    t = simulate([press("0")], stay_on_line=True)
    assert agents.whisper(call_of(t)).startswith("Northwind Energy call. ")


# --- content pages by line ----------------------------------------------------------------
def test_content_pages_show_and_filter_each_lines_channels_and_quiz(make_user, login, client):
    make_user("olive", "operator")
    login("olive")
    every = client.get("/admin/content").get_data(as_text=True)
    assert 'id="channel-jazz"' in every and 'id="channel-smile-music"' in every
    dental = client.get("/admin/content?line=brightsmile-dental").get_data(as_text=True)
    assert 'id="channel-smile-music"' in dental and 'id="channel-jazz"' not in dental
    assert '<td class="line">brightsmile-dental</td>' in dental
    quiz = client.get("/admin/content/quiz?line=brightsmile-dental").get_data(as_text=True)
    assert "How long should you brush your teeth" in quiz and "LED bulb" not in quiz


def test_each_lines_digits_may_repeat_the_others(make_user, login, client):
    """Northwind's jazz and the clinic's calm music both are 1: saving is not refused."""
    from tests.conftest import csrf_from

    make_user("olive", "operator")
    login("olive")
    page = client.get("/admin/content?line=brightsmile-dental").get_data(as_text=True)
    channels = db.session.scalars(select(HoldChannel).where(
        HoldChannel.line == "brightsmile-dental")).all()
    form = {"csrf_token": csrf_from(page), "line": "brightsmile-dental"}
    for c in channels:
        form |= {f"{c.key}-name": c.name, f"{c.key}-digit": c.digit,
                 f"{c.key}-phrases": ", ".join(c.phrases), f"{c.key}-position": str(c.position),
                 f"{c.key}-active": "on"}
    form["smile-music-name"] = "soft music"
    saved = client.post("/admin/content/channels", data=form)
    assert saved.status_code == 303, saved.get_data(as_text=True)
    assert db.session.scalar(select(HoldChannel.name).where(
        HoldChannel.key == "smile-music")) == "soft music"


# --- the upgrade --------------------------------------------------------------------------
def test_upgrading_gives_existing_content_and_skills_to_the_existing_line(tmp_path):
    from alembic import command

    from app.migrate import alembic_config
    from tests.conftest import POSTGRES, _drop_schema, _fresh_schema_url
    from tests.test_scale_out import machine

    uri = _fresh_schema_url() if POSTGRES else f"sqlite:///{tmp_path}/old.db"
    old = machine(uri, tmp_path / "old")
    with old.app_context():
        cfg = alembic_config()
        with db.engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "0010_hold_audio")
            for statement in (
                "INSERT INTO menu (id, name, created_at) VALUES (1, 'acme', CURRENT_TIMESTAMP)",
                "INSERT INTO phone_route (number, menu_id) VALUES ('default', 1)",
                "INSERT INTO hold_channel (key, name, kind, digit, phrases, position, active)"
                " VALUES ('jazz', 'jazz', 'music', '1', '[]', 1, true)",
                "INSERT INTO quiz_question (question, choices, answer, fact, position, active)"
                " VALUES ('Why?', '[\"a\", \"b\"]', 0, '', 0, true)",
                'INSERT INTO "user" (id, username, password_hash, role, display_name, active, '
                "created_at) VALUES (1, 'andy', 'x', 'agent', '', true, CURRENT_TIMESTAMP)",
                "INSERT INTO agent_profile (id, user_id, phone, skills, status) VALUES "
                "(1, 1, '+15550001', '[\"billing\", \"general\"]', 'available')",
            ):
                connection.execute(text(statement))
            command.upgrade(cfg, "head")
        assert db.session.scalar(select(HoldChannel.line)) == "acme"
        assert db.session.scalar(select(QuizQuestion.line)) == "acme"
        skills = db.session.execute(text("SELECT skills FROM agent_profile")).scalar()
        assert (json.loads(skills) if isinstance(skills, str) else skills) == [
            "acme.billing", "general"]
        if POSTGRES:
            _drop_schema(old)
        db.engine.dispose()


def test_a_prompt_says_the_lines_name_or_else_the_menus(simulate):
    for settings, heard in (({"display_name": "Walk-in Clinic"}, "This is Walk-in Clinic."),
                            ({}, "This is walk-in.")):
        menu = {"name": "walk-in", "start": "hello", "settings": {"person": "desk", **settings},
                "nodes": {"hello": {"type": "hangup", "prompt": "This is {{ line.name }}."},
                          "desk": {"type": "queue", "queue": "desk"}}}
        menus.save_version(menu, publish=True)
        menus.route_number("+15005550999", "walk-in")
        db.session.commit()
        assert simulate([], dialled="+15005550999").said() == [heard]


def test_a_line_without_hold_channels_hears_music_not_an_empty_menu(simulate):
    """Not the other lines' channels either: none of theirs is offered."""
    menus.save_version({"name": "walk-in", "start": "desk", "settings": {"person": "desk"},
                        "nodes": {"desk": {"type": "queue", "queue": "desk",
                                           "prompt": "One moment."}}}, publish=True)
    menus.route_number("+15005550999", "walk-in")
    db.session.commit()
    t = simulate([], dialled="+15005550999", wait_loops=2)
    spoken = [s for s in t.said() if not s.startswith("[")]
    assert spoken == ["One moment.", "You're third in line, about three to five minutes."]
    assert t.said().count("[plays https://ivr.example.test/voice/hold-music.wav]") == 2


def test_the_editor_refuses_a_clashing_queue_with_the_field_named(make_user, login, client):
    from tests.conftest import csrf_from

    make_user("olive", "operator")
    login("olive")
    form = csrf_from(client.get("/admin/menus/new").get_data(as_text=True))
    response = client.post("/admin/menus/new", data={
        "csrf_token": form, "base_version": 0, "action": "publish",
        "yaml": yaml.safe_dump(clinic(shared_queues=["billing"]), allow_unicode=True)})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "settings.shared_queues.0" in page and "northwind-main" in page
    assert db.session.scalar(select(Menu).where(Menu.name == "other-clinic")) is None


def test_a_number_another_line_answers_is_not_taken_over(make_user, login, client):
    from tests.conftest import csrf_from

    make_user("olive", "operator")
    login("olive")
    form = csrf_from(client.get("/admin/").get_data(as_text=True))
    page = client.post("/admin/numbers", data={"csrf_token": form, "number": DENTAL_NUMBER,
                                               "menu": "northwind-main"},
                       follow_redirects=True).get_data(as_text=True)
    assert f"number: {DENTAL_NUMBER} already answers with brightsmile-dental" in page
    assert menus.line_answering(DENTAL_NUMBER) == "brightsmile-dental"


def test_a_spanish_caller_is_texted_the_spanish_form_under_the_lines_name(simulate, client):
    from app.models import Message

    t = simulate([press("9"), say("quiero pedir una cita")], dialled=DENTAL_NUMBER)
    assert t.said()[-1] == "Gracias por llamar a Brightsmile Dental. Adiós."
    [text] = db.session.scalars(select(Message)).all()
    assert text.body.startswith("Brightsmile Dental: Solicitar una cita: https://")
    assert text.body.endswith("(enlace válido por 24 horas)")
    page = client.get(text.body.split("https://ivr.example.test")[1].split()[0])
    html = page.get_data(as_text=True)
    assert '<html lang="es">' in html and '<p class="brand">Brightsmile Dental</p>' in html
    assert "Fecha preferida" in html
