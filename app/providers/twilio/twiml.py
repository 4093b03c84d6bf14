"""The one renderer: neutral actions (menus, hold, agents, voicemail) -> TwiML, built with
the twilio library. Nothing else in the app writes TwiML."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from twilio.twiml.voice_response import Connect, Dial, Gather, VoiceResponse

from ...flow.actions import Enqueue, Hangup, Listen, Play, Record, Say, Transfer
from ...hold.plan import Ask, LeaveQueue
from ..port import EdgeAction, JoinRoom, Redirect, Turn, Urls

MEDIA_TYPE = "text/xml"
DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'


def render(actions: Sequence[EdgeAction], url: Urls, turn: Turn) -> str:
    """Prompts before a Listen go inside its Gather so callers can talk over them; a
    Leave ends the document (the caller is out of the queue's wait)."""
    response = VoiceResponse()
    prompts: list[Say | Play] = []
    for action in actions:
        if isinstance(action, Say | Play):
            prompts.append(action)
            continue
        if isinstance(action, Listen) and action.recognizer == "vosk":
            _add_prompts(response, [p for p in prompts if isinstance(p, Play)])  # socket speaks
            response.append(stream(action, url, turn))
        elif isinstance(action, Listen):
            response.append(gather(action, prompts, url, turn))
            # With no input Twilio falls through to the next verb: make silence an event.
            response.redirect(url("voice.no_input", turn=turn.number, lang=action.language),
                              method="POST")
        else:
            _add_prompts(response, prompts)
            if isinstance(action, LeaveQueue):
                response.leave()
                return document(response)
            _add_verb(response, action, url, turn)
        prompts = []
    _add_prompts(response, prompts)
    return document(response)


def document(response: VoiceResponse) -> str:
    """The library's TwiML, serialised as str(response) does, without its detour through
    UTF-8 bytes (a third of the cost of rendering a short answer)."""
    return DECLARATION + ET.tostring(response.xml(), encoding="unicode")


def gather(listen: Listen, prompts: list[Say | Play], url: Urls, turn: Turn) -> Gather:
    kwargs = dict(
        # The language rides in the URL: with the database down we still speak it.
        input="dtmf speech", action=url("voice.input", turn=turn.number, lang=listen.language),
        method="POST",
        timeout=listen.timeout_s, language=listen.language, action_on_empty_result=False,
        speech_timeout="auto",
    )
    if listen.hints:
        kwargs["hints"] = ", ".join(listen.hints)
    if listen.numeric:
        kwargs["hints"] = "$OOV_CLASS_DIGIT_SEQUENCE"
        kwargs["finish_on_key"] = "#"
        if listen.max_digits:
            kwargs["num_digits"] = listen.max_digits
    node = Gather(**kwargs)
    _add_prompts(node, prompts)
    return node


def hold_gather(ask: Ask, url: Urls, turn: Turn) -> Gather:
    """A question on hold: keys or words while its prompts play, in the caller's language."""
    extra = {"hints": ", ".join(ask.hints)} if ask.hints else {}
    if ask.max_digits > 1:
        extra["finish_on_key"] = "#"
    language = next((p.language for p in ask.prompts if isinstance(p, Say)), None)
    if language:
        extra["language"] = language
    node = Gather(input="dtmf speech", action=url("voice.hold_input", queue=turn.queue,
                  purpose=ask.purpose), method="POST", timeout=ask.timeout_s,
                  num_digits=ask.max_digits, action_on_empty_result=False, **extra)
    _add_prompts(node, list(ask.prompts))
    return node


def stream(listen: Listen, url: Urls, turn: Turn) -> Connect:
    """Built-in speech: the socket speaks the prompt and listens; on close, the action.

    The call and turn ride in the (signed) socket URL, which the socket trusts; the
    parameters repeat them with the node for anyone reading the stream's logs."""
    connect = Connect(action=url("voice.heard", turn=turn.number, lang=listen.language),
                      method="POST")
    socket = url("voice.stream", call=turn.call_id, turn=turn.number)
    media = connect.stream(url="wss://" + socket.split("://", 1)[1])
    for name, value in (("call", turn.call_id), ("node", listen.node), ("turn", turn.number)):
        media.parameter(name=name, value=str(value))
    return connect


def _add_prompts(parent, prompts: Sequence[Say | Play]) -> None:
    for prompt in prompts:
        if isinstance(prompt, Say):
            parent.say(prompt.text, language=prompt.language, voice=prompt.voice)
        else:
            parent.play(prompt.url)


def _add_verb(response: VoiceResponse, action: EdgeAction, url: Urls, turn: Turn) -> None:
    if isinstance(action, Ask):
        response.append(hold_gather(action, url, turn))
    elif isinstance(action, Redirect):
        response.redirect(action.url, method="POST")
    elif isinstance(action, JoinRoom):
        dial = Dial()
        dial.conference(action.room, end_conference_on_exit=True, beep=False)
        response.append(dial)
    elif isinstance(action, Enqueue):
        response.enqueue(action.queue, wait_url=url("voice.wait", queue=action.queue),
                         wait_url_method="POST", action=url("voice.queue_done"),
                         method="POST")
    elif isinstance(action, Transfer):
        response.dial(action.number, action=url("voice.dial_done"), method="POST")
    elif isinstance(action, Hangup):
        response.hangup()
    elif isinstance(action, Record):
        response.record(
            action=url("voice.recorded", language=action.language, voice=action.voice),
            method="POST",
            max_length=action.max_length_s, timeout=5, finish_on_key="#", play_beep=True,
            recording_status_callback=url("voice.recording", language=action.language),
            recording_status_callback_event="completed")
