"""The Media Stream socket for built-in speech, and the <Connect action> it hands back to.

The socket runs one prompt: it speaks it, recognises the answer with Vosk on this
server, stores what was heard, and closes; the provider then asks /voice/heard, which feeds
the answer to the engine like any other input.
"""

from __future__ import annotations

import json
import logging

from flask import abort, request
from flask_sock import Sock
from simple_websocket import ConnectionClosed

from .. import providers
from ..calls import session as calls
from ..flow.actions import Event, Input, NoInput, Say
from ..models import Call, db
from ..providers.port import Turn, provider_int
from ..speech import service as speech
from ..speech.registry import ModelError
from ..speech.session import Outcome, Timers
from ..speech.stream import Plan, PromptStream, StreamError, UnsupportedFormat
from ..speech.tts import SpeakFailed, speak
from . import listening
from .security import provider_signed, socket_signed
from .views import MAX_TURN, answer, bp, guarded, known_call, reply

log = logging.getLogger(__name__)
sock = Sock()
IDLE_S = 5.0  # no message at all for this long: the provider has gone
MAX_BAD_MESSAGES = 20  # then the stream is not the provider's: stop listening to it
END_OF_SPEECH_S = 0.5  # silence after words that ends an answer (our timer, not Vosk's)
MAX_UTTERANCE_S = 10.0


@bp.before_request
def refuse_unsigned_upgrade():
    """The upgrade is signed over the wss:// URL we gave the provider: checked before
    accepting."""
    if request.endpoint != "voice.stream":
        return
    if not socket_signed():
        log.warning("refused an unsigned media stream upgrade")
        abort(403)


@sock.route("/stream", bp=bp)
def stream(ws):
    call_sid, turn = request.args.get("call", ""), provider_int(request.args.get("turn"), MAX_TURN)
    known = providers.current().call_id_valid(call_sid) and turn is not None
    call = calls.find_call(call_sid) if known else None
    loaded = listening.load_plan(call, turn) if call else None
    if not loaded:
        ws.close(1008, "no such call or turn")
        return
    prompts, listen = loaded
    call_id = call.id
    db.session.close()  # hold no database connection for the seconds a caller talks
    heard = listen_once(ws, prompts, listen)
    listening.save_heard(db.session.get(Call, call_id), turn, listen.node, **heard)
    db.session.commit()  # before the socket closes: the provider asks /voice/heard next


def listen_once(ws, prompts, listen) -> dict:
    """Run one prompt on the socket; what was heard, as a call event's detail."""
    token = speech.pool().try_acquire()
    if token is None:
        return {"result": "fallback", "reason": "all built-in recognizers are busy"}
    try:
        plan = Plan(b"".join(speak(p.text, p.language) for p in prompts if isinstance(p, Say)),
                    listen.hints, Timers(listen.timeout_s, END_OF_SPEECH_S, MAX_UTTERANCE_S))
        prompt = PromptStream(plan, speech.model_for(listen.language),
                              lambda m: ws.send(json.dumps(m, separators=(",", ":"))),
                              providers.current())
        return receive(ws, prompt)
    except (SpeakFailed, ModelError) as exc:
        log.error("built-in speech unavailable: %s", exc)
        return {"result": "fallback", "reason": str(exc)[:200]}
    except ConnectionClosed:
        log.info("stream closed by the provider before an answer")
        return {"result": "gone"}  # the caller hung up, or the stream broke mid-answer
    finally:
        speech.pool().release(token)


def receive(ws, prompt: PromptStream) -> dict:
    """Messages until an outcome, a stop, silence from the provider, or a broken stream."""
    bad = 0
    while not prompt.stopped:
        raw = ws.receive(timeout=IDLE_S)
        if raw is None:
            log.info("stream went quiet for %s s; ending the turn", IDLE_S)
            return {"result": "gone"}
        try:
            outcome = prompt.handle(raw)
        except StreamError as exc:
            bad += 1
            log.info("ignored a stream message: %s", exc)
            if isinstance(exc, UnsupportedFormat) or bad >= MAX_BAD_MESSAGES:
                return {"result": "fallback", "reason": str(exc)[:200]}
            continue
        if outcome is not None:
            return result(outcome, prompt)
    log.info("stream stopped by the provider before an answer")
    return {"result": "gone"}


def result(outcome: Outcome, prompt: PromptStream) -> dict:
    return {"result": outcome.kind, "text": outcome.text, "digits": outcome.digits,
            "confidence": outcome.confidence, "barge_in_ms": prompt.speech_started_at,
            "speech_end_ms": outcome.speech_end_ms, "decided_ms": outcome.at_ms}


@bp.post("/heard")
@provider_signed
def heard():
    """After the socket closed: feed what was heard to the engine, or fall back."""
    call = known_call()
    turn = provider_int(request.args.get("turn"), MAX_TURN)
    turn = -1 if turn is None else turn
    found = listening.heard(call, turn) or {"result": "gone"}
    if found["result"] == "fallback":
        return guarded(call, lambda: provider_instead(call, turn))
    return guarded(call, lambda: answer(call, heard_event(found)))


def heard_event(found: dict) -> Event:
    """Keys and words become Input (the same matcher as provider speech); else NoInput."""
    if found["result"] == "dtmf":
        return Input(digits=found["digits"])
    if found["result"] in ("speech", "too_long"):
        return Input(speech=found.get("text") or None, confidence=found.get("confidence"))
    return NoInput()


def provider_instead(call: Call, turn: int):
    """The socket could not listen: the same prompt, heard by the provider this time."""
    loaded = listening.load_plan(call, turn)
    if loaded is None:
        return answer(call, NoInput())
    prompts, listen = loaded
    return reply([*prompts, speech.as_provider(listen)], Turn(turn, call.call_sid))
