"""Accounts: login with CSRF, rate-limited failures, roles on every route, audit log."""

from __future__ import annotations

from sqlalchemy import select

from app.auth.models import AuditEntry, User
from app.models import db
from tests.conftest import csrf_from


def test_admin_pages_need_a_login(client):
    response = client.get("/admin/")
    assert response.status_code == 302 and "/login" in response.location


def test_operator_signs_in_and_sees_the_menus(client, make_user, login):
    make_user("olive", "operator")
    response = login("olive")
    assert response.status_code == 302 and response.location.endswith("/admin/")
    page = client.get("/admin/").get_data(as_text=True)
    assert "northwind-main" in page and "version 1" in page
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "login"))


def test_password_is_stored_hashed(make_user):
    user = make_user("hash", "agent", "s3cret-words-here")
    assert "s3cret" not in user.password_hash and user.check_password("s3cret-words-here")


def test_wrong_password_is_refused(client, make_user, login):
    make_user("olive", "operator")
    response = login("olive", "nope")
    assert response.status_code == 401
    assert "Wrong username or password" in response.get_data(as_text=True)


def test_failed_logins_are_rate_limited(client, make_user, login):
    make_user("olive", "operator")
    for _ in range(5):
        login("olive", "guess")
    blocked = login("olive")  # even the right password waits now
    assert blocked.status_code == 429
    assert client.get("/admin/").status_code == 302


def test_login_without_csrf_token_is_refused(client, make_user):
    make_user("olive", "operator")
    response = client.post("/login", data={"username": "olive", "password": "a-long-password"})
    assert response.status_code == 400


def test_agent_cannot_open_operator_pages(client, make_user, login):
    make_user("andy", "agent")
    login("andy")
    assert client.get("/admin/").status_code == 403


def test_logout_needs_csrf_and_ends_the_session(client, make_user, login):
    make_user("olive", "operator")
    login("olive")
    assert client.post("/logout").status_code == 400
    token = csrf_from(client.get("/admin/").get_data(as_text=True))
    client.post("/logout", data={"csrf_token": token})
    assert client.get("/admin/").status_code == 302


def test_next_parameter_cannot_redirect_off_site(client, make_user):
    make_user("olive", "operator")
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login?next=//evil.example/x", data={
        "username": "olive", "password": "a-long-password", "csrf_token": token})
    assert response.location.endswith("/admin/")


def test_users_create_command(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "amy", "--role", "agent", "--phone",
                                 "+15550001111", "--skills", "billing, general",
                                 "--password", "long-enough-pw"])
    assert result.exit_code == 0
    assert db.session.scalar(select(User).where(User.username == "amy")).role == "agent"
    from app.agents.models import AgentProfile

    assert db.session.scalar(select(AgentProfile)).skills == ["billing", "general"]
    no_phone = runner.invoke(args=["users", "create", "ann", "--role", "agent",
                                   "--password", "long-enough-pw"])
    assert no_phone.exit_code != 0
    short = runner.invoke(args=["users", "create", "bob", "--role", "agent", "--password", "x"])
    assert short.exit_code != 0


def test_webhooks_are_not_blocked_by_csrf(signed):
    import uuid

    response = signed("/voice/incoming", {"CallSid": "CA" + uuid.uuid4().hex,
                                          "From": "+15551230001", "To": "+15005550006"})
    assert response.status_code == 200
