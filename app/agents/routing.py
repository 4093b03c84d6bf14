"""Push routing: waiting callers offered to idle agents, and the agent's own state changes.

The longest-waiting caller (a callback at its original join time; a higher-priority queue
first) is offered to the longest-idle available agent who serves the queue and speaks the
caller's language. An offer reserves the caller for one agent for AGENT_OFFER_S seconds;
unanswered, the agent becomes away ("missed offer") and the caller, who never lost their
place, goes to the next agent. There is no timer: offers expire on the next routing
decision (every console poll, agent change, the minutely job, and a caller joining while
an agent who serves their queue is available or in wrap-up).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError

from ..hold.models import CallbackRequest, HoldSession
from ..models import db, rows_updated, utcnow
from . import presence, service
from .models import AgentProfile, Assignment, Offer, QueueRouting
from .presence import AVAILABLE, AWAY, OFFERED

log = logging.getLogger(__name__)


class Refused(Exception):
    """Why an agent's request changed nothing, in words for the agent."""


def route() -> list[Offer]:
    """Make every offer that can be made now. Each offer is its own short transaction, so a
    worker holds a lock only for one caller and one agent at a time."""
    expire_offers()
    presence.end_wrap_ups()
    db.session.commit()
    idle = list(db.session.scalars(select(AgentProfile).where(
        AgentProfile.status == AVAILABLE).order_by(AgentProfile.status_since, AgentProfile.id)))
    if not idle:
        return []
    priority = queue_priorities()
    queues = sorted({queue for agent in idle for queue in agent.skills or ["general"]})
    made: list[Offer] = []
    for item in sorted(service.line(queues),
                       key=lambda w: (-priority.get(w.queue, 0), w.joined_at)):
        heard = service.languages_of(item.call)
        for agent in [a for a in idle if serves(a, item, heard)]:
            offer = _try(agent, item)
            if offer is not None:
                made.append(offer)
                idle.remove(agent)
                break
        if not idle:
            break
    return made


def route_soon() -> None:
    """Routing after a committed change: a failure must not fail the request that made the
    change (a webhook never answers 500); the next poll or the minutely job routes again.
    The one function a periodic job or a live loop calls to route whoever is waiting."""
    try:
        route()
    except Exception:
        log.exception("routing failed; retried on the next decision")
        db.session.rollback()


def worth_routing(queue: str, agents) -> bool:
    """Whether a caller joining `queue` could be offered now: an agent who serves it is
    available (or in wrap-up, which routing may end). From the agents' status and skills
    the hold request has read anyway: no statement; else the caller waits for the next
    routing decision (an agent's change, a console poll, the minutely job)."""
    return any(a.status in (AVAILABLE, presence.WRAP_UP) and queue in (a.skills or ["general"])
               for a in agents)


def serves(agent: AgentProfile, item: service.Waiting, heard: tuple[str, str]) -> bool:
    return item.queue in (agent.skills or ["general"]) and service.speaks(agent, item.call,
                                                                          heard)


def queue_priorities() -> dict[str, int]:
    return dict(db.session.execute(select(QueueRouting.queue, QueueRouting.priority)).all())


def _try(agent: AgentProfile, item: service.Waiting) -> Offer | None:
    """One offer, committed or rolled back. A lost race (the caller went to another agent,
    the agent to another caller, or SQLite's lock was taken) is no offer, not an error."""
    try:
        offer = offer_to(agent, item)
        db.session.commit()
        return offer
    except DBAPIError:
        db.session.rollback()
        return None


def offer_to(agent: AgentProfile, item: service.Waiting) -> Offer | None:
    if not service.reserve(item, agent, callback_status="offered"):
        return None
    if not presence.move(agent, OFFERED, "offer", allowed=(AVAILABLE,)):
        service.unreserve(item.kind, item.ident, agent)
        return None
    now = utcnow()
    offer = Offer(agent=agent, call=item.call, kind=item.kind, queue=item.queue,
                  hold_session_id=item.ident if item.kind == "caller" else None,
                  callback_id=item.ident if item.kind == "callback" else None, offered_at=now,
                  expires_at=now + timedelta(seconds=current_app.config["AGENT_OFFER_S"]))
    db.session.add(offer)
    db.session.flush()
    return offer


def close(offer: Offer, status: str) -> bool:
    """Atomic: an offer is accepted, missed or withdrawn once, by one worker."""
    return rows_updated(update(Offer).where(Offer.id == offer.id, Offer.status == "open")
                        .values(status=status, closed_at=utcnow())
                        .execution_options(synchronize_session=False)) == 1


def expire_offers() -> int:
    """Offers nobody accepted in time: the caller back in their place, the agent away."""
    late = db.session.scalars(select(Offer).where(
        Offer.status == "open", Offer.expires_at <= utcnow())).all()
    missed = 0
    for offer in late:
        if close(offer, "missed"):
            service.unreserve(offer.kind, offer.ident, offer.agent)
            presence.move(offer.agent, AWAY, presence.MISSED_OFFER, allowed=(OFFERED,))
            missed += 1
    return missed


def open_offer(agent: AgentProfile) -> Offer | None:
    """The agent's offer still standing; one whose caller hung up meanwhile is withdrawn."""
    offer = db.session.scalar(select(Offer).where(Offer.agent_id == agent.id,
                                                  Offer.status == "open"))
    if offer is not None and caller_left(offer) and close(offer, "caller-gone"):
        service.unreserve(offer.kind, offer.ident, agent)
        presence.move(agent, AVAILABLE, "caller hung up", allowed=(OFFERED,))
        return None
    return offer


def caller_left(offer: Offer) -> bool:
    if offer.kind == "callback":
        callback = db.session.get(CallbackRequest, offer.callback_id)
        return callback is None or callback.status != "offered"
    session = db.session.get(HoldSession, offer.hold_session_id)
    return session is None or session.outcome is not None or offer.call.ended_at is not None


def accept(agent: AgentProfile, offer_id: int) -> Assignment:
    """The agent takes the caller offered to them; Refused (nothing changed) when the offer
    is not theirs, is over, or the caller hung up."""
    offer = db.session.get(Offer, offer_id)
    if offer is None or offer.agent_id != agent.id:
        raise Refused("That caller was offered to another agent.")
    if offer.status == "open" and offer.expires_at <= utcnow():
        expire_offers()
        db.session.commit()
    if offer.status == "open" and caller_left(offer):
        open_offer(agent)
        db.session.commit()
        raise Refused("The caller hung up before you accepted.")
    if offer.status != "open" or not close(offer, "accepted"):
        db.session.refresh(offer)
        raise Refused(OVER.get(offer.status, "This offer is over."))
    presence.move(agent, presence.ON_CALL, "accepted an offer", allowed=(OFFERED,))
    if offer.kind == "callback":  # from offered to being dialled
        db.session.execute(update(CallbackRequest).where(CallbackRequest.id == offer.ident)
                           .values(status="dialing"))
    return service.assign(agent, offer.kind, offer.call, offer.ident)


OVER = {"missed": "This offer expired; the caller keeps their place in line.",
        "accepted": "You already accepted this caller.",
        "withdrawn": "This offer was withdrawn when you went away.",
        "caller-gone": "The caller hung up before you accepted."}


def set_state(agent: AgentProfile, state: str, reason: str = "") -> None:
    """The agent's own choice: available, or away with a reason. Refused while on a call."""
    if state not in (AVAILABLE, AWAY):
        raise Refused("Choose available or away.")
    if state == AWAY and reason not in presence.AWAY_REASONS:
        raise Refused("Choose why you are away.")
    if agent.status == presence.ON_CALL:
        raise Refused("You are on a call: your status changes when it ends.")
    if agent.status == OFFERED:
        if state == AVAILABLE:
            return  # an offer is waiting for them already
        withdraw(agent)
    presence.move(agent, state, reason if state == AWAY else "",
                  allowed=(AVAILABLE, AWAY, OFFERED, presence.WRAP_UP))


def withdraw(agent: AgentProfile) -> None:
    offer = db.session.scalar(select(Offer).where(Offer.agent_id == agent.id,
                                                  Offer.status == "open"))
    if offer is not None and close(offer, "withdrawn"):
        service.unreserve(offer.kind, offer.ident, agent)
