"""Rights per line: an operator limited to the clinic's line sees and changes only the
clinic's menu, hold channels, quiz and hours. Northwind's pages do not exist for them
(404, so the other business's names do not leak) and posting to them changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.auth.models import AuditEntry, User
from app.hold.models import HoldChannel, PodcastFeed, QuizQuestion
from app.hours.models import QueueHours
from app.models import Menu, MenuVersion, PhoneRoute, db
from tests.conftest import POSTGRES, _drop_schema, _fresh_schema_url, add_user, csrf_from, demo_app

CLINIC, NORTHWIND = "brightsmile-dental", "northwind-main"
pytestmark = pytest.mark.db  # the module-wide app below too runs in the PostgreSQL pass
DENTAL_MENU = Path(__file__).parents[2] / "app/demo/menus/brightsmile.yaml"


@pytest.fixture
def clinic_operator(app, client, login):
    user = add_user("clara", "operator")
    user.lines = [CLINIC]
    db.session.commit()
    login("clara")
    return client


@pytest.fixture(scope="module")
def refused(tmp_path_factory):
    """One app for the refused requests (each asserts it changed nothing, so they may
    share it): a clinic operator signed in, Northwind with a feed and a number."""
    from app.config import TestConfig

    uri = _fresh_schema_url() if POSTGRES else TestConfig.SQLALCHEMY_DATABASE_URI
    with demo_app(uri, tmp_path_factory.mktemp("instance")) as application:
        client = application.test_client()
        user = add_user("clara", "operator")
        user.lines = [CLINIC]
        db.session.commit()
        client.post("/login", data={"username": "clara", "password": "a-long-password",
                                    "csrf_token": token(client, "/login")})
        ids = {"question": northwind_question(), "feed": northwind_feed(),
               "route": northwind_route()}
        yield client, ids
        if POSTGRES:
            _drop_schema(application)


def token(client, path: str = "/admin/") -> str:
    return csrf_from(client.get(path).get_data(as_text=True))


def northwind_question() -> int:
    return db.session.scalar(select(func.min(QuizQuestion.id)).where(
        QuizQuestion.line == NORTHWIND))


def northwind_feed() -> int:
    """A podcast feed on Northwind's spoken channel (the demo seeds none)."""
    channel = db.session.scalar(select(HoldChannel).where(HoldChannel.key == "podcast"))
    feed = PodcastFeed(url="https://example.org/northwind.rss", channel=channel)
    db.session.add(feed)
    db.session.commit()
    return feed.id


def northwind_route() -> int:
    menu = db.session.scalar(select(Menu).where(Menu.name == NORTHWIND))
    route = PhoneRoute(number="+15550001111", menu=menu)
    db.session.add(route)
    db.session.commit()
    return route.id


def everything() -> tuple:
    """What a refused request must leave as it was: every row an operator page changes."""
    db.session.expire_all()

    def rows(*columns):
        return sorted(tuple(map(str, row)) for row in db.session.execute(select(*columns)))

    return (rows(Menu.id, Menu.name), rows(MenuVersion.id, MenuVersion.status),
            rows(HoldChannel.key, HoldChannel.name, HoldChannel.digit, HoldChannel.active,
                 HoldChannel.line),
            rows(QuizQuestion.id, QuizQuestion.question, QuizQuestion.active),
            rows(QueueHours.queue, QueueHours.weekly), rows(PhoneRoute.number),
            rows(PodcastFeed.id), db.session.scalar(select(func.count(AuditEntry.id))))


MENU = f"/admin/menus/{NORTHWIND}"
GETS = [MENU, f"{MENU}/versions/1", f"{MENU}/diff?a=1&b=1", f"{MENU}/edit",
        f"{MENU}/nodes/main/edit", "/admin/content/channels/jazz",
        "/admin/content/channels/jazz/delete", "/admin/content/quiz/{question}",
        f"/admin/hours/{NORTHWIND}.billing", "/admin/hours/general",
        f"/admin/content?line={NORTHWIND}", f"/admin/content/quiz?line={NORTHWIND}"]
POSTS = [
    (f"{MENU}/edit", {"yaml": "name: x", "base_version": "1"}),
    (f"{MENU}/versions/1/publish", {}),
    (f"{MENU}/versions/1/test", {"script": "press 1"}),
    (f"{MENU}/versions/1/try", {"node": "main", "sentence": "billing"}),
    (f"{MENU}/nodes/main/edit", {"from_version": "1", "base_version": "1"}),
    (f"{MENU}/nodes/main/examples", {"speech": "my bill", "option": "0"}),
    ("/admin/content/channels/jazz/delete", {"confirm": "jazz"}),
    ("/admin/content/channels/jazz/tracks", {}),
    ("/admin/content/channels/jazz/tracks/delete", {"track": "x"}),
    ("/admin/content/channels/jazz/tracks/weekday", {"track": "x", "weekday": "1"}),
    ("/admin/content/channels", {"line": NORTHWIND, "jazz-name": "taken"}),
    ("/admin/content/channels/new", {"new-line": NORTHWIND, "new-key": "mine",
                                     "new-kind": "callback", "new-name": "mine",
                                     "new-digit": "9"}),
    ("/admin/content/quiz", {"line": NORTHWIND, "question": "Mine?", "choice-1": "a",
                             "choice-2": "b", "answer": "1"}),
    ("/admin/content/quiz/{question}", {"question": "Changed?"}),
    ("/admin/content/quiz/{question}/active", {}),
    ("/admin/content/quiz/{question}/delete", {}),
    ("/admin/content/feeds/{feed}/refresh", {}),
    ("/admin/content/feeds/{feed}/delete", {}),
    (f"/admin/hours/{NORTHWIND}.billing", {"weekly": "Mon 09:00-10:00", "special": ""}),
    (f"/admin/hours/{NORTHWIND}.billing/reset", {}),
    ("/admin/hours/general", {"weekly": "Mon 09:00-10:00", "special": ""}),
    ("/admin/numbers", {"number": "+15550002222", "menu": NORTHWIND}),
    ("/admin/numbers/{route}/delete", {}),
]


@pytest.mark.parametrize("path", GETS)
def test_another_lines_pages_do_not_exist_for_a_limited_operator(refused, path):
    client, ids = refused
    page = client.get(path.format(**ids))
    assert page.status_code == 404
    assert NORTHWIND not in page.get_data(as_text=True)


@pytest.mark.parametrize("path,form", POSTS, ids=[path for path, _ in POSTS])
def test_posting_to_another_line_is_a_404_and_changes_nothing(refused, path, form):
    client, ids = refused
    path, csrf = path.format(**ids), token(client)
    before = everything()
    answer = client.post(path, data={"csrf_token": csrf, **form})
    assert answer.status_code == 404
    assert everything() == before
    assert client.get(f"/admin/menus/{CLINIC}").status_code == 200  # still signed in


def test_a_limited_operator_sees_only_their_lines_things(clinic_operator):
    home = clinic_operator.get("/admin/").get_data(as_text=True)
    assert f"/admin/menus/{CLINIC}" in home and f"/admin/menus/{NORTHWIND}" not in home
    assert clinic_operator.get(f"/admin/menus/{CLINIC}").status_code == 200
    content = clinic_operator.get("/admin/content").get_data(as_text=True)
    assert 'id="channel-smile-music"' in content and 'id="channel-jazz"' not in content
    assert NORTHWIND not in content  # not even in the line chooser
    quiz = clinic_operator.get("/admin/content/quiz").get_data(as_text=True)
    assert "How long should you brush your teeth" in quiz and "LED bulb" not in quiz
    hours = clinic_operator.get("/admin/hours").get_data(as_text=True)
    assert f'data-queue="{CLINIC}.billing"' in hours
    assert NORTHWIND not in hours and 'data-queue="general"' not in hours  # shared: hidden
    assert '<td class="line">brightsmile-dental</td>' in hours


def test_a_limited_operator_changes_their_own_lines_hours_and_quiz(clinic_operator):
    saved = clinic_operator.post(f"/admin/hours/{CLINIC}.billing", data={
        "csrf_token": token(clinic_operator), "weekly": "Mon-Fri 08:00-17:00", "special": ""})
    assert saved.status_code == 303
    added = clinic_operator.post("/admin/content/quiz", data={
        "csrf_token": token(clinic_operator), "question": "Floss daily?", "choice-1": "yes",
        "choice-2": "no", "answer": "1"})
    assert added.status_code == 303, added.get_data(as_text=True)
    assert db.session.scalar(select(QuizQuestion.line).where(
        QuizQuestion.question == "Floss daily?")) == CLINIC  # their line, chosen or not


def test_a_limited_operator_cannot_make_a_menu_outside_their_lines(clinic_operator):
    text = DENTAL_MENU.read_text().replace(f"name: {CLINIC}", "name: another-clinic", 1)
    before = everything()
    refused = clinic_operator.post("/admin/menus/new", data={
        "csrf_token": token(clinic_operator), "yaml": text, "base_version": "0"})
    assert refused.status_code == 422
    assert "may only make menus named after its lines" in refused.get_data(as_text=True)
    assert everything() == before


def test_an_unlimited_operator_sees_every_line(client, login):
    add_user("olive", "operator")
    login("olive")
    home = client.get("/admin/").get_data(as_text=True)
    assert f"/admin/menus/{CLINIC}" in home and f"/admin/menus/{NORTHWIND}" in home
    content = client.get("/admin/content").get_data(as_text=True)
    assert 'id="channel-smile-music"' in content and 'id="channel-jazz"' in content
    hours = client.get("/admin/hours").get_data(as_text=True)
    assert f'data-queue="{NORTHWIND}.billing"' in hours and 'data-queue="general"' in hours
    assert client.get(f"/admin/hours/{NORTHWIND}.billing").status_code == 200


def test_users_create_limits_an_account_to_lines(app):
    result = app.test_cli_runner().invoke(args=[
        "users", "create", "clara", "--role", "operator", "--lines", f"{CLINIC}, extra",
        "--password", "a-long-password"])
    assert result.exit_code == 0, result.output
    assert f"for {CLINIC}, extra" in result.output
    clara = db.session.scalar(select(User).where(User.username == "clara"))
    assert clara.lines == [CLINIC, "extra"]
    everyone = app.test_cli_runner().invoke(args=[
        "users", "create", "olive", "--role", "operator", "--password", "a-long-password"])
    assert everyone.exit_code == 0
    assert db.session.scalar(select(User.lines).where(User.username == "olive")) == []
    admin = app.test_cli_runner().invoke(args=[
        "users", "create", "ada", "--role", "admin", "--lines", CLINIC,
        "--password", "a-long-password"])
    assert admin.exit_code != 0 and "admins have every line" in admin.output
