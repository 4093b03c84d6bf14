"""A local call simulator that behaves like Twilio: signs its requests, posts the
incoming-call webhook, follows the TwiML and answers Gathers from a script.

Tests drive whole journeys with it; operators try menus with ``flask call``.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import requests
from websocket import WebSocketException

from ...speech.tts import SpeakFailed, speak
from .signature import sign
from .stream_caller import StreamCaller

MAX_REQUESTS = 200  # a runaway flow stops the simulation, not the machine


class SimulationFailed(Exception):
    """The simulated call could not go on; the message says what failed and what to do."""


@dataclass(frozen=True)
class CallerTurn:
    kind: str  # say | press | silence
    value: str = ""


def say(text: str) -> CallerTurn:
    return CallerTurn("say", text)


def press(digits: str) -> CallerTurn:
    return CallerTurn("press", digits)


SILENCE = CallerTurn("silence")


@dataclass
class Transcript:
    lines: list[tuple[str, str]] = field(default_factory=list)
    responses: list[ET.Element] = field(default_factory=list)
    call_sid: str = ""
    ended_by: str = ""  # hangup | queue | dial | caller | limit

    def add(self, who: str, text: str) -> None:
        self.lines.append((who, text))

    def said(self, who: str = "IVR") -> list[str]:
        return [text for w, text in self.lines if w == who]

    @property
    def ivr_text(self) -> str:
        return " ".join(self.said("IVR"))

    def __str__(self) -> str:
        return "\n".join(f"{who:>7}: {text}" for who, text in self.lines)


class InProcess:
    """Posts through a Flask test client (no server needed), to the full URL, so the app
    sees the host the simulator signed for."""

    def __init__(self, client) -> None:
        self.client = client

    def post(self, url: str, params: dict[str, str], headers: dict[str, str]) -> tuple[int, str]:
        response = self.client.post(url, data=params, headers=headers)
        return response.status_code, response.get_data(as_text=True)


class Http:
    """Posts to a running server (``flask call --url``)."""

    def __init__(self, server: str) -> None:
        self.server = server.rstrip("/")

    def post(self, url: str, params: dict[str, str], headers: dict[str, str]) -> tuple[int, str]:
        parts = urlsplit(url)
        target = self.server + parts.path + (f"?{parts.query}" if parts.query else "")
        try:
            response = requests.post(target, data=params, headers=headers, timeout=15)
        except requests.RequestException as exc:
            raise SimulationFailed(f"cannot reach {self.server} ({type(exc).__name__}): is "
                                   "the server running (make run)?") from exc
        return response.status_code, response.text


def required(element: ET.Element | None, name: str) -> str:
    """An attribute the provider needs to go on (a verb's action, a stream's url)."""
    value = element.get(name) if element is not None else None
    if value is None:
        where = f"<{element.tag}>" if element is not None else "a missing verb"
        raise SimulationFailed(f"our TwiML has {where} without the {name!r} the provider needs")
    return value


def url_in(verb: ET.Element) -> str:
    """A Redirect's URL, its text."""
    if not (verb.text or "").strip():
        raise SimulationFailed(f"our TwiML has a <{verb.tag}> without a URL")
    return (verb.text or "").strip()


def twiml(body: str) -> ET.Element:
    try:
        return ET.fromstring(body)
    except ET.ParseError as exc:
        raise SimulationFailed(f"the server's answer is not TwiML ({exc}): see its log") from exc


def language_of(text: str) -> str:
    """What the scripted caller speaks: Hangul means Korean (the demo's other language)."""
    return "ko-KR" if any("\uac00" <= c <= "\ud7a3" for c in text) else "en-US"


class Simulator:
    def __init__(self, transport, auth_token: str, public_base: str, *, caller: str,
                 dialled: str, wait_loops: int = 3, call_sid: str | None = None,
                 queue_position: int = 3, advance_every_s: int = 120, segment_s: int = 30,
                 answered: bool = False, stay_on_line: bool = False,
                 max_wait_s: int | None = None, avg_queue_time_s: int = 240) -> None:
        self.transport = transport
        self.auth_token = auth_token
        self.base = public_base.rstrip("/")
        self.caller, self.dialled, self.wait_loops = caller, dialled, wait_loops
        self.queue_position, self.advance_every_s = queue_position, advance_every_s
        self.segment_s, self.answered, self.queue_time = segment_s, answered, 0
        self.stay_on_line = stay_on_line  # still waiting when the script ends (agent tests)
        self.call_sid = call_sid or "CA" + uuid.uuid4().hex
        self.requests = 0
        self.max_wait_s, self.avg_queue_time_s = max_wait_s, avg_queue_time_s
        self.silences: list[int] = []  # seconds of dead air on hold (Gather timeouts)

    def signed_post(self, url: str, params: dict[str, str]) -> tuple[int, str]:
        full = {"CallSid": self.call_sid, "AccountSid": "AC" + "0" * 32, "From": self.caller,
                "To": self.dialled, "Direction": "inbound", "CallStatus": "in-progress",
                **params}
        self.requests += 1
        return self.transport.post(url, full, sign(url, full, self.auth_token))

    def run(self, script: list[CallerTurn]) -> Transcript:
        """Place the call, follow the TwiML to its end, then post the status callback."""
        transcript = Transcript(call_sid=self.call_sid)
        steps = list(script)
        status, body = self.signed_post(self.base + "/voice/incoming", {"CallStatus": "ringing"})
        self.follow(status, body, steps, transcript)
        if self.stay_on_line and transcript.ended_by == "queue":
            return transcript
        self.signed_post(self.base + "/voice/status",
                         {"CallStatus": "completed", "CallDuration": str(self.requests * 7)})
        return transcript

    def follow(self, status: int, body: str, steps: list[CallerTurn],
               transcript: Transcript) -> None:
        while body is not None:
            if status != 200:
                transcript.add("ERROR", f"HTTP {status}")
                transcript.ended_by = "error"
                return
            if self.requests >= MAX_REQUESTS:
                transcript.ended_by = "limit"
                return
            root = twiml(body)
            transcript.responses.append(root)
            status, body = self.play(root, steps, transcript)

    def play(self, root: ET.Element, steps: list[CallerTurn], transcript: Transcript):
        """Act out one TwiML document; return the next (status, body) or (0, None)."""
        for verb in root:
            if verb.tag in ("Say", "Play"):
                self.speak(verb, transcript)
            elif verb.tag == "Gather":
                for prompt in verb:
                    self.speak(prompt, transcript)
                reply = self.answer(verb, steps, transcript)
                if reply is not None:
                    return reply
                if not steps and transcript.ended_by == "caller":
                    return 0, None
            elif verb.tag == "Redirect":
                return self.signed_post(url_in(verb), {})
            elif verb.tag == "Enqueue":
                return self.hold(verb, steps, transcript)
            elif verb.tag == "Leave":
                return 0, None
            elif verb.tag == "Connect" and verb.find("Stream") is not None:
                return self.stream(verb, steps, transcript)
            elif verb.tag in ("Dial", "Hangup", "Connect"):
                transcript.add("CALL", f"{verb.tag.lower()} {(verb.text or '').strip()}".strip())
                transcript.ended_by = verb.tag.lower()
                return 0, None
        return 0, None

    def stream(self, connect: ET.Element, steps: list[CallerTurn], transcript: Transcript):
        """Built-in speech: play the provider's side of the Media Stream, then its action."""
        if not isinstance(self.transport, Http):
            transcript.add("CALL", "[built-in speech needs a running server: use --url]")
            transcript.ended_by = "connect"
            return 0, None
        if not steps:
            transcript.add("CALLER", "[hangs up]")
            transcript.ended_by = "caller"
            return 0, None
        step = steps.pop(0)
        caller = StreamCaller(required(connect.find("Stream"), "url"), self.auth_token,
                              self.call_sid, server=self.transport.server, paced=False)
        try:
            audio = speak(step.value, language_of(step.value)) if step.kind == "say" else b""
            result = caller.converse(audio, at_s=0.3,
                                     digit=step.value[:1] if step.kind == "press" else None)
        except (SpeakFailed, OSError, WebSocketException) as exc:
            raise SimulationFailed(f"the media stream failed ({exc}): built-in speech needs "
                                   "espeak-ng and ffmpeg (make installs them)") from exc
        transcript.add("IVR", f"[a {result.prompt_bytes / 8000:.1f} s prompt, spoken and "
                              "heard on our own servers]")
        transcript.add("CALLER", {"press": f"[presses {step.value[:1]}]",
                                  "silence": "[silence]"}.get(step.kind, step.value))
        return self.signed_post(required(connect, "action"), {})

    def speak(self, verb: ET.Element, transcript: Transcript) -> None:
        if verb.tag == "Say":
            transcript.add("IVR", (verb.text or "").strip())
        elif verb.tag == "Play":
            transcript.add("IVR", f"[plays {(verb.text or '').strip()}]")

    def answer(self, gather: ET.Element, steps: list[CallerTurn], transcript: Transcript):
        """Answer a Gather from the script; silence falls through to the next verb."""
        if not steps:
            transcript.add("CALLER", "[hangs up]")
            transcript.ended_by = "caller"
            return None
        step = steps.pop(0)
        if step.kind == "silence":
            transcript.add("CALLER", "[silence]")
            return None
        if step.kind == "press":
            transcript.add("CALLER", f"[presses {step.value}]")
            params = {"Digits": step.value}
        else:
            transcript.add("CALLER", step.value)
            params = {"SpeechResult": step.value, "Confidence": "0.92"}
        return self.signed_post(required(gather, "action"), params)

    def hold(self, enqueue: ET.Element, steps: list[CallerTurn], transcript: Transcript):
        """Wait in the queue as the provider does: request the waitUrl, play its TwiML,
        answer Gathers from the script (silence when it runs out), follow Redirects and
        Leave. After wait_loops rounds the caller is answered or hangs up."""
        transcript.add("CALL", f"enqueued in {(enqueue.text or '').strip()}")
        transcript.ended_by = "queue"
        self.queue_time, action = 0, required(enqueue, "action")
        wait_url = required(enqueue, "waitUrl")
        next_url, params = wait_url, None
        for _ in range(self.wait_loops):
            if self.max_wait_s is not None and self.queue_time >= self.max_wait_s:
                break
            status, body = self.signed_post(next_url, params or self.wait_params())
            if status != 200:
                transcript.add("ERROR", f"HTTP {status} from {urlsplit(next_url).path}")
                return 0, None
            root = twiml(body)
            transcript.responses.append(root)
            outcome = self.hold_doc(root, steps, transcript)
            if outcome[0] == "leave":
                return self.signed_post(action, {"QueueResult": "leave",
                                                 "QueueTime": str(self.queue_time)})
            next_url, params = outcome[1] or wait_url, outcome[2]
        if self.stay_on_line:
            return 0, None
        result = "bridged" if self.answered else "hangup"
        transcript.add("CALL", "answered by an agent" if self.answered else "[hangs up]")
        self.signed_post(action, {"QueueResult": result, "QueueTime": str(self.queue_time)})
        return 0, None

    def wait_params(self) -> dict[str, str]:
        position = max(1, self.queue_position - self.queue_time // self.advance_every_s)
        return {"QueuePosition": str(position), "QueueTime": str(self.queue_time),
                "AvgQueueTime": str(self.avg_queue_time_s), "CurrentQueueSize": str(position),
                "QueueSid": "QU" + "0" * 32}

    def hold_doc(self, root: ET.Element, steps: list[CallerTurn], transcript: Transcript
                 ) -> tuple[str, str | None, dict[str, str] | None]:
        """One waitUrl-context document -> ("leave", None, None) or ("next", url or None
        for the waitUrl, params or None)."""
        for verb in root:
            if verb.tag in ("Say", "Play"):
                self.hear(verb, transcript)
            elif verb.tag == "Gather":
                for prompt in verb:
                    self.hear(prompt, transcript)
                step = steps.pop(0) if steps else SILENCE
                if step.kind == "silence":  # the provider waits out the timeout
                    silence = int(verb.get("timeout", "5"))
                    self.silences.append(silence)
                    self.queue_time += silence
                else:
                    transcript.add("CALLER", step.value if step.kind == "say"
                                   else f"[presses {step.value}]")
                    key = "SpeechResult" if step.kind == "say" else "Digits"
                    return "next", verb.get("action"), {key: step.value}
            elif verb.tag == "Leave":
                return "leave", None, None
            elif verb.tag == "Redirect":
                return "next", url_in(verb), None
        return "next", None, None

    def hear(self, verb: ET.Element, transcript: Transcript) -> None:
        """Speak it into the transcript and let the queue clock run for its length."""
        self.speak(verb, transcript)
        if verb.tag == "Play":
            self.queue_time += self.segment_s
        else:
            self.queue_time += len((verb.text or "").split()) * 2 // 5
