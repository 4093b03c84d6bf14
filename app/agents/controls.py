"""In-call controls: what an agent does to the call they are on (hold, mute, cold and warm
transfer, end), through the provider's API on the room the agent and caller meet in.

Each control is checked against our own record first (whose call it is, whether the caller
is still there, whether it was transferred away), so a refused control asks nothing of the
provider and changes nothing; a provider failure changes nothing either. Every control
that goes through is a call event, for the screen pop and analytics.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import asdict, dataclass

import phonenumbers
from flask import current_app
from sqlalchemy import select

from .. import event_log, menus, providers, telephony
from ..hold.models import HoldSession
from ..models import db
from ..phone import mask
from ..providers.port import LegChange
from ..urls import external_url
from . import handover, presence, service, softphone
from .models import AgentProfile, Assignment, QueueRouting

CONSULTING, JOINED = "consulting", "joined"  # a warm transfer: talking first, then three-way
CONSULTABLE = (presence.AVAILABLE, presence.WRAP_UP)  # an agent free to be rung as a colleague
# Numbers a caller may be sent to: not premium-rate, shared-cost, pagers or invalid ones.
DIALLABLE = {phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE,
             phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
             phonenumbers.PhoneNumberType.TOLL_FREE, phonenumbers.PhoneNumberType.VOIP}


class Refused(Exception):
    """The control does not apply to this call now; nothing was asked of the provider."""


class Failed(Exception):
    """The provider failed or the call was already gone there; nothing was changed."""


class Partial(Failed):
    """The provider failed midway through a control of several requests: the steps it
    did are kept, as the call now stands there (ordered so that state is a safe one)."""


def room_name(assignment: Assignment) -> str:
    """The room an assignment's agent and caller meet in (JoinRoom)."""
    return f"holdline-{assignment.id}"


def joined(assignment: Assignment, *, agent_leg: str | None = None,
           caller_leg: str | None = None) -> None:
    """A leg came into the room: the controls address it by its call id."""
    if agent_leg:
        assignment.agent_leg = agent_leg
    if caller_leg:
        assignment.caller_leg = caller_leg


# -- how the call stands ------------------------------------------------------------------
def closed(assignment: Assignment) -> tuple[str, str] | None:
    """(how the call stands, why no control applies) once it is over, or before it is
    connected; None while it is live."""
    if assignment.status == "transferred":
        return (f"Transferred {where(assignment)}", f"This call was transferred "
                f"({where(assignment)}): its controls are closed.")
    if assignment.status == "caller-gone" or assignment.status == "connected" and (
            assignment.kind == "caller" and assignment.call.ended_at is not None):
        return "Caller hung up", "The caller has hung up: nothing was changed."
    if assignment.status == "ringing":
        return "Ringing", "The caller is not connected to you yet: nothing was changed."
    if assignment.status != "connected":
        return "Ended", "This call has ended: nothing was changed."
    return None


def where(assignment: Assignment) -> str:
    kind, _, target = (assignment.transfer_to or "").partition(":")
    if kind == "queue":
        return f"to the {target} queue"
    if kind == "number":
        return f"to {mask(target)}"
    return f"to {assignment.colleague}" if assignment.colleague else "away"


def label(assignment: Assignment) -> str:
    """The call's state in a few words, as the console shows it."""
    if over := closed(assignment):
        return over[0]
    if assignment.consult == CONSULTING:  # off hold: a join stopped halfway
        return (f"On hold · talking to {assignment.colleague}" if assignment.on_hold else
                f"With {assignment.colleague} · not handed over yet")
    if assignment.consult == JOINED:
        return f"Three-way with {assignment.colleague}" + (" · muted" if assignment.muted
                                                            else "")
    return ("On hold" if assignment.on_hold else "Connected") + (
        " · muted" if assignment.muted else "")


def allowed(assignment: Assignment) -> list[str]:
    """The controls that apply now, in the order the console shows them."""
    if closed(assignment):
        return []
    mute = ["unmute" if assignment.muted else "mute"]
    if assignment.consult == CONSULTING:
        return ["join", "drop", *mute, "end"]
    if assignment.consult == JOINED:
        return ["drop", "leave", *mute, "end"]
    return ["resume" if assignment.on_hold else "hold", *mute, "transfer", "consult", "end"]


def state(assignment: Assignment) -> dict:
    return {"label": label(assignment), "allowed": allowed(assignment),
            "on_hold": assignment.on_hold, "muted": assignment.muted,
            "consult": assignment.consult, "colleague": assignment.colleague,
            "caller": service.caller_name(assignment.call)}


def panel(assignment: Assignment) -> dict:
    """What the screen pop's controls are drawn from."""
    return {"controls": state(assignment), "transfer_queues": queues(),
            "colleagues": colleagues(assignment.agent),
            "handed_from": handover.handed_from(assignment)}


# -- running a control --------------------------------------------------------------------
WHY_NOT = {
    "hold": "The caller is on hold already.", "resume": "The caller is not on hold.",
    "mute": "You are muted already.", "unmute": "You are not muted.",
    "join": "No colleague is waiting to join: add one first.",
    "drop": "No colleague is on the call.",
    "leave": "Join your colleague to the call before you leave it.",
}
BUSY = {CONSULTING: "Finish the warm transfer first: join or drop your colleague.",
        JOINED: "You are on a three-way call: drop your colleague or leave the call."}


def why_not(assignment: Assignment, action: str) -> str:
    if assignment.consult and action not in ("mute", "unmute"):
        return BUSY[assignment.consult]
    return WHY_NOT.get(action, "That control does not apply now.")


def run(agent: AgentProfile, assignment: Assignment | None, action: str,
        form: Mapping[str, str]) -> str:
    """Apply one control to the agent's own call; returns what was done, in words.
    Refused or Failed: nothing was changed (the caller hears no difference)."""
    if assignment is None or assignment.agent_id != agent.id:
        raise Refused("That call is not yours: nothing was changed.")
    if action not in CONTROLS:
        raise Refused("There is no such control.")
    if over := closed(assignment):
        raise Refused(over[1])
    if action not in allowed(assignment):
        raise Refused(why_not(assignment, action))
    try:
        done, detail = CONTROLS[action](assignment, form)
    except Partial as why:  # its steps are kept, so the call's log says what was done
        event_log.record_event(assignment.call, "agent_control", action=action,
                               agent=agent.id, assignment=assignment.id, partial=str(why))
        raise
    event_log.record_event(assignment.call, "agent_control", action=action,
                           agent=agent.id, assignment=assignment.id, **detail)
    return done


GONE = "The caller is no longer on the line: nothing was changed."


def _ask(what: str, request: Callable, local=True, gone: str | None = GONE):
    """One provider request about this call. Failed when the provider failed, or when
    what it was about is gone (gone=None: that is fine)."""
    try:
        answered = telephony.in_room(what, request, local)
    except telephony.SendFailed as exc:
        raise Failed("The phone provider did not respond: nothing was changed. "
                     "Please try again.") from exc
    if gone and (answered is False or answered is None):
        raise Failed(gone)
    return answered


def room_id(assignment: Assignment) -> str:
    """The provider's id of the room, looked up once by its name."""
    if assignment.room_id is None:
        name = room_name(assignment)
        assignment.room_id = _ask(f"find {name}", lambda rest: rest.find_room(name), name)
    return assignment.room_id


def caller_leg(assignment: Assignment) -> str:
    return assignment.caller_leg or assignment.call.call_sid


def _change(assignment: Assignment, leg: str | None, change: LegChange,
            gone: str = GONE) -> None:
    if not leg:
        raise Refused("Your phone is not in the call yet: nothing was changed.")
    room = room_id(assignment)
    what = ", ".join(f"{k}={v}" for k, v in asdict(change).items() if v is not None)
    _ask(f"{leg} {what}", lambda rest: rest.update_leg(room, leg, change), gone=gone)


def _hold_caller(assignment: Assignment, hold: bool) -> None:
    music = external_url("voice.hold_music") if hold else None
    _change(assignment, caller_leg(assignment), LegChange(hold=hold, music_url=music))
    assignment.on_hold = hold


def hold(assignment: Assignment, form) -> tuple[str, dict]:
    _hold_caller(assignment, True)
    return "The caller is on hold, hearing music.", {}


def resume(assignment: Assignment, form) -> tuple[str, dict]:
    _hold_caller(assignment, False)
    return "The caller is back with you.", {}


def _mute(assignment: Assignment, muted: bool) -> None:
    _change(assignment, assignment.agent_leg, LegChange(muted=muted),
            gone="Your phone has left the call: nothing was changed.")
    assignment.muted = muted


def mute(assignment: Assignment, form) -> tuple[str, dict]:
    _mute(assignment, True)
    return "You are muted: the caller cannot hear you.", {}


def unmute(assignment: Assignment, form) -> tuple[str, dict]:
    _mute(assignment, False)
    return "You are unmuted.", {}


# -- cold transfer ------------------------------------------------------------------------
def queues() -> list[str]:
    """The queues a caller can be sent to: those agents serve or routing knows."""
    names = {current_app.config["DEFAULT_QUEUE"]}
    for skills in db.session.scalars(select(AgentProfile.skills)):
        names.update(skills or [])
    names.update(db.session.scalars(select(QueueRouting.queue)))
    return sorted(names)


def transfer(assignment: Assignment, form) -> tuple[str, dict]:
    """Cold: the caller leaves the room for a queue (their call's context kept) or a number;
    the agent's leg closes with the room and they go into wrap-up."""
    queue, number = form.get("queue", "").strip(), form.get("number", "").strip()
    if bool(queue) == bool(number):
        raise Refused("Choose a queue or type a number to transfer to (one of them).")
    if queue:
        if queue not in queues():
            raise Refused(f"There is no queue named {queue!r}: nothing was changed.")
        if assignment.kind != "caller":
            raise Refused("A callback customer cannot be put in a queue: transfer them to "
                          "a number, or add a colleague.")
        target = f"queue:{queue}"
    else:
        target = f"number:{diallable(number)}"
    wrap_up_queue = service.queue_of(assignment)
    url = external_url("voice.transferred", a=assignment.id)
    leg = caller_leg(assignment)
    _ask(f"transfer {leg}", lambda rest: rest.update_call(leg, url))
    assignment.transfer_to, assignment.status = target, "transferred"
    if queue:
        requeue(assignment, queue)
    presence.start_wrap_up(assignment.agent, wrap_up_queue)
    return f"Transferred {where(assignment)}. Wrap-up has started.", {"to": where(assignment)}


def diallable(number: str) -> str:
    """An outside number in E.164 a caller may be sent to; Refused says why not."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not number.startswith("+") or not phonenumbers.is_valid_number(
            parsed):
        raise Refused(f"{number!r} is not a full international number: type it as +, the "
                      "country code and the number (for example +14155550123).")
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if phonenumbers.number_type(parsed) not in DIALLABLE:
        raise Refused(f"{e164} is a premium-rate or special number: callers are not sent "
                      "there.")
    if e164 == telephony.our_number() or menus.line_answering(e164):
        raise Refused(f"{e164} is one of our own lines: transfer to a queue instead.")
    if db.session.scalar(select(AgentProfile.id).where(AgentProfile.phone == e164)):
        raise Refused(f"{e164} is an agent's phone: add them as a colleague (warm "
                      "transfer) instead.")
    return e164


def requeue(assignment: Assignment, queue: str) -> None:
    """The caller waits again, in the other queue, from the time they first joined (a
    transfer does not send them to the back)."""
    session = db.session.get(HoldSession, assignment.hold_session_id)
    if session is not None:
        session.queue, session.outcome, session.ended_at = queue, None, None
        session.claimed_by, session.wait_s = None, None


def transferred_to(assignment: Assignment | None) -> tuple[str, str]:
    """Where the caller's leg goes after a cold transfer: ("queue" | "number", target)."""
    kind, _, target = ((assignment and assignment.transfer_to) or "").partition(":")
    if kind in ("queue", "number") and target:
        return kind, target
    return "queue", current_app.config["DEFAULT_QUEUE"]


# -- warm transfer ------------------------------------------------------------------------
@dataclass(frozen=True)
class Colleague:
    label: str
    address: str  # where their phone or softphone rings
    agent: AgentProfile | None = None  # an agent of ours (else an outside number)


def colleagues(agent: AgentProfile) -> list[AgentProfile]:
    return list(db.session.scalars(select(AgentProfile).where(
        AgentProfile.id != agent.id).order_by(AgentProfile.id)))


def agent_name(agent: AgentProfile) -> str:
    return agent.user.display_name or agent.user.username


def colleague(assignment: Assignment, form) -> Colleague:
    choice, number = form.get("colleague", "").strip(), form.get("number", "").strip()
    if bool(choice) == bool(number):
        raise Refused("Choose a colleague or type a number to add (one of them).")
    if number:  # an agent's own phone typed in is that agent
        other = db.session.scalar(select(AgentProfile).where(AgentProfile.phone == number))
        if other is None:
            return Colleague(mask(number), diallable(number))
    else:
        other = db.session.get(AgentProfile, int(choice)) if choice.isdigit() else None
    if other is None or other.id == assignment.agent_id:
        raise Refused("Choose one of your colleagues from the list.")
    if other.status not in CONSULTABLE:
        raise Refused(f"{agent_name(other)} is {other.status}: choose someone else.")
    return Colleague(agent_name(other), softphone.ring_address(other), other)


def consult(assignment: Assignment, form) -> tuple[str, dict]:
    """Warm, first step: the caller on hold, the colleague rung into the room to talk. A
    colleague agent is on a call from now on, so nobody offers them a caller meanwhile."""
    who = colleague(assignment, form)
    if who.agent and not presence.move(who.agent, presence.ON_CALL, "consulted",
                                       allowed=CONSULTABLE):
        raise Refused(f"{who.label} just became busy: choose someone else.")
    was_on_hold = assignment.on_hold
    if not was_on_hold:
        _hold_caller(assignment, True)
    room = room_id(assignment)
    status = external_url("voice.colleague_status", a=assignment.id,
                          agent=who.agent.id if who.agent else None)
    try:
        leg = _ask(f"add {mask(who.address)}", lambda rest: rest.add_leg(
            room, who.address, telephony.our_number(), status),
            providers.current().local_call_id())
    except Failed:
        if not was_on_hold:  # as it was: the caller back with the agent
            with suppress(Failed):
                _hold_caller(assignment, False)
        raise
    assignment.consult, assignment.colleague, assignment.colleague_leg = (
        CONSULTING, who.label, leg)
    reason = form.get("reason", "").strip()[:handover.REASON_CHARS] or None
    return f"Calling {who.label}; the caller is on hold.", {
        "colleague": who.label, "colleague_agent": who.agent.id if who.agent else None,
        "reason": reason}


def join(assignment: Assignment, form) -> tuple[str, dict]:
    """Warm, then three-way: the caller back, and the room now outlives the agent (their
    leg no longer closes it; the colleague's does), so the agent may leave. Ordered so a
    failure midway leaves a call the agent can carry on with: first the caller back
    (three-way, the room still the agent's), then the colleague's leg to close the room,
    last the agent's not to; until that last one the agent stays in charge (Join again,
    Drop colleague or End)."""
    _hold_caller(assignment, False)
    try:
        _change(assignment, assignment.colleague_leg, LegChange(ends_room=True),
                gone=f"{assignment.colleague} has left the call.")
        _change(assignment, assignment.agent_leg, LegChange(ends_room=False))
    except Failed as why:
        raise Partial(f"The phone provider did not finish the join. The caller is back "
                      f"with you and {assignment.colleague}; the call is still yours: press "
                      "Join colleague again, or drop them.") from why
    assignment.consult = JOINED
    return f"{assignment.colleague} joined: you are all three on the call.", {
        "colleague": assignment.colleague}


def half_joined(assignment: Assignment) -> bool:
    """A join or drop stopped halfway: the caller off hold with agent and colleague, the
    room still the agent's (no Leave). A plain consultation always has the caller held."""
    return assignment.consult == CONSULTING and not assignment.on_hold


def drop(assignment: Assignment, form) -> tuple[str, dict]:
    """The colleague leaves the room and the caller is back with the agent. Join's steps
    backwards: the room the agent's again first, so a failure midway leaves the agent in
    charge (Drop again, or End), never a room that closes when the colleague goes."""
    done = False
    try:
        if assignment.consult == JOINED or half_joined(assignment):
            _change(assignment, assignment.agent_leg, LegChange(ends_room=True))
            done, assignment.consult = True, CONSULTING
            _change(assignment, assignment.colleague_leg, LegChange(ends_room=False),
                    gone="")
        room, leg = room_id(assignment), assignment.colleague_leg or ""
        _ask(f"remove {leg}", lambda rest: rest.remove_leg(room, leg), gone=None)
    except Failed as why:
        if done:
            raise Partial(f"The phone provider did not finish dropping "
                          f"{assignment.colleague}; the call is yours again: press Drop "
                          "colleague again.") from why
        raise
    who = assignment.colleague
    assignment.consult = assignment.colleague = assignment.colleague_leg = None
    if assignment.on_hold:
        try:
            _hold_caller(assignment, False)
        except Failed as why:
            raise Partial(f"{who} left the call, but the phone provider did not take the "
                          "caller off hold: press Resume.") from why
    return f"{who} left the call; the caller is back with you.", {"colleague": who}


def leave(assignment: Assignment, form) -> tuple[str, dict]:
    """After a join: the agent leaves the caller with the colleague, and goes to wrap-up."""
    room, leg = room_id(assignment), assignment.agent_leg or ""
    _ask(f"remove {leg}", lambda rest: rest.remove_leg(room, leg), gone=None)
    assignment.status = "transferred"
    presence.start_wrap_up(assignment.agent, service.queue_of(assignment))
    taken = handover.hand_over(assignment)
    return f"You left the caller with {assignment.colleague}. Wrap-up has started.", {
        "colleague": assignment.colleague, "to_assignment": taken and taken.id}


def colleague_left(assignment: Assignment, leg: str, agent: AgentProfile | None) -> None:
    """The colleague's phone ended. Before a join (no answer, or they hung up) the caller
    stays on hold with the agent, who can resume or try someone else. A colleague agent is
    free again: after a join they talked to the caller, so first the queue's wrap-up."""
    if agent is not None:
        if assignment.consult == JOINED and assignment.colleague_leg == leg:
            if taken := handover.taken_over(assignment):  # their own call: ended, wrap-up
                service.hung_up(taken)
            else:
                presence.start_wrap_up(agent, service.queue_of(assignment))
        else:
            presence.move(agent, presence.AVAILABLE, "consultation over",
                          allowed=(presence.ON_CALL,))
    if assignment.consult != CONSULTING or assignment.colleague_leg != leg:
        return
    event_log.record_event(assignment.call, "agent_control", action="colleague-left",
                           assignment=assignment.id, colleague=assignment.colleague)
    assignment.consult = assignment.colleague = assignment.colleague_leg = None


def end(assignment: Assignment, form) -> tuple[str, dict]:
    """Close the room (everyone in it is hung up) and start the queue's wrap-up."""
    room = room_id(assignment)
    _ask(f"end {room}", lambda rest: rest.end_room(room))
    assignment.status = "ended"
    presence.start_wrap_up(assignment.agent, service.queue_of(assignment))
    return "The call has ended. Wrap-up has started.", {}


CONTROLS: dict[str, Callable[[Assignment, Mapping[str, str]], tuple[str, dict]]] = {
    "hold": hold, "resume": resume, "mute": mute, "unmute": unmute, "transfer": transfer,
    "consult": consult, "join": join, "drop": drop, "leave": leave, "end": end}
