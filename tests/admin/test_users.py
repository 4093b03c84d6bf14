"""The users page: admins list, create and change accounts and their lines; refused input
names the field and saves nothing; every change is audited; a changed user's session
picks up the new rights on its next request."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.agents import presence
from app.agents.models import AgentProfile, Offer
from app.auth.models import AuditEntry, User
from app.demo.northwind import DENTAL_NUMBER
from app.models import db
from app.simulator import say
from tests.conftest import add_user, csrf_from

CLINIC, NORTHWIND = "brightsmile-dental", "northwind-main"
GOOD = {"username": "clara", "role": "operator", "lines": [CLINIC],
        "password": "a-long-password"}


@pytest.fixture
def admin(client, make_user, login):
    make_user("ada", "admin")
    login("ada")
    return client


def post(client, path: str, **form):
    token = csrf_from(client.get("/admin/users").get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **form})


def accounts() -> list[tuple]:
    """Every account as saved, and the audit log: what a refused form must not change."""
    users = db.session.execute(select(User.username, User.role, User.lines, User.active,
                                      User.session_generation).order_by(User.id)).all()
    return [tuple(u) for u in users], db.session.scalar(select(func.count(AuditEntry.id)))


def problems(answer) -> str:
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert 'id="problems"' in page
    return page


def user(name: str) -> User:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.username == name))


def last_audit() -> AuditEntry:
    return db.session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()))


class Browser:
    """A second browser: the user whose rights the admin changes. Each request gets its
    own app context, as in the server (the test's context would share Flask-Login's and
    Flask-WTF's per-request caches with the admin's requests)."""

    def __init__(self, app) -> None:
        self.app, self.client = app, app.test_client()

    def get(self, path: str):
        with self.app.app_context():
            return self.client.get(path)

    def post(self, path: str, data: dict):
        with self.app.app_context():
            return self.client.post(path, data=data)


def sign_in_elsewhere(app, username: str, password: str = "a-long-password") -> Browser:
    other = Browser(app)
    token = csrf_from(other.get("/login").get_data(as_text=True))
    answer = other.post("/login", {"username": username, "password": password,
                                   "csrf_token": token})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return other


def test_only_admins_reach_the_users_page(app, client, make_user, login):
    assert client.get("/admin/users").status_code == 302  # to the login page
    make_user("olive", "operator")
    login("olive")
    assert client.get("/admin/users").status_code == 403
    assert "/admin/users" not in client.get("/admin/").get_data(as_text=True)  # no nav link
    before = accounts()
    token = csrf_from(client.get("/admin/").get_data(as_text=True))
    answer = client.post("/admin/users", data={"csrf_token": token, **GOOD})
    assert answer.status_code == 403
    assert accounts() == before


def test_the_list_shows_roles_and_lines(admin):
    clara = add_user("clara", "operator")
    clara.lines = [CLINIC]
    db.session.commit()
    page = admin.get("/admin/users").get_data(as_text=True)
    row = page.split('data-user="clara"')[1].split("</tr>")[0]
    assert 'value="operator" selected' in row
    assert f'value="{CLINIC}" id="u{clara.id}-line-{CLINIC}" checked' in row
    assert f'value="{NORTHWIND}" id="u{clara.id}-line-{NORTHWIND}">' in row
    assert CLINIC in row.split('class="shown-lines">')[1].split("<")[0]
    ada_row = page.split('data-user="ada"')[1].split("</tr>")[0]
    assert "every line" in ada_row and "(you)" in ada_row


def test_an_admin_creates_a_user_limited_to_one_line(app, admin):
    answer = post(admin, "/admin/users", **GOOD)
    assert answer.status_code == 303
    clara = user("clara")
    assert (clara.role, clara.lines, clara.active) == ("operator", [CLINIC], True)
    entry = last_audit()
    assert (entry.username, entry.action, entry.target) == ("ada", "user.create", "clara")
    assert entry.detail == {"role": "operator", "lines": [CLINIC]}
    # the initial password works, and the new operator sees only the clinic
    clara_browser = sign_in_elsewhere(app, "clara")
    assert clara_browser.get(f"/admin/menus/{CLINIC}").status_code == 200
    assert clara_browser.get(f"/admin/menus/{NORTHWIND}").status_code == 404


def test_a_new_agent_gets_the_phone_the_console_rings(admin):
    post(admin, "/admin/users", username="agnes", role="agent", password="a-long-password",
         phone="+1 555 010 2000")
    profile = db.session.scalar(select(AgentProfile).join(User).where(User.username == "agnes"))
    assert profile.phone == "+15550102000"


def test_an_agent_made_for_the_clinic_is_offered_its_callers(admin, simulate):
    """An agent's queues come from their lines (the console had no other way to get
    them): the clinic's own queues and the default one, not Northwind's."""
    post(admin, "/admin/users", username="dora", role="agent", lines=[CLINIC],
         password="a-long-password", phone="+15550102001")
    dora = db.session.scalar(select(AgentProfile).join(User).where(User.username == "dora"))
    assert {"general", f"{CLINIC}.front_desk"} <= set(dora.skills)
    assert not [queue for queue in dora.skills if queue.startswith(NORTHWIND)]
    presence.move(dora, presence.AVAILABLE)
    db.session.commit()
    t = simulate([say("representative")], dialled=DENTAL_NUMBER, wait_loops=2,
                 stay_on_line=True)  # joining the queue routes at once
    offer = db.session.scalar(select(Offer).where(Offer.agent_id == dora.id))
    assert offer is not None and offer.call.call_sid == t.call_sid


def test_an_agent_moved_to_other_lines_answers_their_queues_instead(admin):
    post(admin, "/admin/users", username="dora", role="agent", lines=[CLINIC],
         password="a-long-password", phone="+15550102001")
    dora = user("dora")
    answer = post(admin, f"/admin/users/{dora.id}", role="agent", lines=[NORTHWIND])
    assert answer.status_code == 303
    skills = db.session.scalar(select(AgentProfile.skills).where(
        AgentProfile.user_id == dora.id))
    assert {"general", f"{NORTHWIND}.billing"} <= set(skills)
    assert not [queue for queue in skills if queue.startswith(CLINIC)]
    entry = last_audit()  # what the agent answers changed with their lines: audited
    assert entry.action == "user.rights" and entry.detail["queues"] == skills
    assert f"{CLINIC}.front_desk" in entry.detail["before"]["queues"]
    shown = f'answers: <span class="shown-queues">{", ".join(skills)}</span>'
    assert shown in admin.get("/admin/users").get_data(as_text=True)


BAD_NEW_USERS = [  # (changed fields, the field named, what is said)
    ({"username": ""}, "username", "username: a username is needed"),
    ({"username": "ada"}, "username", "username: ada exists already"),
    ({"username": "clara smith"}, "username", "username: use letters"),
    ({"lines": ["nowhere-line"]}, "lines", "lines: no line named nowhere-line"),
    ({"role": "admin"}, "lines", "lines: admins have every line"),
    ({"role": "owner"}, "role", "role: owner is not one of admin"),
    ({"password": "short"}, "password", "password: use at least 10 characters"),
    ({"role": "agent", "lines": [], "phone": "call me"}, "phone", "phone: agents need a phone"),
]


def test_a_refused_new_user_names_the_field_and_saves_nothing(admin):
    """One app for every case: a refusal changes nothing, so none can affect the next."""
    before = accounts()
    for form, field, said in BAD_NEW_USERS:
        page = problems(post(admin, "/admin/users", **{**GOOD, **form}))
        assert f'data-field="{field}">{said}' in page, form
        assert accounts() == before, form
        if form.get("username", "x"):  # what was typed is kept to fix, never the password
            assert f'value="{form.get("username", "clara")}"' in page
        assert "a-long-password" not in page


def test_changes_need_a_csrf_token(admin):
    clara = add_user("clara", "operator")
    before = accounts()
    for path in ("/admin/users", f"/admin/users/{clara.id}", f"/admin/users/{clara.id}/active"):
        assert admin.post(path, data={**GOOD, "role": "admin", "active": "0"}).status_code == 400
    assert accounts() == before


def test_changed_rights_apply_to_the_users_next_request(app, admin):
    clara = add_user("clara", "operator")
    clara.lines = [CLINIC]
    db.session.commit()
    clara_browser = sign_in_elsewhere(app, "clara")
    assert clara_browser.get(f"/admin/menus/{NORTHWIND}").status_code == 404

    answer = post(admin, f"/admin/users/{clara.id}", role="operator", lines=[NORTHWIND])
    assert answer.status_code == 303
    assert user("clara").lines == [NORTHWIND]
    entry = last_audit()
    assert (entry.action, entry.target) == ("user.rights", "clara")
    assert entry.detail == {"before": {"role": "operator", "lines": [CLINIC]},
                            "role": "operator", "lines": [NORTHWIND]}
    # same cookie, new rights: no sign-in again
    assert clara_browser.get(f"/admin/menus/{NORTHWIND}").status_code == 200
    assert clara_browser.get(f"/admin/menus/{CLINIC}").status_code == 404

    post(admin, f"/admin/users/{clara.id}", role="agent")  # no phone: refused
    post(admin, f"/admin/users/{clara.id}", role="supervisor")
    assert clara_browser.get("/admin/").status_code == 403
    assert clara_browser.get("/supervisor/").status_code == 200


BAD_CHANGES = [  # (whose account, changed fields, the field named, what is said)
    ("clara", {"lines": ["nowhere-line"]}, "lines", "lines: no line named nowhere-line"),
    ("clara", {"role": "admin", "lines": [CLINIC]}, "lines", "lines: admins have every line"),
    ("clara", {"role": "agent"}, "role", "role: an agent needs a phone"),
    ("ada", {"role": "operator"}, "role", "role: you cannot take away your own admin role"),
]


def test_a_refused_change_names_the_field_and_saves_nothing(admin):
    add_user("clara", "operator")
    before = accounts()
    for who, form, field, said in BAD_CHANGES:
        page = problems(post(admin, f"/admin/users/{user(who).id}",
                             **{"role": "operator", **form}))
        assert f'data-field="{field}">{said}' in page, form
        assert accounts() == before, form


def test_a_disabled_user_is_signed_out_and_cannot_sign_in_until_enabled(app, admin):
    clara = add_user("clara", "operator")
    clara_browser = sign_in_elsewhere(app, "clara")
    assert post(admin, f"/admin/users/{clara.id}/active", active="0").status_code == 303
    assert user("clara").active is False
    assert last_audit().action == "user.disable"
    assert clara_browser.get("/admin/").status_code == 302  # back to the login page
    with pytest.raises(AssertionError):
        sign_in_elsewhere(app, "clara")

    post(admin, f"/admin/users/{clara.id}/active", active="1")
    assert last_audit().action == "user.enable"
    assert clara_browser.get("/admin/").status_code == 302  # the old cookie stays dead
    assert sign_in_elsewhere(app, "clara").get("/admin/").status_code == 200


def test_an_admin_cannot_disable_themselves(admin):
    before = accounts()
    page = problems(post(admin, f"/admin/users/{user('ada').id}/active", active="0"))
    assert 'data-field="active">active: you cannot disable your own account' in page
    assert accounts() == before


def test_an_unknown_user_is_no_page(admin):
    assert post(admin, "/admin/users/9999", role="operator").status_code == 404
