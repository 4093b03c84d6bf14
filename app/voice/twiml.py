"""Neutral actions -> TwiML, built with the twilio library."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from twilio.twiml.voice_response import Connect, Gather, VoiceResponse

from ..apology import apology_for, speaks
from ..flow.actions import Action, Enqueue, Hangup, Listen, Play, Record, Say, Transfer

Urls = Callable[..., str]  # url_for-like: (endpoint, **params) -> absolute URL


def render(actions: Sequence[Action], url: Urls, turn: int, call_sid: str = "") -> VoiceResponse:
    """Prompts before a Listen go inside its Gather so callers can talk over them."""
    response = VoiceResponse()
    prompts: list[Action] = []
    for action in actions:
        if isinstance(action, Say | Play):
            prompts.append(action)
        elif isinstance(action, Listen) and action.recognizer == "vosk":
            _add_prompts(response, [p for p in prompts if isinstance(p, Play)])
            response.append(stream(action, url, turn, call_sid))
            prompts = []
        elif isinstance(action, Listen):
            response.append(gather(action, prompts, url, turn))
            prompts = []
            # With no input Twilio falls through to the next verb: make silence an event.
            response.redirect(url("voice.no_input", turn=turn, lang=action.language),
                              method="POST")
        else:
            _add_prompts(response, prompts)
            prompts = []
            _add_exit(response, action, url)
    _add_prompts(response, prompts)
    return response


def gather(listen: Listen, prompts: list[Action], url: Urls, turn: int) -> Gather:
    kwargs = dict(
        # The language rides in the URL: with the database down we still speak it.
        input="dtmf speech", action=url("voice.input", turn=turn, lang=listen.language),
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


def stream(listen: Listen, url: Urls, turn: int, call_sid: str) -> Connect:
    """Built-in speech: the socket speaks the prompt and listens; on close, the action.

    The call and turn ride in the (signed) socket URL, which the socket trusts; the
    parameters repeat them with the node for anyone reading the stream's logs."""
    connect = Connect(action=url("voice.heard", turn=turn, lang=listen.language),
                      method="POST")
    socket = url("voice.stream", call=call_sid, turn=turn)
    media = connect.stream(url="wss://" + socket.split("://", 1)[1])
    for name, value in (("call", call_sid), ("node", listen.node), ("turn", turn)):
        media.parameter(name=name, value=str(value))
    return connect


def _add_prompts(parent, prompts: list[Action]) -> None:
    for prompt in prompts:
        if isinstance(prompt, Say):
            parent.say(prompt.text, language=prompt.language, voice=prompt.voice)
        else:
            parent.play(prompt.url)


def _add_exit(response: VoiceResponse, action: Action, url: Urls) -> None:
    if isinstance(action, Enqueue):
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
            recording_status_callback=url("voice.recording",
                                          language=action.language),
            recording_status_callback_event="completed")


def apology(url: Urls, queue: str, language: str = "en-US",
            number: str | None = None) -> VoiceResponse:
    """When anything breaks: say sorry in the caller's language and put them through to
    a person: the fallback number when given, else the queue."""
    response = VoiceResponse()
    response.say(apology_for(language), language=speaks(language))
    exit_ = Transfer(number) if number else Enqueue(queue, "system error")
    _add_exit(response, exit_, url)
    return response
