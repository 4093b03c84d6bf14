"""Who is waiting and who takes whom (the caller's context for the agent: context.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import joinedload

from ..hold import service as hold
from ..hold.models import CallbackRequest, HoldSession
from ..menus import language_of
from ..models import Call, db, rows_updated, utcnow
from ..phone import mask
from ..providers.port import QueueExit
from . import handover, presence
from .context import agent_phrases, context, screen_pop, whisper  # noqa: F401  (the agent's view)
from .models import AgentProfile, Assignment, Offer

OPEN = ("ringing", "connected")  # assignment statuses not yet settled
RESERVED = ("offered", "dialing")  # a callback offered to an agent, or being dialled
FAILED_SHOWN = timedelta(days=7)  # how long the console lists callbacks that ran out of tries


@dataclass(frozen=True)
class Waiting:
    kind: str  # caller | callback
    ident: int  # hold session id or callback id
    call: Call
    queue: str
    joined_at: datetime
    position: int
    callback: CallbackRequest | None = None
    offered: bool = False  # put to an agent's console, not yet accepted

    @property
    def wait_s(self) -> int:
        return int((utcnow() - self.joined_at).total_seconds())


def line(queues: list[str], offered: bool = False) -> list[Waiting]:
    """Unclaimed waiting callers and due callbacks, each queue in fair order. A callback
    between attempts is left out until its retry time, then has its original place.
    offered: also those put to an agent's console right now (they keep their place)."""
    waiting: list[Waiting] = []
    now = utcnow()
    for queue in queues:
        order = hold.next_in_line(queue)
        rows = _rows(order)
        on_offer = _on_offer([row.id for row in rows.values() if isinstance(row, HoldSession)])
        position = 0
        for key in order:
            row = rows.get(key)
            if row is None or isinstance(row, HoldSession) and row.call.ended_at is not None:
                continue  # ended: hung up, and the queue may not have told us
            if isinstance(row, CallbackRequest) and row.next_attempt_at \
                    and row.next_attempt_at > now:
                continue
            position += 1
            reserved = _reserved(row, on_offer)
            if reserved == "taken" or reserved == "offered" and not offered:
                continue
            waiting.append(Waiting(key[0], row.id, row.call, queue, row.joined_at, position,
                                   row if isinstance(row, CallbackRequest) else None,
                                   offered=reserved == "offered"))
    return sorted(waiting, key=lambda w: w.joined_at)


def _rows(order: list[tuple[str, int]]) -> dict[tuple[str, int], HoldSession | CallbackRequest]:
    """The line's rows with their calls, in two queries (the console polls this every 2 s).
    next_in_line names callers by call id and callbacks by their own id."""
    callers = [ident for kind, ident in order if kind == "caller"]
    callbacks = [ident for kind, ident in order if kind == "callback"]
    rows: dict[tuple[str, int], HoldSession | CallbackRequest] = {}
    if callers:
        rows.update((("caller", s.call_id), s) for s in db.session.scalars(
            select(HoldSession).where(HoldSession.call_id.in_(callers))
            .options(joinedload(HoldSession.call))))
    if callbacks:
        rows.update((("callback", c.id), c) for c in db.session.scalars(
            select(CallbackRequest).where(CallbackRequest.id.in_(callbacks))
            .options(joinedload(CallbackRequest.call))))
    return rows


def _on_offer(session_ids: list[int]) -> set[int]:
    if not session_ids:
        return set()
    return set(db.session.scalars(select(Offer.hold_session_id).where(
        Offer.hold_session_id.in_(session_ids), Offer.status == "open")))


def _reserved(row: HoldSession | CallbackRequest, on_offer: set[int]) -> str | None:
    """'offered' to an agent's console, 'taken' by an agent, or None: free to offer."""
    if isinstance(row, CallbackRequest):
        return "offered" if row.status == "offered" else None
    if row.claimed_by is None:
        return None
    return "offered" if row.id in on_offer else "taken"


def retrying(queues: list[str]) -> list[CallbackRequest]:
    """Callbacks between attempts: shown with their next try, not offered before it."""
    return list(db.session.scalars(select(CallbackRequest).where(
        CallbackRequest.queue.in_(queues), CallbackRequest.status == "pending",
        CallbackRequest.next_attempt_at > utcnow())
        .order_by(CallbackRequest.next_attempt_at)))


def failed_callbacks(queues: list[str]) -> list[CallbackRequest]:
    """Callbacks that ran out of attempts, so nobody is dropped without an agent seeing it."""
    return list(db.session.scalars(select(CallbackRequest).where(
        CallbackRequest.queue.in_(queues), CallbackRequest.status == "failed",
        CallbackRequest.requested_at >= utcnow() - FAILED_SHOWN)
        .order_by(CallbackRequest.requested_at.desc())))


def reserve(item: Waiting, agent: AgentProfile, callback_status: str = "dialing") -> bool:
    """Atomic: of two agents (or two offers) at once, exactly one gets this caller."""
    if item.kind == "caller":
        return rows_updated(update(HoldSession).where(
            HoldSession.id == item.ident, HoldSession.claimed_by.is_(None),
            HoldSession.outcome.is_(None)).values(claimed_by=agent.id)) == 1
    return rows_updated(update(CallbackRequest).where(
        CallbackRequest.id == item.ident, CallbackRequest.status == "pending")
        .values(status=callback_status)) == 1


def unreserve(kind: str, ident: int | None, agent: AgentProfile) -> None:
    """The caller back in line at their original place (their join time never changed)."""
    if kind == "caller":
        db.session.execute(update(HoldSession).where(
            HoldSession.id == ident, HoldSession.claimed_by == agent.id).values(claimed_by=None))
    else:
        db.session.execute(update(CallbackRequest).where(
            CallbackRequest.id == ident, CallbackRequest.status.in_(RESERVED))
            .values(status="pending"))


def claim(agent: AgentProfile, item: Waiting) -> Assignment | None:
    """The agent takes this caller: only one caller per agent, and one agent per caller.
    A lost race (SQLite's write lock, PostgreSQL's deadlock check) is no caller, not an
    error: the session is rolled back and the agent can press again."""
    try:
        if not reserve(item, agent):
            return None
        if not presence.move(agent, presence.ON_CALL, "taking a caller", allowed=presence.FREE):
            unreserve(item.kind, item.ident, agent)  # already offered one, or on a call
            return None
        return assign(agent, item.kind, item.call, item.ident)
    except DBAPIError:
        db.session.rollback()
        return None


def assign(agent: AgentProfile, kind: str, call: Call, ident: int | None) -> Assignment:
    assignment = Assignment(agent=agent, call=call, kind=kind,
                            hold_session_id=ident if kind == "caller" else None,
                            callback_id=ident if kind == "callback" else None)
    db.session.add(assignment)
    db.session.flush()
    return assignment


def take_next(agent: AgentProfile) -> Assignment | None:
    """The longest-waiting caller of the agent's queues that they can speak with."""
    for item in line(agent.skills or ["general"]):
        if not speaks(agent, item.call):
            continue
        assignment = claim(agent, item)
        if assignment is not None:
            return assignment
    return None


def speaks(agent: AgentProfile, call: Call, heard: tuple[str, str] | None = None) -> bool:
    """Every agent speaks the business's language; another one only if listed for them.
    heard: languages_of(call), when the caller is weighed against several agents."""
    caller, business = heard or languages_of(call)
    return caller == business or caller in {
        primary(language) for language in agent.languages or []}


def languages_of(call: Call) -> tuple[str, str]:
    """The caller's language and the business's, as primary tags ("ko", "en")."""
    return primary(language_of(call)), primary(agent_phrases(call).language)


def primary(language: str | None) -> str:
    return (language or "").split("-")[0].lower()


def caller_name(call: Call, info: dict | None = None) -> str:
    """The caller as buttons name them: the customer, or the masked number. info: the
    call's context(), when the caller already has it."""
    info = info or context(call)
    return info["name"] if info["matched"] else mask(call.from_number)


def queue_of(assignment: Assignment) -> str:
    row = (db.session.get(HoldSession, assignment.hold_session_id) if assignment.hold_session_id
           else callback_of(assignment))
    return row.queue if row is not None else "general"


def callback_of(assignment: Assignment) -> CallbackRequest | None:
    if assignment.callback_id is None:
        return None
    return db.session.get(CallbackRequest, assignment.callback_id)


def caller_left(assignment: Assignment) -> bool:
    """A waiting caller who hung up (or left the queue) since the agent took them."""
    if assignment.kind != "caller":
        return False
    session = db.session.get(HoldSession, assignment.hold_session_id)
    return assignment.call.ended_at is not None or session is None \
        or session.outcome is not None


def _settle(assignment: Assignment, status: str) -> bool:
    """Close the assignment and free the agent; False if it was already settled (a provider
    may repeat a status callback, which must not count twice)."""
    if assignment.status not in OPEN:
        return False
    assignment.status = status
    presence.move(assignment.agent, presence.AVAILABLE, "caller not reached",
                  allowed=(presence.ON_CALL,))
    return True


def release(assignment: Assignment, status: str) -> None:
    """The agent did not take it (no answer, phone not reached): the caller keeps their
    place, and a callback its turn without losing an attempt (the customer was not rung)."""
    if not _settle(assignment, status):
        return
    unreserve(assignment.kind, assignment.hold_session_id or assignment.callback_id,
              assignment.agent)


def hung_up(assignment: Assignment) -> None:
    """The agent's leg ended after the bridge: wrap-up for the queue's time. Once only: a
    repeated callback must not put the agent's next call into wrap-up."""
    if assignment.status != "connected":
        return
    # after a warm transfer's join the caller stays with the colleague (controls.py)
    assignment.status = "transferred" if assignment.consult == "joined" else "ended"
    presence.start_wrap_up(assignment.agent, queue_of(assignment))
    if assignment.status == "transferred":
        handover.hand_over(assignment)


def current_call(agent: AgentProfile) -> Assignment | None:
    """The call the agent is on now, for their console (a taken-over one too)."""
    return db.session.scalar(select(Assignment).where(
        Assignment.agent_id == agent.id, Assignment.status == "connected")
        .order_by(Assignment.id.desc()).limit(1))


def caller_gone(assignment: Assignment, result: str = "hung up") -> None:
    """The caller hung up, or the callback customer did not answer (result says how): the
    agent is freed, the hold ends, a callback is retried later or, after the last try, failed."""
    if not _settle(assignment, "caller-gone"):
        return
    session = assignment.hold_session_id and db.session.get(
        HoldSession, assignment.hold_session_id)
    if session and session.outcome is None:
        waited = int((utcnow() - session.joined_at).total_seconds())
        hold.end(session.call, QueueExit.HUNG_UP, waited)
    if callback := callback_of(assignment):
        retry_later(callback, result)


def retry_later(callback: CallbackRequest, result: str) -> None:
    config = current_app.config
    callback.last_result = result[:20]
    if callback.attempts < config["CALLBACK_ATTEMPTS"]:
        callback.status = "pending"
        callback.next_attempt_at = utcnow() + timedelta(seconds=config["CALLBACK_RETRY_S"])
    else:
        callback.status, callback.next_attempt_at = "failed", None
