"""Built-in speech: capacity per core, end-of-speech latency and memory, next to raw Vosk.

    .venv/bin/python bench/speech_streams.py

All in one run, on the real Korean model and espeak-ng speech:
1. CPU cost of one second of caller audio, grammar and free-form: raw Vosk (PCM straight
   into a KaldiRecognizer) against our whole path (JSON message, base64, mu-law decode,
   VAD, timers, partials). Real-time streams per core = audio-s per CPU-s.
2. Concurrent real-time streams through gunicorn and real WebSockets: how late the
   answers come when N callers talk at once.
3. End of speech -> next prompt's TwiML, as the provider sees it (socket close, then
   the signed <Connect action> webhook), paced in real time.
4. Memory per open recognizer (grammar and free-form), from RSS.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import resource
import statistics
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.simulator import Http, Simulator  # noqa: E402
from app.speech.caller import StreamCaller  # noqa: E402
from app.speech.g711 import mulaw_to_pcm16  # noqa: E402
from app.speech.registry import ModelRegistry  # noqa: E402
from app.speech.session import Timers  # noqa: E402
from app.speech.stream import Plan, PromptStream  # noqa: E402
from app.speech.tts import speak  # noqa: E402
from bench.webhooks import TOKEN, free_port, serving, sqlite_env  # noqa: E402

PHRASES = ["요금 확인", "요금 납부", "정전 신고", "정전", "음성 메시지", "상담원 연결", "상담원"]
FRAME = 160


def words() -> bytes:
    """The words only: espeak-ng's trailing silence cut, so the last frame is speech."""
    audio = speak("상담원 연결", "ko-KR", 150)
    loud = (abs(mulaw_to_pcm16(audio).astype(int)) > 500).nonzero()[0]
    return audio[: int(loud[-1]) + 1]


def utterance() -> bytes:
    """One answer as the recognizer gets it: a pause, the words, the silence that ends it."""
    return b"\xff" * 8000 + words() + b"\xff" * 4800


def cpu_per_audio_s(run, audio: bytes, repeats: int) -> float:
    started = time.process_time()
    for _ in range(repeats):
        run(audio)
    return (time.process_time() - started) / (repeats * len(audio) / 8000)


def raw_vosk(model, grammar: bool):
    import vosk

    def run(audio: bytes) -> None:
        pcm = mulaw_to_pcm16(audio).astype("<i2").tobytes()  # raw Vosk needs PCM too
        rec = (vosk.KaldiRecognizer(model.model, 8000, json.dumps(PHRASES + ["<UNK>"],
                                                                 ensure_ascii=False))
               if grammar else vosk.KaldiRecognizer(model.model, 8000))
        for at in range(0, len(pcm), FRAME * 2):
            if rec.AcceptWaveform(pcm[at:at + FRAME * 2]):
                rec.Result()
        rec.FinalResult()
    return run


def ours(model, grammar: bool):
    phrases = PHRASES if grammar else []

    def run(audio: bytes) -> None:
        # no phrases: no grammar, so the session decodes free-form
        prompt = PromptStream(Plan(b"", phrases, Timers(5, 0.5, 10)), model, lambda m: None)
        prompt.handle(json.dumps({"event": "start", "start": {"streamSid": "MZ1",
                      "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000,
                                      "channels": 1}}}))
        for at in range(0, len(audio), FRAME):
            message = json.dumps({"event": "media", "media": {
                "track": "inbound", "payload": base64.b64encode(audio[at:at + FRAME]).decode()}})
            if prompt.handle(message) is not None:
                break
    return run


def capacity(model, audio: bytes, repeats: int) -> list[tuple[str, float, float]]:
    rows = []
    for grammar in (True, False):
        for _ in range(2):  # warm-up pass for free-form's lazy graph
            raw = cpu_per_audio_s(raw_vosk(model, grammar), audio, repeats)
            our = cpu_per_audio_s(ours(model, grammar), audio, repeats)
        rows.append(("grammar" if grammar else "free-form", raw, our))
    return rows


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory_per_recognizer(model, audio: bytes, count: int = 20) -> dict[str, float]:
    import vosk

    pcm = mulaw_to_pcm16(audio).astype("<i2").tobytes()
    found = {}
    for label, grammar in (("grammar", json.dumps(PHRASES + ["<UNK>"], ensure_ascii=False)),
                           ("free-form", None)):
        before = rss_mb()
        recognizers = []
        for _ in range(count):
            rec = (vosk.KaldiRecognizer(model.model, 8000, grammar) if grammar
                   else vosk.KaldiRecognizer(model.model, 8000))
            rec.AcceptWaveform(pcm[: len(pcm) // 2])  # mid-utterance: what a stream holds
            recognizers.append(rec)
        found[label] = (rss_mb() - before) / count  # the model itself is shared
        del recognizers
    return found


def stream_turn(base: str) -> tuple[str, str, str]:
    sim = Simulator(Http(base), TOKEN, base, caller="+15551230001", dialled="+15005550006")
    _, body = sim.signed_post(base + "/voice/incoming", {})
    _, body = sim.signed_post(ET.fromstring(body).find("Gather").get("action"), {"Digits": "9"})
    connect = ET.fromstring(body).find("Connect")
    return sim.call_sid, connect.find("Stream").get("url"), connect.get("action")


def one_answer(base: str, audio: bytes) -> tuple[float, float]:
    """(speech end -> next TwiML, seconds; answer lateness vs audio time, seconds)."""
    sid, url, action = stream_turn(base)
    caller = StreamCaller(url, TOKEN, sid, server=base, paced=True)
    result = caller.converse(audio, at_s=0.2)
    sim = Simulator(Http(base), TOKEN, base, caller="+15551230001", dialled="+15005550006",
                    call_sid=sid)
    status, _ = sim.signed_post(action, {})
    assert status == 200
    done = time.perf_counter()
    lateness = result.closed_at - result.speech_end_sent_at
    return done - result.speech_end_sent_at, lateness


def concurrent(base: str, audio: bytes, streams: int) -> list[float]:
    lateness: list[float] = []

    def talk() -> None:
        lateness.append(one_answer(base, audio)[1])

    threads = [threading.Thread(target=talk) for _ in range(streams)]
    for thread in threads:
        thread.start()
        time.sleep(0.05)
    for thread in threads:
        thread.join()
    return lateness


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--latency-calls", type=int, default=15)
    parser.add_argument("--levels", default="1,16,32,48")
    args = parser.parse_args()
    model = ModelRegistry("/nonexistent", include_package=True).get("ko")
    audio, spoken = utterance(), words()
    cores = os.cpu_count()
    print(f"\nKorean small model, {len(audio) / 8000:.1f} s answers, {cores} cores\n")
    print("| decoding | raw Vosk CPU-s per audio-s | ours | overhead | raw streams/core "
          "| ours streams/core |")
    print("|---|---|---|---|---|---|")
    for label, raw, our in capacity(model, audio, args.repeats):
        print(f"| {label} | {raw:.3f} | {our:.3f} | {(our / raw - 1) * 100:+.0f}% "
              f"| {1 / raw:.0f} | {1 / our:.0f} |")
    memory = memory_per_recognizer(model, audio)
    print(f"\nmemory per open recognizer: grammar {memory['grammar']:.1f} MB, "
          f"free-form {memory['free-form']:.1f} MB")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        env = sqlite_env(base, tmp, HOLDLINE_MAX_RECOGNIZERS="64")
        with serving(env, port, threads=32):
            time.sleep(6)  # each worker loads the model at start (gunicorn.conf.py)
            latencies = [one_answer(base, spoken)[0] for _ in range(args.latency_calls)]
            print(f"\nend of speech -> next TwiML ({args.latency_calls} answers, paced): "
                  f"median {statistics.median(latencies) * 1000:.0f} ms, "
                  f"max {max(latencies) * 1000:.0f} ms (our end-of-speech timer: 500 ms)")
            print("\n| callers talking at once | answer lateness median | max |")
            print("|---|---|---|")
            for level in [int(n) for n in args.levels.split(",")]:
                late = concurrent(base, spoken, level)
                print(f"| {level} | {statistics.median(late) * 1000:.0f} ms "
                      f"| {max(late) * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
