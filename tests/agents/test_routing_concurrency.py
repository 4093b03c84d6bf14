"""One caller per agent and one agent per caller while two app servers, each with its own
engine, route and take at the same moment (SQLite file, and PostgreSQL in the db pass)."""

from __future__ import annotations

import threading
from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine

from app.agents import presence, routing, service
from app.agents.models import AgentProfile, Assignment, Offer
from app.hold.models import HoldSession
from app.models import db
from app.simulator import InProcess, Simulator, press, say
from tests.conftest import POSTGRES, add_user
from tests.test_scale_out import machines  # noqa: F401  (servers a and b on one database)

pytestmark = pytest.mark.db
CALLERS = ("+15559990001", "+15559990002", "+15559990003")
ROUNDS = 4


def three_callers_and_two_agents(application) -> None:
    client = application.test_client()
    for number in CALLERS:
        Simulator(InProcess(client), application.config["TWILIO_AUTH_TOKEN"],
                  application.config["PUBLIC_BASE_URL"], caller=number,
                  dialled="+15005550006", wait_loops=2,
                  stay_on_line=True).run([press("1"), say("agent please")])
    with application.app_context():
        for name, phone in (("ana", "+15550000001"), ("ben", "+15550000002")):
            db.session.add(AgentProfile(user=add_user(name, "agent"), phone=phone,
                                        skills=["general"]))
        db.session.commit()


def rush(application, start: threading.Barrier, errors: list) -> None:
    """What one server does when both agents' consoles poll and both press Take next."""
    with application.app_context():
        try:
            start.wait()
            routing.route()
            for agent in db.session.scalars(select(AgentProfile)).all():
                service.take_next(agent)
                db.session.commit()
        except Exception as error:  # noqa: BLE001  (reported by the test's assertion)
            errors.append(repr(error))


def engaged(agent_id: int) -> list[int]:
    """Hold sessions this agent has: offered to them, or taken by them."""
    offers = db.session.scalars(select(Offer.hold_session_id).where(
        Offer.agent_id == agent_id, Offer.status == "open")).all()
    taken = db.session.scalars(select(Assignment.hold_session_id).where(
        Assignment.agent_id == agent_id, Assignment.status.in_(service.OPEN))).all()
    return [*offers, *taken]


def start_over() -> None:
    """Every agent free and every caller back in line, for the next round."""
    for agent in db.session.scalars(select(AgentProfile)).all():
        routing.withdraw(agent)
        for assignment in db.session.scalars(select(Assignment).where(
                Assignment.agent_id == agent.id, Assignment.status.in_(service.OPEN))):
            service.release(assignment, "test-reset")
        presence.move(agent, presence.AVAILABLE, "next round")
    db.session.commit()


def test_two_servers_routing_and_taking_at_once_never_double_assign(machines):  # noqa: F811
    a, b = machines
    three_callers_and_two_agents(a)
    for _ in range(ROUNDS):
        start, errors = threading.Barrier(4), []
        threads = [threading.Thread(target=rush, args=(server, start, errors))
                   for server in (a, b, a, b)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert errors == []
        with a.app_context():
            routing.route()  # whatever a lost race left undone
            agents = db.session.scalars(select(AgentProfile)).all()
            held = {agent.id: engaged(agent.id) for agent in agents}
            assert all(len(sessions) == 1 for sessions in held.values()), held
            assert len({s for sessions in held.values() for s in sessions}) == 2
            for agent in agents:
                assert agent.status in (presence.OFFERED, presence.ON_CALL)
                session = db.session.get(HoldSession, held[agent.id][0])
                assert session.claimed_by == agent.id
            assert db.session.scalar(select(func.count()).select_from(HoldSession).where(
                HoldSession.claimed_by.is_(None))) == 1
            assert len(service.line(["general"])) == 1  # the third caller keeps waiting
            for agent in agents:  # no lost update: each change starts where the last ended
                steps = presence.history(agent)
                assert all(x.to_state == y.from_state
                           for x, y in zip(steps, steps[1:], strict=False))
            start_over()


@contextmanager
def both_read_the_agent_first(threads: int):
    """Hold each worker just before its UPDATE of the agent's row until every worker has
    read the agent as free: the narrowest race, made certain. (Only on PostgreSQL: on
    SQLite the first worker's write lock holds the other back before it reads at all.)"""
    ready, paused = threading.Barrier(threads, timeout=10), threading.local()

    def pause(_conn, _cursor, statement: str, *_args) -> None:
        if statement.lstrip().upper().startswith("UPDATE AGENT_PROFILE") and \
                not getattr(paused, "done", False):
            paused.done = True
            ready.wait()

    if POSTGRES:
        event.listen(Engine, "before_cursor_execute", pause)
    try:
        yield
    finally:
        if POSTGRES:
            event.remove(Engine, "before_cursor_execute", pause)


def take_in_row(application, row: int, results: list) -> None:
    """Ana presses Take on one row of the line, in a console served by this server."""
    with application.app_context():
        try:
            ana = db.session.scalar(select(AgentProfile).where(AgentProfile.phone.endswith("1")))
            assignment = service.claim(ana, service.line(["general"])[row])
            db.session.commit()
            results.append(assignment and assignment.hold_session_id)
        except Exception as error:  # noqa: BLE001
            results.append(repr(error))


def test_one_agent_taking_two_callers_on_two_servers_at_once_gets_one(machines):  # noqa: F811
    a, b = machines
    three_callers_and_two_agents(a)
    with a.app_context():  # Ana is away: only her own two presses are in play
        routing.route()
        start_over()
    results: list = []
    with both_read_the_agent_first(2):
        threads = [threading.Thread(target=take_in_row, args=(server, row, results))
                   for server, row in ((a, 0), (b, 1))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert len(results) == 2 and results.count(None) == 1, results  # one "nobody waiting"
    assert [type(r) for r in results if r is not None] == [int]
    with a.app_context():
        ana = db.session.scalar(select(AgentProfile).where(AgentProfile.phone.endswith("1")))
        assert len(engaged(ana.id)) == 1 and ana.status == presence.ON_CALL
        assert db.session.scalar(select(func.count()).select_from(HoldSession).where(
            HoldSession.claimed_by == ana.id)) == 1
