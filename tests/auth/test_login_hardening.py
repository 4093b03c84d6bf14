"""Login limits counted atomically per (user, address) with a per-address ceiling, trusted
proxies, and logout or a password change revoking the session server-side."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from werkzeug.serving import make_server

from app import create_app
from app.auth import throttle
from app.config import TestConfig
from app.models import db
from tests.conftest import POSTGRES, _fresh_schema_url, add_user, csrf_from


def test_one_users_failures_do_not_lock_out_others_at_that_address(client, make_user, login):
    make_user("olive", "operator")
    make_user("oscar", "operator")
    for _ in range(throttle.PER_ACCOUNT.amount):
        assert login("olive", "guess").status_code == 401
    assert login("olive").status_code == 429  # even the right password waits now
    assert login("oscar").status_code == 302  # a colleague behind the same address


def test_the_address_ceiling_stops_guessing_across_many_users(app, client, login):
    for n in range(throttle.PER_ADDRESS.amount):
        assert login(f"user{n}", "guess").status_code == 401
    assert login("someone-else", "guess").status_code == 429


def test_a_right_password_starts_the_count_again(client, make_user, login):
    make_user("olive", "operator")
    for _ in range(throttle.PER_ACCOUNT.amount - 1):
        login("olive", "guess")
    assert login("olive").status_code == 302
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/admin/").get_data(
        as_text=True))})
    assert login("olive", "guess").status_code == 401  # not blocked: counting anew


@pytest.fixture
def own_app(tmp_path):
    """An app of its own (own config) on a database every thread shares, with olive."""
    made = []

    def make(**config):
        uri = _fresh_schema_url() if POSTGRES else f"sqlite:///{tmp_path}/own.db"
        app = create_app(type("Config", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": uri,
                                                        **config}))
        with app.app_context():
            from app.migrate import upgrade

            upgrade()
            add_user("olive", "operator")
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.engine.dispose()


@pytest.mark.parametrize("hops, blocked", [(0, True), (1, False)])
def test_forwarded_addresses_count_only_behind_a_trusted_proxy(own_app, hops, blocked):
    """Without a trusted proxy a forged X-Forwarded-For cannot buy fresh attempts; behind
    one, each client address is counted on its own."""
    client = own_app(TRUSTED_PROXIES=hops).test_client()

    def attempt(address: str, password: str) -> int:
        token = csrf_from(client.get("/login").get_data(as_text=True))
        return client.post("/login", data={"username": "olive", "password": password,
                                           "csrf_token": token},
                           headers={"X-Forwarded-For": address}).status_code

    for n in range(throttle.PER_ACCOUNT.amount):
        assert attempt(f"203.0.113.{n}", "guess") == 401
    assert attempt("198.51.100.7", "a-long-password") == (429 if blocked else 302)


# --- 40 parallel guesses against a real threaded server --------------------------------


@pytest.fixture
def live_server(own_app):
    """The app on a real threaded HTTP server."""
    server = make_server("127.0.0.1", 0, own_app(), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_forty_parallel_guesses_check_at_most_the_limit(live_server):
    guessers = []
    for _ in range(40):
        session = requests.Session()
        token = csrf_from(session.get(f"{live_server}/login").text)
        guessers.append((session, token))
    start = threading.Barrier(40)

    def guess(guesser, n: int) -> int:
        session, token = guesser
        start.wait()
        return session.post(f"{live_server}/login", data={
            "username": "olive", "password": f"guess-{n}", "csrf_token": token},
            allow_redirects=False).status_code

    with ThreadPoolExecutor(40) as pool:
        codes = list(pool.map(guess, guessers, range(40)))
    assert codes.count(401) == throttle.PER_ACCOUNT.amount  # passwords actually checked
    assert codes.count(429) == 40 - throttle.PER_ACCOUNT.amount


# --- session revocation -----------------------------------------------------------------


def _cookie(client) -> str:
    return client.get_cookie("session").value


def test_a_cookie_captured_before_logout_no_longer_opens_admin(app, client, make_user, login):
    make_user("olive", "operator")
    login("olive")
    captured = _cookie(client)
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/admin/").get_data(
        as_text=True))})
    thief = app.test_client()
    thief.set_cookie("session", captured)
    assert thief.get("/admin/").status_code == 302  # sent to the login page


def test_a_password_change_revokes_existing_sessions(app, client, make_user, login):
    user = make_user("olive", "operator")
    login("olive")
    assert client.get("/admin/").status_code == 200
    user.set_password("another-long-password")
    db.session.commit()
    with app.app_context():  # a later request, as in production: nothing cached in g
        assert client.get("/admin/").status_code == 302
