"""Built-in speech: CPU per audio-second next to raw Vosk, memory per recogniser, and the
real server (TTS, prompt audio out, sockets, webhooks) at its default settings.

    .venv/bin/python bench/speech_streams.py [--passes 5] [--levels 1,8,16,32,48]

1. Decoding cost, several phrases (the Korean menu's, spoken by espeak-ng), N passes.
   Ours (JSON, base64, mu-law, VAD, timers, partials) runs first and decides where the
   answer ends; raw Vosk (PCM straight into a KaldiRecognizer, same grammar, SetWords)
   then decodes exactly those frames and finishes the same way: Result() wherever Vosk's
   endpointer fired, FinalResult() at the end unless it fired on the last frame. Medians
   and the min-max of the passes; an overhead whose range spans zero is "within noise".
2. Memory per recogniser holding a whole answer, grammar and free-form (RSS, 20 at once).
3. gunicorn as `make run` starts it (gunicorn.conf.py, 2 workers, default
   HOLDLINE_MAX_RECOGNIZERS): whole turns (incoming and key-press webhooks, the prompt
   spoken over the stream, the answer, the <Connect action> webhook), paced in real time.
   Callers open their sockets behind a barrier and speak at the same frame, so they
   really talk at once. Server CPU (master, workers, their espeak-ng children) is read
   from /proc, so streams per core counts everything the server does, not the client.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.simulator import Http, Simulator  # noqa: E402
from app.speech.caller import StreamCaller  # noqa: E402
from app.speech.g711 import mulaw_to_pcm16  # noqa: E402
from app.speech.registry import ModelRegistry  # noqa: E402
from app.speech.session import Timers, build_grammar, read_result  # noqa: E402
from app.speech.stream import Plan, PromptStream  # noqa: E402
from app.speech.tts import speak  # noqa: E402
from bench.webhooks import TOKEN, free_port, serving, sqlite_env  # noqa: E402

GRAMMAR_PHRASES = ["요금 확인", "요금 납부", "정전 신고", "정전", "음성 메시지", "상담원 연결",
                   "상담원"]  # the demo's Korean menu (app/demo/menus/northwind.yaml)
# What callers say, and a piece of the TwiML that answers it when it was understood.
SAID = {"요금 확인": "요금 납부 링크", "정전 신고": "정전 신고 링크", "음성 메시지": "<Record",
        "상담원 연결": "<Enqueue"}
FRAME = 160  # 20 ms of mu-law
TIMERS = Timers(5, 0.5, 10)  # as app/voice/stream_views.py listens
CALLER, DIALLED = "+15551230001", "+15005550006"


def words(phrase: str) -> bytes:
    """The words only: espeak-ng's trailing silence cut, so the last frame is speech."""
    audio = speak(phrase, "ko-KR", 150)
    loud = (abs(mulaw_to_pcm16(audio).astype(int)) > 500).nonzero()[0]
    return audio[: int(loud[-1]) + 1]


def answer_audio(phrase: str) -> bytes:
    """One answer as the recogniser gets it: a pause, the words, and more silence than it
    takes to decide (free-form decoding ends about 1 s after the last word)."""
    return b"\xff" * 8000 + words(phrase) + b"\xff" * 16000


def frames(audio: bytes) -> list[bytes]:
    return [audio[at:at + FRAME] for at in range(0, len(audio) - FRAME + 1, FRAME)]


# --- 1. decoding cost ---------------------------------------------------------------

def ours(model, grammar: bool, audio: bytes) -> tuple[int, str]:
    """Our whole path until it answers: (frames it took, text heard)."""
    phrases = GRAMMAR_PHRASES if grammar else []  # no phrases: free-form decoding
    prompt = PromptStream(Plan(b"", phrases, TIMERS), model, lambda m: None)
    prompt.handle(json.dumps({"event": "start", "start": {"streamSid": "MZ1", "mediaFormat": {
        "encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1}}}))
    for n, frame in enumerate(frames(audio), 1):
        outcome = prompt.handle(json.dumps({"event": "media", "media": {
            "track": "inbound", "payload": base64.b64encode(frame).decode()}}))
        if outcome is not None:
            return n, outcome.text
    raise RuntimeError("our path never answered")


def raw_vosk(model, grammar: bool, audio: bytes, used: int) -> str:
    """The same frames into a bare KaldiRecognizer, finished the same way as ours."""
    import vosk

    pcm = mulaw_to_pcm16(b"".join(frames(audio)[:used])).astype("<i2").tobytes()
    spec = build_grammar(model, GRAMMAR_PHRASES, ()) if grammar else None
    rec = (vosk.KaldiRecognizer(model.model, 8000, json.dumps(spec, ensure_ascii=False))
           if spec else vosk.KaldiRecognizer(model.model, 8000))
    rec.SetWords(True)
    result = ""
    for at in range(0, len(pcm), FRAME * 2):
        if rec.AcceptWaveform(pcm[at:at + FRAME * 2]):
            result = rec.Result()
            if at + FRAME * 2 >= len(pcm):
                return result
    return rec.FinalResult()


@dataclass
class Pass:
    raw_cpu: float = 0.0
    our_cpu: float = 0.0
    audio_s: float = 0.0


def one_pass(model, grammar: bool, answers: list[bytes], flip: bool) -> tuple[Pass, list]:
    """Every answer through both paths (ours first, as it decides the frames; the order
    of answers flips every pass). CPU seconds of this thread."""
    found, heard = Pass(), []
    for audio in (reversed(answers) if flip else answers):
        started = time.thread_time()
        used, our_text = ours(model, grammar, audio)
        middle = time.thread_time()
        raw_text = read_result(raw_vosk(model, grammar, audio, used), model.unk_token)[0]
        found.our_cpu += middle - started
        found.raw_cpu += time.thread_time() - middle
        found.audio_s += used * FRAME / 8000
        heard.append((our_text, raw_text))
    return found, heard


def spread(values: list[float], fmt: str) -> str:
    return f"{format(statistics.median(values), fmt)} ({format(min(values), fmt)}-" \
           f"{format(max(values), fmt)})"


def decoding_table(model, passes: int) -> None:
    answers = [answer_audio(p) for p in SAID]
    print(f"\n{len(answers)} phrases ({', '.join(SAID)}), {passes} passes; "
          "median (min-max) of the passes")
    print("| decoding | raw Vosk CPU-s per audio-s | ours | our overhead | within noise? | "
          "raw streams/core | ours streams/core |")
    print("|---|---|---|---|---|---|---|")
    for grammar in (True, False):
        one_pass(model, grammar, answers, False)  # warm-up: free-form builds its graph lazily
        rows = [one_pass(model, grammar, answers, n % 2 == 1) for n in range(passes)]
        raw = [r.raw_cpu / r.audio_s for r, _ in rows]
        our = [r.our_cpu / r.audio_s for r, _ in rows]
        overhead = [(o / r - 1) * 100 for o, r in zip(our, raw, strict=True)]
        noise = "yes" if min(overhead) <= 0 <= max(overhead) else "no"
        print(f"| {'grammar' if grammar else 'free-form'} | {spread(raw, '.3f')} | "
              f"{spread(our, '.3f')} | {spread(overhead, '+.0f')} % | {noise} | "
              f"{spread([1 / r for r in raw], '.0f')} | {spread([1 / o for o in our], '.0f')} |")
        same = sum(o == r for o, r in rows[0][1])
        print(f"  heard the same words on both paths: {same} of {len(answers)}: "
              + "; ".join(f"{o or '-'} / {r or '-'}" for o, r in rows[0][1]))


# --- 2. memory ----------------------------------------------------------------------

def rss_mb() -> float:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmRSS"))


def memory_per_recognizer(repeats: int = 3) -> dict[str, str]:
    """RSS per recogniser that has taken a whole answer (what an open stream holds), each
    repeat in a fresh process: in this one (or a fork of it) freed memory is reused."""
    def fresh(label: str) -> float:
        out = subprocess.run([sys.executable, __file__, "--held-mb", label], check=True,
                             capture_output=True, text=True).stdout
        return float(out.split()[-1])
    return {label: spread([fresh(label) for _ in range(repeats)], ".1f")
            for label in ("grammar", "free-form")}


def held_mb(model, label: str) -> float:
    import vosk

    pcm = mulaw_to_pcm16(answer_audio("상담원 연결")).astype("<i2").tobytes()
    spec = json.dumps(build_grammar(model, GRAMMAR_PHRASES, ()), ensure_ascii=False)
    count = 20 if label == "grammar" else 8
    before, held = rss_mb(), []
    for _ in range(count):
        rec = (vosk.KaldiRecognizer(model.model, 8000, spec) if label == "grammar"
               else vosk.KaldiRecognizer(model.model, 8000))
        rec.SetWords(True)
        for at in range(0, len(pcm), FRAME * 2):
            rec.AcceptWaveform(pcm[at:at + FRAME * 2])
        held.append(rec)
    return (rss_mb() - before) / count  # the model itself is shared


def cold_tts_ms() -> float:
    """CPU of espeak-ng and ffmpeg for the Korean prompt, per second of prompt audio,
    when it is not in the per-process cache."""
    import resource

    text = ("한국어 서비스입니다. 요금 확인, 정전 신고, 음성 메시지, 또는 상담원 연결이라고 "
            "말씀해 주세요.")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    audio = speak.__wrapped__(text, "ko-KR")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return cpu * 1000 / (len(audio) / 8000)


# --- 3. the real server -------------------------------------------------------------

def server_cpu_s(master: int) -> float:
    """CPU seconds of gunicorn's master, its workers and their reaped children so far."""
    tick = os.sysconf("SC_CLK_TCK")
    pids = [master] + [int(p) for p in Path(f"/proc/{master}/task/{master}/children")
                       .read_text().split()]
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # a worker that just left
        total += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
    return total / tick


class TogetherCaller(StreamCaller):
    """A provider stream that starts only when every caller of the round has connected."""

    def __init__(self, *args, barrier: threading.Barrier, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.barrier = barrier

    def connect(self, signed: bool = True):
        ws = super().connect(signed)
        self.barrier.wait(timeout=60)
        self.opened_at = time.perf_counter()  # the round starts now, not at connect
        return ws


@dataclass
class Turn:
    kind: str = "error"  # vosk, fallback-render, fallback-socket, error
    speech_end_to_twiml: float | None = None  # vosk: the caller's last word -> next TwiML
    wait_for_prompt: float | None = None  # fallback-socket: socket open -> <Gather> TwiML
    understood: bool = False
    talked_over_prompt: bool = False
    stream_s: float = 0.0
    error: str = ""
    notes: list[str] = field(default_factory=list)


def open_turn(base: str) -> tuple[Simulator, ET.Element]:
    """A new call on the demo, key 9: the Korean menu, heard by Vosk on our server."""
    sim = Simulator(Http(base), TOKEN, base, caller=CALLER, dialled=DIALLED)
    _, body = sim.signed_post(base + "/voice/incoming", {})
    _, body = sim.signed_post(ET.fromstring(body).find("Gather").get("action"), {"Digits": "9"})
    return sim, ET.fromstring(body)


def take_turn(base: str, phrase: str, speak_at_s: float, barrier: threading.Barrier | None,
              paced: bool = True) -> Turn:
    turn = Turn()
    try:
        sim, twiml = open_turn(base)
        connect = twiml.find("Connect")
        if connect is None:  # the worker that rendered it had every recogniser busy
            turn.kind = "fallback-render"
            if barrier:
                barrier.wait(timeout=60)
            return turn
        caller = (TogetherCaller if barrier else StreamCaller)(
            connect.find("Stream").get("url"), TOKEN, sim.call_sid, server=base, paced=paced,
            **({"barrier": barrier} if barrier else {}))
        opened = time.perf_counter()
        try:
            result = caller.converse(words(phrase), at_s=speak_at_s, after_prompt=False)
        except OSError:  # a full worker closed the socket before our `start` went out
            result = caller.result
        status, body = sim.signed_post(connect.get("action"), {})
        done = time.perf_counter()
        if status != 200:
            raise RuntimeError(f"HTTP {status} from the <Connect action>")
        turn.stream_s = result.frames_sent * FRAME / 8000
        if result.prompt_bytes == 0:  # the socket's worker had every recogniser busy
            opened = getattr(caller, "opened_at", opened)
            turn.kind, turn.wait_for_prompt = "fallback-socket", done - opened
            return turn
        turn.kind = "vosk"
        # the server sends `clear` whenever speech starts; over the prompt only if late
        played_by = (result.prompt_from or 0) + result.prompt_bytes / FRAME
        turn.talked_over_prompt = played_by > speak_at_s * 8000 / FRAME
        turn.speech_end_to_twiml = done - result.speech_end_sent_at
        turn.understood = SAID[phrase] in body
    except Exception as exc:  # counted and shown: a benchmark must not hide failures
        turn.error = f"{type(exc).__name__}: {exc}"
        if barrier:
            barrier.abort()
    return turn


def prompt_seconds(base: str) -> float:
    """Warm both workers (their TTS cache, their recognisers) and time the prompt."""
    turns = [warm_turn(base)]
    threads = [threading.Thread(target=lambda: turns.append(
        warm_turn(base))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return max(turns)


def warm_turn(base: str) -> float:
    sim, twiml = open_turn(base)
    connect = twiml.find("Connect")
    caller = StreamCaller(connect.find("Stream").get("url"), TOKEN, sim.call_sid, server=base,
                          paced=False)
    result = caller.converse(digit="4", at_s=0.2)
    sim.signed_post(connect.get("action"), {})
    return result.prompt_bytes / 8000


def round_of(base: str, master: int, callers: int, speak_at_s: float) -> tuple[list[Turn], float]:
    """callers at once, behind a barrier; (their turns, server CPU seconds of the round)."""
    phrases = list(SAID)
    barrier = threading.Barrier(callers)
    turns: list[Turn] = []
    cpu = server_cpu_s(master)
    threads = [threading.Thread(target=lambda i=i: turns.append(take_turn(
        base, phrases[i % len(phrases)], speak_at_s, barrier))) for i in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return turns, server_cpu_s(master) - cpu


def ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.0f} ({min(values) * 1000:.0f}-" \
           f"{max(values) * 1000:.0f})" if values else "-"


def level_row(callers: int, rounds: list[tuple[list[Turn], float]]) -> str:
    turns = [t for ts, _ in rounds for t in ts]
    vosk = [t for t in turns if t.kind == "vosk"]
    per_core = [sum(t.stream_s for t in ts if t.kind == "vosk") / cpu
                for ts, cpu in rounds if cpu > 0]
    count = {k: sum(t.kind == k for t in turns) for k in
             ("vosk", "fallback-render", "fallback-socket", "error")}
    return (f"| {callers} | {len(rounds)} | {count['vosk']} | "
            f"{ms([t.speech_end_to_twiml for t in vosk])} | "
            f"{sum(t.understood for t in vosk)} | {sum(t.talked_over_prompt for t in vosk)} | "
            f"{count['fallback-render']} | {count['fallback-socket']} | "
            f"{ms([t.wait_for_prompt for t in turns if t.kind == 'fallback-socket'])} | "
            f"{count['error']} | {spread(per_core, '.1f') if per_core else '-'} |")


def server_tables(args) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        env = sqlite_env(base, tmp, HOLDLINE_LOG_LEVEL="WARNING")
        env.pop("HOLDLINE_MAX_RECOGNIZERS", None)  # the default cap, as `make run` has it
        with serving(env, port, threads=32) as server:
            time.sleep(args.settle_s)  # each worker makes its sentence model after the fork
            prompt_s = prompt_seconds(base)
            speak_at = prompt_s + 1.5  # after the prompt, with room for a late first frame
            print(f"\ngunicorn 2 workers x 32 threads, default HOLDLINE_MAX_RECOGNIZERS "
                  f"({os.environ.get('HOLDLINE_MAX_RECOGNIZERS', 8)} per worker); prompt "
                  f"{prompt_s:.1f} s, callers speak {speak_at:.1f} s after their socket opens")
            print("\n| callers at once | rounds | answered by Vosk | end of speech -> next "
                  "TwiML, ms median (min-max) | understood | talked over a late prompt | "
                  "fell back at render | fell back at the socket | their wait for the "
                  "provider's prompt, ms | errors | streams per server core |")
            print("|---:|---:|---:|---|---:|---:|---:|---:|---|---:|---|")
            for callers in [int(n) for n in args.levels.split(",")]:
                rounds = [round_of(base, server.pid, callers, speak_at)
                          for _ in range(args.rounds)]
                print(level_row(callers, rounds), flush=True)
                for turn in (t for ts, _ in rounds for t in ts if t.error):
                    print(f"  error: {turn.error}")
            started = time.monotonic()
        print(f"\ngunicorn stopped {time.monotonic() - started:.1f} s after SIGTERM")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--levels", default="1,8,16,32,48")
    parser.add_argument("--rounds", type=int, default=2, help="rounds per level")
    parser.add_argument("--settle-s", type=float, default=30)
    parser.add_argument("--held-mb", choices=["grammar", "free-form"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    model = ModelRegistry("/nonexistent", include_package=True).get("ko")
    if args.held_mb:  # one memory repeat, in its own process
        print(f"{held_mb(model, args.held_mb):.2f}")
        return 0
    print(f"\nKorean small model, espeak-ng speech, {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.1f} at the start")
    decoding_table(model, args.passes)
    memory = memory_per_recognizer()
    print(f"\nmemory per recogniser holding a whole answer, MB median (min-max) of 3: "
          f"grammar {memory['grammar']}, free-form {memory['free-form']}")
    print(f"espeak-ng + ffmpeg for a prompt not yet cached: {cold_tts_ms():.0f} CPU-ms per "
          "second of prompt (each worker caches 256 prompts)")
    server_tables(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
