"""The provider's side of a Media Stream, for the simulator, the tests and the benchmark.

It opens the signed socket, sends `start`, then 20 ms mu-law frames: silence, with the
caller's audio (or a key press) at a chosen moment. It "plays" what the server sends in
audio time and echoes the prompt's mark when that audio would have finished, as Twilio
does; a `clear` stops the playback. Audio time is frames sent, so an unpaced run (as
fast as the socket goes) behaves like a paced, real-time one.
"""

from __future__ import annotations

import base64
import json
import queue
import threading
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import websocket

from .signature import HEADER, sign

FRAME = 160  # bytes: 20 ms of 8 kHz mu-law
SILENCE = b"\xff" * FRAME
RATE = 8000


@dataclass
class StreamResult:
    prompt_bytes: int = 0  # audio the server sent (its prompt)
    prompt_from: int | None = None  # frame number when its first audio arrived
    cleared: bool = False  # the server stopped its prompt (barge-in)
    marks: list[str] = field(default_factory=list)
    frames_sent: int = 0
    speech_end_sent_at: float | None = None  # wall time of the last frame of caller audio
    closed_at: float | None = None  # wall time the server closed the socket
    close_code: int | None = None


class StreamCaller:
    """One <Connect><Stream> conversation from the provider's side."""

    def __init__(self, url: str, auth_token: str, call_sid: str, *, server: str | None = None,
                 paced: bool = True, timeout_s: float = 30.0) -> None:
        """`url` is the one in the TwiML (it is signed); `server` where it really runs."""
        self.url, self.call_sid, self.paced, self.timeout_s = url, call_sid, paced, timeout_s
        self.target = url
        if server:  # http://127.0.0.1:5000 -> ws://127.0.0.1:5000/voice/stream?...
            parts = urlsplit(url)
            self.target = "ws" + server.rstrip("/")[4:] + parts.path + (
                f"?{parts.query}" if parts.query else "")
        self.signature = sign(url, {}, auth_token)[HEADER]
        self.inbox: queue.Queue = queue.Queue()
        self.answered = threading.Event()  # the server sent something (or closed)
        self.prompt_sent = threading.Event()  # the prompt's mark came (or the socket closed)
        self.result = StreamResult()

    def connect(self, signed: bool = True) -> websocket.WebSocket:
        headers = [f"{HEADER}: {self.signature}"] if signed else []
        return websocket.create_connection(self.target, header=headers, timeout=self.timeout_s)

    def start_message(self, media_format: dict | None = None) -> str:
        return json.dumps({"event": "start", "sequenceNumber": "1", "start": {
            "streamSid": "MZ" + uuid.uuid4().hex, "callSid": self.call_sid,
            "tracks": ["inbound"], "customParameters": {},
            "mediaFormat": media_format or {"encoding": "audio/x-mulaw", "sampleRate": 8000,
                                            "channels": 1}}})

    def converse(self, audio: bytes = b"", *, at_s: float = 0.0, digit: str | None = None,
                 after_prompt: bool = True, max_s: float = 30.0) -> StreamResult:
        """Send silence, then the caller's audio (or key) `at_s` seconds after the prompt
        ends (or after the stream starts, for barge-in), until the server closes."""
        ws = self.connect()
        reader = threading.Thread(target=self._read, args=(ws,), daemon=True)
        reader.start()
        ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
        ws.send(self.start_message())
        if after_prompt:  # a real stream would carry silence meanwhile; this keeps its clock
            self.answered.wait(self.timeout_s)
            if not self.paced:  # running ahead of real time: know the prompt's length first
                self.prompt_sent.wait(self.timeout_s)
        speech = [audio[i:i + FRAME].ljust(FRAME, b"\xff") for i in range(0, len(audio), FRAME)]
        begun = time.perf_counter()
        caller_at: int | None = None if after_prompt else round(at_s * RATE / FRAME)
        try:
            for n in range(int(max_s * RATE / FRAME)):
                if not self._drain(ws, n):
                    break
                if caller_at is None and self._prompt_over(n):
                    caller_at = n + round(at_s * RATE / FRAME)
                if caller_at is not None and n == caller_at and digit:
                    ws.send(json.dumps({"event": "dtmf", "dtmf": {"digit": digit}}))
                index = n - caller_at if caller_at is not None else -1
                frame = speech[index] if 0 <= index < len(speech) else SILENCE
                ws.send(self.media(frame, n))
                self.result.frames_sent = n + 1
                if speech and index == len(speech) - 1:
                    self.result.speech_end_sent_at = time.perf_counter()
                if self.paced:
                    time.sleep(max(0.0, begun + (n + 1) * FRAME / RATE - time.perf_counter()))
        except websocket.WebSocketException:
            pass  # the server closed while we were sending
        reader.join(timeout=self.timeout_s)  # the server decides on what it has been sent
        ws.close()
        return self.result

    @staticmethod
    def media(frame: bytes, n: int) -> str:
        return json.dumps({"event": "media", "sequenceNumber": str(n + 2), "media": {
            "track": "inbound", "chunk": str(n + 1), "timestamp": str(n * 20),
            "payload": base64.b64encode(frame).decode()}})

    def _read(self, ws: websocket.WebSocket) -> None:
        try:
            while True:
                opcode, data = ws.recv_data()
                if opcode == websocket.ABNF.OPCODE_CLOSE:
                    self.result.close_code = int.from_bytes(data[:2], "big") if data else None
                    break
                message = json.loads(data)
                self.inbox.put(message)
                self.answered.set()
                if message.get("event") == "mark":
                    self.prompt_sent.set()
        except (websocket.WebSocketException, OSError, ValueError):
            pass
        self.result.closed_at = time.perf_counter()
        self.inbox.put(None)
        self.answered.set()
        self.prompt_sent.set()

    def _drain(self, ws: websocket.WebSocket, n: int) -> bool:
        """Take what the server sent; echo the mark once its audio has played."""
        while True:
            try:
                message = self.inbox.get_nowait()
            except queue.Empty:
                break
            if message is None:
                return False
            if message["event"] == "media":
                if self.result.prompt_from is None:
                    self.result.prompt_from = n
                self.result.prompt_bytes += len(base64.b64decode(message["media"]["payload"]))
            elif message["event"] == "clear":
                self.result.cleared = True
            elif message["event"] == "mark":
                self.result.marks.append(message["mark"]["name"])
        if self.result.marks and (self.result.cleared or self._prompt_over(n)):
            for name in self.result.marks:
                ws.send(json.dumps({"event": "mark", "mark": {"name": name}}))
            self.result.marks = []
        return True

    def _prompt_over(self, n: int) -> bool:
        """The server's audio has played out by frame n (or was cleared)."""
        played = self.result.prompt_from is not None and (
            (n - self.result.prompt_from) * FRAME >= self.result.prompt_bytes)
        return self.result.cleared or played
