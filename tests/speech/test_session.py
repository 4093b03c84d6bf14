"""RecognitionSession with the real Korean model and espeak-ng speech, fed frame by frame."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import numpy as np
import pytest

from app.flow.actions import Input, Start
from app.flow.engine import step
from app.flow.schema import Menu, default_globals
from app.flow.state import CallState
from app.speech.g711 import mulaw_to_pcm16, pcm16_to_mulaw
from app.speech.registry import LoadedModel
from app.speech.session import (
    Outcome,
    RecognitionSession,
    Timers,
    build_grammar,
    global_commands,
)
from app.speech.vad import level_dbfs
from tests.speech.conftest import frames, silence

MENU = ["상담원 연결", "배송 확인", "주문 취소", "처음으로"]
Say = Callable[..., bytes]


def test_the_grammar_listens_for_the_global_commands_the_engine_acts_on():
    """One list: the menu schema's defaults, and the catalogue's words in the language."""
    korean = global_commands("ko-KR")
    assert {"상담원", "다시", "처음으로", "뒤로"} <= set(korean)
    assert {p for command in default_globals().values() for p in command.phrases} <= set(
        global_commands("en-US"))
    menu = Menu.model_validate({"name": "m", "start": "main", "settings": {
        "person": "agent", "language": "ko-KR"}, "nodes": {
        "main": {"type": "menu", "prompt": "말씀하세요.", "options": [
            {"key": "1", "phrases": ["배송 확인"], "go": "agent"}]},
        "agent": {"type": "queue", "queue": "general"}}})
    waiting = step(menu, CallState(), Start({})).state
    heard = step(menu, waiting, Input(speech="상담원")).trace
    assert any(t.kind == "global" for t in heard)  # the engine acts on the grammar's word


def run(session: RecognitionSession, audio: bytes, size: int = 160) -> Outcome | None:
    """Feed audio frame by frame; the first outcome wins."""
    for frame in frames(audio, size):
        outcome = session.feed(frame)
        if outcome is not None:
            return outcome
    return None


def speech_end_ms(audio: bytes) -> int:
    """Where the last audible 20 ms frame ends (the reference for end-of-speech latency)."""
    pcm = mulaw_to_pcm16(audio)
    loud = [i for i in range(0, pcm.size, 160) if level_dbfs(pcm[i : i + 160]) > -45]
    return (loud[-1] + 160) * 1000 // 8000


def test_grammar_keeps_known_words_adds_commands_and_unk(ko_model: LoadedModel) -> None:
    grammar = build_grammar(ko_model, ["배송 확인", "agent 상담원", "zzqx", "배송 확인"])
    assert grammar is not None
    assert grammar[:2] == ["배송 확인", "상담원"]  # unknown words dropped, duplicates too
    assert "처음으로" in grammar  # a global command
    assert grammar[-1] == "<UNK>"
    assert build_grammar(ko_model, ["zzqx"], commands=()) is None  # nothing known: free-form


# espeak-ng Korean is robotic: these two are recognised every run; "처음으로" and
# "주문 취소" come out wrong with some grammars, so they only serve as competitors here.
@pytest.mark.parametrize("phrase", ["상담원 연결", "배송 확인"])
def test_a_menu_phrase_is_recognised(ko_model: LoadedModel, say: Say, phrase: str) -> None:
    speech = silence(0.5) + say(phrase) + silence(3)
    session = RecognitionSession(ko_model, MENU, commands=())
    started = time.process_time()
    outcome = run(session, speech)
    cpu = time.process_time() - started
    assert outcome is not None and outcome.kind == "speech"
    assert outcome.text == phrase
    assert 0.5 <= outcome.confidence <= 1.0
    latency = outcome.at_ms - speech_end_ms(speech)
    print(
        f"{phrase}: end-of-speech latency {latency} ms, {cpu / (outcome.at_ms / 1000):.3f} CPU-s/s"
    )
    assert 0 < latency <= 900


def test_silence_gives_no_input_after_exactly_the_timeout(ko_model: LoadedModel) -> None:
    session = RecognitionSession(ko_model, MENU, timers=Timers(no_input=2.0))
    outcome = run(session, silence(4))
    assert outcome == Outcome("no_input", at_ms=2000)
    assert session.feed(silence(0.02)) is None  # later audio is ignored


def test_no_input_waits_for_the_prompt_to_end(ko_model: LoadedModel) -> None:
    session = RecognitionSession(ko_model, MENU, prompt_playing=True, timers=Timers(no_input=1.0))
    assert run(session, silence(3)) is None
    session.prompt_ended()
    outcome = run(session, silence(2))
    assert outcome is not None and (outcome.kind, outcome.at_ms) == ("no_input", 4000)


def test_speech_during_the_prompt_is_kept(ko_model: LoadedModel, say: Say) -> None:
    barge_ins: list[int] = []
    session = RecognitionSession(
        ko_model, MENU, prompt_playing=True, on_speech_start=lambda: barge_ins.append(1)
    )
    outcome = run(session, silence(0.3) + say("상담원 연결") + silence(2))
    assert barge_ins == [1]
    assert outcome is not None and (outcome.kind, outcome.text) == ("speech", "상담원 연결")


def test_long_babble_gives_too_long_with_what_was_heard(ko_model: LoadedModel, say: Say) -> None:
    babble = say("배송 확인 주문 취소 상담원 연결 처음으로 " * 6, speed=150)
    assert len(babble) > 12 * 8000
    session = RecognitionSession(ko_model, MENU, timers=Timers(max_utterance=4.0))
    outcome = run(session, silence(0.5) + babble)
    assert outcome is not None and outcome.kind == "too_long"
    assert outcome.text  # words heard so far
    assert 4000 <= outcome.at_ms <= 5000


def test_dtmf_ends_the_prompt(ko_model: LoadedModel) -> None:
    session = RecognitionSession(ko_model, MENU)
    run(session, silence(1))
    outcome = session.dtmf("7")
    assert (outcome.kind, outcome.digits, outcome.at_ms) == ("dtmf", "7", 1000)
    assert session.done and session.feed(silence(1)) is None
    with pytest.raises(ValueError):
        RecognitionSession(ko_model, MENU).dtmf("x")


def test_two_sessions_on_two_threads(ko_model: LoadedModel, say: Say) -> None:
    phrases = ["상담원 연결", "배송 확인"]
    audio = {p: silence(0.3) + say(p) + silence(2) for p in phrases}
    results: dict[str, Outcome | None] = {}
    barrier = threading.Barrier(2)

    def call(phrase: str) -> None:
        session = RecognitionSession(ko_model, MENU, commands=())
        barrier.wait()
        results[phrase] = run(session, audio[phrase])

    threads = [threading.Thread(target=call, args=(p,)) for p in phrases]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert {p: o.text if o else None for p, o in results.items()} == {p: p for p in phrases}


def test_odd_sized_and_empty_frames(ko_model: LoadedModel, say: Say) -> None:
    session = RecognitionSession(ko_model, MENU, commands=())
    assert session.feed(b"") is None
    outcome = run(session, silence(0.5) + say("배송 확인") + silence(2), size=159)
    assert outcome is not None and outcome.text == "배송 확인"


def test_noise_burst_without_words_keeps_listening(ko_model: LoadedModel) -> None:
    rng = np.random.default_rng(1)
    click = rng.integers(-20000, 20000, 160).astype(np.int16)
    session = RecognitionSession(ko_model, MENU, timers=Timers(no_input=3.0))
    outcome = run(session, silence(0.5) + pcm16_to_mulaw(click) + silence(4))
    assert outcome is not None and outcome.kind in ("no_input", "speech")
    if outcome.kind == "speech":  # Vosk may call a click <UNK>: a no-match, never text
        assert outcome.text == "" and outcome.confidence == 0.0
