"""Two app servers ("machines"), each with its own instance and audio folders, on one
database: a call whose webhooks alternate between them goes right, a track uploaded on
one plays from the other, an agent on one sees a caller who came in through the other.
bench/scale_out.py runs the same with gunicorn, HAProxy and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app import create_app
from app.agents.models import AgentProfile
from app.config import TestConfig
from app.hold.models import HoldChannel, HoldSegment
from app.models import Call, CallEvent, db
from app.simulator import InProcess, Simulator, press, say
from tests.admin.test_content import sine_mp3
from tests.conftest import POSTGRES, _drop_schema, _fresh_schema_url, add_user, csrf_from

pytestmark = pytest.mark.db  # one PostgreSQL database in the second pass
MARIA = "+15551230001"


def machine(uri: str, folder) -> object:
    application = create_app(type("Config", (TestConfig,), {
        "SQLALCHEMY_DATABASE_URI": uri, "AUDIO_DIR": str(folder / "audio")}))
    application.instance_path = str(folder / "instance")
    return application


@pytest.fixture
def machines(tmp_path):
    """Machines a and b on one database: a file, or a PostgreSQL schema."""
    uri = _fresh_schema_url() if POSTGRES else f"sqlite:///{tmp_path}/shared.db"
    a, b = machine(uri, tmp_path / "a"), machine(uri, tmp_path / "b")
    with a.app_context():
        from app.demo.northwind import seed
        from app.migrate import upgrade

        upgrade()
        seed()
        db.session.commit()
    yield a, b
    for application in (b, a):
        with application.app_context():
            if POSTGRES and application is a:
                _drop_schema(application)
            db.engine.dispose()


class RoundRobin:
    """What the load balancer does: each request goes to the next machine in turn."""

    def __init__(self, *apps) -> None:
        self.machines = [InProcess(application.test_client()) for application in apps]
        self.served: list[int] = []

    def post(self, url: str, params: dict[str, str], headers: dict[str, str]):
        turn = len(self.served) % len(self.machines)
        self.served.append(turn)
        return self.machines[turn].post(url, params, headers)


def signed_in(application, username: str, role: str):
    with application.app_context():
        user = add_user(username, role)
        if role == "agent":
            db.session.add(AgentProfile(user=user, phone="+15550007777", skills=["general"]))
            db.session.commit()
    client = application.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"username": username, "password": "a-long-password",
                                "csrf_token": token})
    return client


def upload_jazz(application, tmp_path) -> list[HoldSegment]:
    """Through the operator app, as an operator does it."""
    operator = signed_in(application, "olive", "operator")
    page = "/admin/content/channels/jazz"
    token = csrf_from(operator.get(page).get_data(as_text=True))
    with sine_mp3(tmp_path, seconds=25).open("rb") as audio:
        response = operator.post(f"{page}/tracks", data={
            "csrf_token": token, "audio": (audio, "morning tune.mp3")})
    assert response.status_code == 303, response.get_data(as_text=True)
    with application.app_context():
        jazz = db.session.scalar(select(HoldChannel).where(HoldChannel.key == "jazz"))
        return [(s.id, s.sha256, s.file_name) for s in jazz.segments]


def call(transport, application, script, caller: str = MARIA, **kwargs):
    return Simulator(transport, application.config["TWILIO_AUTH_TOKEN"],
                     application.config["PUBLIC_BASE_URL"], caller=caller,
                     dialled="+15005550006", **kwargs).run(script)


def recorded(application, t) -> tuple[Call, list[str]]:
    with application.app_context():
        row = db.session.scalar(select(Call).where(Call.call_sid == t.call_sid))
        kinds = [e.kind for e in db.session.scalars(
            select(CallEvent).where(CallEvent.call_id == row.id).order_by(CallEvent.id))]
        db.session.expunge(row)
        return row, kinds


def test_a_call_alternating_between_machines_goes_right_and_hears_the_upload(machines,
                                                                            tmp_path):
    a, b = machines
    [(segment_id, sha256, file_name)] = upload_jazz(a, tmp_path)
    balancer = RoundRobin(a, b)
    script = [say("agent"), press("1")]
    t = call(balancer, a, script, wait_loops=3)
    assert "ERROR" not in dict(t.lines), str(t)
    assert balancer.served[:6] == [0, 1, 0, 1, 0, 1] and len(balancer.served) >= 6
    assert t.ivr_text.startswith("Hello Maria,")  # the customer, found by number
    assert "While you wait:" in t.ivr_text
    assert f"/voice/hold-audio/{segment_id}/" in t.ivr_text  # the new jazz track
    row, kinds = recorded(b, t)
    assert (row.status, row.outcome, row.handoff_reason) == (
        "completed", "escalated", "asked for a person")
    # Every step recorded once, in order: the same steps as the same call on one machine.
    alone = call(InProcess(a.test_client()), a, script, caller="+15551230002", wait_loops=3)
    assert recorded(a, alone)[1] == kinds
    assert kinds == ["entered", "entered", "input", "global", "handoff", "entered",
                     "hold_joined", "hold_announced", "hold_input", "hold_channel",
                     "hold_played", "hold_all_heard", "hold_channel", "hold_abandoned", "ended"]


def test_a_track_uploaded_on_one_machine_is_played_by_the_other(machines, tmp_path):
    a, b = machines
    [(segment_id, sha256, file_name)] = upload_jazz(a, tmp_path)
    uploaded = tmp_path / "a" / "audio" / "library" / "jazz" / file_name
    cached = tmp_path / "b" / "audio" / "library" / "jazz" / file_name
    assert uploaded.is_file() and not cached.exists()
    url = f"/voice/hold-audio/{segment_id}/{sha256[:16]}.wav"
    heard = b.test_client().get(url)
    assert heard.status_code == 200 and heard.mimetype == "audio/wav"
    assert heard.data == uploaded.read_bytes() and heard.data[:4] == b"RIFF"
    assert cached.read_bytes() == heard.data  # b plays it from its own disk from now on
    again = b.test_client().get(url, headers={"If-None-Match": heard.headers["ETag"]})
    assert again.status_code == 304


def test_an_agent_on_one_machine_sees_a_caller_who_came_in_through_the_other(machines):
    a, b = machines
    t = call(InProcess(b.test_client()), b, [press("1"), say("agent please")],
             wait_loops=2, stay_on_line=True)
    assert t.ended_by == "queue", str(t)
    agent = signed_in(a, "andy", "agent")
    [row] = agent.get("/agent/line.json").get_json()["line"]
    assert row["name"] == "Maria Lopez" and row["reason"] == "asked for a person"
    assert row["queue"] == "general" and row["position"] == 1


def test_upgrading_puts_a_library_already_on_disk_into_the_database(tmp_path):
    """Before 0010 the audio lived only on the importing machine's disk."""
    import hashlib

    from alembic import command
    from sqlalchemy import text

    from app.hold.models import HoldAudio
    from app.migrate import alembic_config

    uri = _fresh_schema_url() if POSTGRES else f"sqlite:///{tmp_path}/old.db"
    old = machine(uri, tmp_path / "old")
    wav = b"RIFF" + bytes(range(200))
    sha256 = hashlib.sha256(wav).hexdigest()
    (tmp_path / "old" / "audio" / "library" / "jazz").mkdir(parents=True)
    (tmp_path / "old" / "audio" / "library" / "jazz" / "old.wav").write_bytes(wav)
    with old.app_context():
        cfg = alembic_config()
        with db.engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "0009_segment_language")
            connection.execute(text(
                "INSERT INTO hold_channel (id, key, name, kind, digit, phrases, position, "
                "active) VALUES (1, 'jazz', 'jazz', 'music', '1', '[]', 1, true)"))
            connection.execute(text(
                "INSERT INTO hold_segment (channel_id, track, title, file_name, sha256, "
                "duration_s, position) VALUES (1, 'old', 'old', 'old.wav', :sha, 30, 1), "
                "(1, 'lost', 'lost', 'lost.wav', :lost, 30, 2)"),
                {"sha": sha256, "lost": "f" * 64})
            command.upgrade(cfg, "head")
        assert db.session.get(HoldAudio, sha256).wav == wav
        assert db.session.scalar(select(db.func.count()).select_from(HoldAudio)) == 1
        if POSTGRES:
            _drop_schema(old)
        db.engine.dispose()
