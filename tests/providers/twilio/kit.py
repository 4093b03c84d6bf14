"""Twilio's side for the conformance suite, from Twilio's documented webhook parameters,
TwiML verbs, Media Stream messages and REST resources."""

from __future__ import annotations

import base64
import json
import uuid
import xml.etree.ElementTree as ET
from contextlib import contextmanager
from types import SimpleNamespace
from urllib.parse import parse_qs

from app.flow.actions import Input, NoInput
from app.providers.port import (
    CallEnded,
    CallInfo,
    DeliveryReceipt,
    DeliveryStatus,
    FallbackNotice,
    LegStatus,
    QueueExit,
    QueueWait,
    RecordingReady,
    StreamAudio,
    StreamDigit,
    StreamMark,
    StreamStart,
    StreamStop,
)
from tests.conftest import ProviderHandler, fake_provider
from tests.providers.kit import Verb

name = "twilio"
ACCOUNT = "AC" + "1" * 32


def new_call_id() -> str:
    return "CA" + uuid.uuid4().hex


def configure(config: dict, secret: str) -> None:
    config["TWILIO_AUTH_TOKEN"] = secret


# The browser softphone: https://www.twilio.com/docs/iam/access-tokens
SOFTPHONE_SECRET = "conformance-api-secret-0123456789abcdef"


def softphone_config(config: dict) -> None:
    """An account, an API key and its secret: what a Voice SDK token is signed with."""
    config.update(TWILIO_ACCOUNT_SID="AC" + "1" * 32, TWILIO_API_KEY="SK" + "2" * 32,
                  TWILIO_API_SECRET=SOFTPHONE_SECRET)


def softphone_reads(token: str) -> tuple[str, bool, int]:
    """What the provider reads from a token it verified: (identity, may receive calls,
    seconds valid)."""
    import jwt

    claims = jwt.decode(token, SOFTPHONE_SECRET, algorithms=["HS256"])
    grants = claims["grants"]
    return (grants["identity"], grants.get("voice", {}).get("incoming", {}).get("allow", False),
            claims["exp"] - claims["nbf"])


def signed_headers(url: str, form: dict, secret: str) -> dict[str, str]:
    from twilio.request_validator import RequestValidator

    return {"X-Twilio-Signature": RequestValidator(secret).compute_signature(url, form)}


# The words Twilio uses, each with the neutral value it must become.
CALL_STATUS_WORDS = {"queued": LegStatus.QUEUED, "ringing": LegStatus.RINGING,
                     "in-progress": LegStatus.IN_PROGRESS, "completed": LegStatus.COMPLETED,
                     "busy": LegStatus.BUSY, "failed": LegStatus.FAILED,
                     "no-answer": LegStatus.NO_ANSWER, "canceled": LegStatus.CANCELED}
QUEUE_RESULT_WORDS = {"bridged": QueueExit.ANSWERED, "hangup": QueueExit.HUNG_UP,
                      "leave": QueueExit.LEFT, "redirected": QueueExit.REDIRECTED,
                      "queue-full": QueueExit.FAILED, "system-error": QueueExit.FAILED,
                      "error": QueueExit.FAILED}
MESSAGE_STATUS_WORDS = {"queued": DeliveryStatus.QUEUED, "sent": DeliveryStatus.SENT,
                        "delivered": DeliveryStatus.DELIVERED,
                        "undelivered": DeliveryStatus.UNDELIVERED,
                        "failed": DeliveryStatus.FAILED, "read": DeliveryStatus.READ}
UNSENT_WORD = "gibberish"  # no status Twilio sends


def call_form(info: CallInfo) -> dict:
    return {"CallSid": info.call_id, "AccountSid": ACCOUNT, "From": info.caller,
            "To": info.dialled, "Direction": "inbound", "CallStatus": "in-progress"}


def input_form(event: Input | NoInput) -> dict:
    if isinstance(event, NoInput):
        return {}
    form = {"Digits": event.digits} if event.digits else {}
    if event.speech:
        form |= {"SpeechResult": event.speech, "Confidence": str(event.confidence)}
    return form


def ended_form(ended: CallEnded, word: str) -> dict:
    form = {"CallStatus": word}
    return form | ({"CallDuration": str(ended.duration_s)} if ended.duration_s else {})


def duration_form(duration: str) -> dict:
    return {"CallStatus": "completed", "CallDuration": duration}


def wait_form(wait: QueueWait) -> dict:
    return {"QueuePosition": str(wait.position), "QueueTime": str(wait.queue_time_s),
            "AvgQueueTime": str(wait.average_s), "CurrentQueueSize": str(wait.position),
            "QueueSid": "QU" + "0" * 32}


def done_form(word: str, queue_time_s: int) -> dict:
    return {"QueueResult": word, "QueueTime": str(queue_time_s)}


def dial_form(word: str) -> dict:
    return {"DialCallStatus": word}


def recording_form(ready: RecordingReady) -> dict:
    return {"RecordingSid": ready.recording_id, "RecordingUrl": ready.url,
            "RecordingDuration": str(ready.duration_s),
            "RecordingStatus": "completed" if ready.complete else "absent"}


def recording_url(recording_id: str) -> str:
    return f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Recordings/{recording_id}"


def delivery_form(receipt: DeliveryReceipt, word: str) -> dict:
    return {"MessageSid": receipt.message_id, "MessageStatus": word,
            **({"ErrorCode": receipt.error_code} if receipt.error_code else {})}


def fallback_form(notice: FallbackNotice) -> dict:
    return {"ErrorCode": notice.error_code, "ErrorUrl": notice.failed_url}


# Media Streams: https://www.twilio.com/docs/voice/media-streams/websocket-messages
def stream_message(event) -> str:
    if isinstance(event, StreamStart):
        return json.dumps({"event": "start", "streamSid": event.stream_id, "start": {
            "streamSid": event.stream_id, "callSid": new_call_id(), "tracks": ["inbound"],
            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1}}})
    if isinstance(event, StreamAudio):
        return json.dumps({"event": "media", "media": {
            "track": "inbound", "payload": base64.b64encode(event.frame).decode()}})
    if isinstance(event, StreamDigit):
        return json.dumps({"event": "dtmf", "dtmf": {"digit": event.digit}})
    if isinstance(event, StreamMark):
        return json.dumps({"event": "mark", "mark": {"name": event.name}})
    assert isinstance(event, StreamStop)
    return json.dumps({"event": "stop"})


UNREADABLE_STREAM_MESSAGES = [b"\x00binary", "not json", json.dumps({"no": "event"}),
                              json.dumps({"event": "media", "media": {"payload": "%%%"}}),
                              json.dumps({"event": "media", "media": "text"})]
WRONG_AUDIO_START = json.dumps({"event": "start", "start": {"streamSid": "MZ1", "mediaFormat": {
    "encoding": "audio/l16", "sampleRate": 16000, "channels": 1}}})


def played(messages: list[dict]) -> tuple[bytes, list[str], bool]:
    """What our outgoing stream messages make Twilio do: audio played, marks, cleared."""
    audio = b"".join(base64.b64decode(m["media"]["payload"]) for m in messages
                     if m["event"] == "media")
    marks = [m["mark"]["name"] for m in messages if m["event"] == "mark"]
    return audio, marks, any(m["event"] == "clear" for m in messages)


# TwiML read back: https://www.twilio.com/docs/voice/twiml
def read(body: str) -> list[Verb]:
    root = ET.fromstring(body)
    assert root.tag == "Response", body
    return [_verb(node) for node in root]


def _verb(node: ET.Element) -> Verb:
    text, attr = (node.text or "").strip(), node.attrib
    if node.tag == "Say":
        return Verb("say", text, attr.get("language"), attr.get("voice"))
    if node.tag == "Play":
        return Verb("play", url=text)
    if node.tag == "Gather":
        digits = attr.get("numDigits")
        return Verb("listen", language=attr.get("language"), url=attr.get("action"),
                    inside=tuple(_verb(child) for child in node),
                    digits=int(digits) if digits else None)
    if node.tag == "Connect":
        return Verb("stream", url=node.find("Stream").get("url"), then=attr.get("action"))
    if node.tag == "Enqueue":
        return Verb("queue", text, url=attr.get("waitUrl"), then=attr.get("action"))
    if node.tag == "Dial" and node.find("Conference") is not None:
        return Verb("room", node.find("Conference").text.strip())
    if node.tag == "Dial":
        return Verb("dial", text, then=attr.get("action"))
    if node.tag == "Record":
        return Verb("record", url=attr.get("recordingStatusCallback"), then=attr.get("action"))
    if node.tag == "Redirect":
        return Verb("redirect", url=text)
    return Verb(node.tag.lower())  # Hangup, Leave


# REST: https://www.twilio.com/docs/voice/api/call-resource, .../messaging/api/message-resource
class _Api(ProviderHandler):
    state = None  # the FakeApi of the running test

    def _answer(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        path, _, query = self.path.partition("?")
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode() or query).items()}
        api = self.state
        api.requests.append((method, path, form))
        if api.fail_next or api.fail_path and path.endswith(api.fail_path):
            api.fail_next = False
            return self.reply(500, {"code": 20500, "message": "internal", "status": 500})
        if "/Conferences" in path:
            return self._conference(method, path, form)
        if path.endswith(".wav"):
            return self.reply(200, api.recording, "audio/wav")
        if path.endswith("/Messages.json"):
            return self.reply(201, {"sid": "SM" + uuid.uuid4().hex, "status": "queued"})
        if path.endswith("/Calls.json"):
            sid = new_call_id()
            api.calls[sid] = "queued"
            return self.reply(201, {"sid": sid, "status": "queued"})
        sid = path.rsplit("/", 1)[-1].removesuffix(".json")
        if sid not in api.calls:
            return self.reply(404, {"code": 20404, "message": "not found", "status": 404})
        if method == "POST" and api.calls[sid] != "in-progress":
            return self.reply(400, {"code": 21220, "message": "not in progress", "status": 400})
        if method == "POST" and "Url" in form:  # new instructions: the leg leaves its room
            leave_room(api, sid)
        self.reply(200, {"sid": sid, "status": api.calls[sid], "duration": "125"})

    # https://www.twilio.com/docs/voice/api/conference-resource and its participants. A room
    # ends when a leg that ends it leaves (endConferenceOnExit), hanging up the others.
    def _conference(self, method: str, path: str, form: dict) -> None:
        api = self.state
        parts = path.removesuffix(".json").split("/Conferences")[1].strip("/").split("/")
        if parts == [""]:  # the list, by friendly name
            sid = api.rooms.get(form.get("FriendlyName", ""))
            found = [{"sid": sid, "friendly_name": form["FriendlyName"],
                      "status": "in-progress"}] if sid in api.members else []
            return self.reply(200, {"conferences": found, "meta": {
                "key": "conferences", "next_page_url": None}})
        room, legs = parts[0], api.members.get(parts[0])
        if legs is None:
            return self.reply(404, {"code": 20404, "message": "not found", "status": 404})
        if len(parts) == 1:  # the room closed
            end_room(api, room)
            return self.reply(200, {"sid": room, "status": "completed"})
        if len(parts) == 2:  # a leg rung into the room
            sid = new_call_id()
            api.calls[sid], legs[sid] = "in-progress", form.get("EndConferenceOnExit") == "true"
            return self.reply(201, {"call_sid": sid, "conference_sid": room,
                                    "status": "queued"})
        leg = parts[2]
        if leg not in legs:
            return self.reply(404, {"code": 20404, "message": "not found", "status": 404})
        if method == "DELETE":
            hang_up(api, leg)
            self.send_response(204)
            self.end_headers()
            return None
        if "EndConferenceOnExit" in form:
            legs[leg] = form["EndConferenceOnExit"] == "true"
        return self.reply(200, {"call_sid": leg, "conference_sid": room,
                                "hold": form.get("Hold") == "true",
                                "muted": form.get("Muted") == "true"})

    def do_GET(self):  # noqa: N802
        self._answer("GET")

    def do_DELETE(self):  # noqa: N802
        self._answer("DELETE")

    def do_POST(self):  # noqa: N802
        self._answer("POST")


def leave_room(api, leg: str) -> None:
    """A leg leaves its room (new instructions, removed, hung up); if its leaving ends the
    room (endConferenceOnExit), everyone else in it is hung up."""
    for room, legs in list(api.members.items()):
        if legs.pop(leg, False):
            end_room(api, room)


def end_room(api, room: str) -> None:
    for leg in api.members.pop(room, {}):
        api.calls[leg] = "completed"


def hang_up(api, leg: str) -> None:
    """A phone in a room hangs up (or is removed from it)."""
    api.calls[leg] = "completed"
    leave_room(api, leg)


@contextmanager
def fake_api(config: dict):
    """Twilio's REST API on a local port; the real twilio client is pointed at it."""
    from tests.providers.kit import FakeApi

    state = FakeApi()
    state.calls, state.requests, state.fail_next, state.recording = {}, [], False, b""
    state.rooms, state.members = {}, {}  # room name -> sid; sid -> {leg: ends the room}
    state.fail_path = None
    server = fake_provider(SimpleNamespace(config=config),
                           type("Api", (_Api,), {"state": state}))
    config.update(TWILIO_ACCOUNT_SID=ACCOUNT, TWILIO_AUTH_TOKEN="rest-token")
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


LIVE, ENDED = "in-progress", "completed"  # call status words to seed the fake with
