"""One prompt's worth of recognition: mu-law frames and DTMF in, one Outcome out."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from app.flow import phrases as catalogue
from app.flow.engine import GLOBAL_WORDS
from app.flow.schema import default_globals
from app.speech.g711 import Upsampler, mulaw_to_pcm16
from app.speech.registry import TELEPHONY_RATE, LoadedModel, ModelError
from app.speech.vad import EnergyVad

OutcomeKind = Literal["speech", "dtmf", "no_input", "too_long"]
DTMF_KEYS = frozenset("0123456789*#ABCD")
PARTIAL_EVERY = 5  # frames between partial-result polls while nothing sounds like speech
MS = 1000


@dataclass(frozen=True)
class Timers:
    """Limits in seconds of audio time (frames received), never wall-clock time."""

    no_input: float = 5.0
    end_of_speech: float = 0.6
    max_utterance: float = 10.0


@dataclass(frozen=True)
class Outcome:
    """What the caller did in answer to one prompt."""

    kind: OutcomeKind
    text: str = ""
    confidence: float = 0.0
    digits: str = ""
    at_ms: int = 0  # audio time (from the session start) when the outcome was decided
    speech_end_ms: int | None = None  # audio time of the last speech heard, if any


def phrase_words(phrase: str) -> list[str]:
    """Lower-case words of a phrase without punctuation (Vosk vocabularies are lower-case)."""
    return re.findall(r"[\w']+", phrase.lower())


def global_commands(language: str) -> list[str]:
    """The words that work from every node (no menu can trap a caller), as the engine
    hears them: the menu schema's defaults and their translation in the catalogue."""
    said = catalogue.phrases(language)
    return [word for name, command in default_globals().items()
            for word in (*command.phrases, *said.translated_list(GLOBAL_WORDS[name]))]


def build_grammar(
    model: LoadedModel, phrases: Iterable[str], commands: Iterable[str] | None = None
) -> list[str] | None:
    """Grammar of node phrases plus global commands, with words the model knows.

    None means free-form decoding: the model has no runtime-grammar graph, or no phrase
    word is in its vocabulary (a grammar of only the unknown token would hear nothing).
    """
    if not model.info.supports_grammar:
        return None
    if commands is None:
        commands = global_commands(model.info.language)
    grammar: list[str] = []
    for phrase in [*phrases, *commands]:
        known = " ".join(w for w in phrase_words(phrase) if model.knows(w))
        if known and known not in grammar:
            grammar.append(known)
    if not grammar:
        return None
    return grammar + ([model.unk_token] if model.unk_token else [])


def read_result(raw: str, unk_token: str | None) -> tuple[str, float, int]:
    """(text without unknown words, mean word confidence scaled by known share, word count)."""
    words: list[dict[str, Any]] = json.loads(raw).get("result", [])
    known = [w for w in words if w.get("word") != unk_token]
    if not known:
        return "", 0.0, len(words)
    mean = sum(float(w.get("conf", 0.0)) for w in known) / len(known)
    share = len(known) / len(words)
    return " ".join(w["word"] for w in known), round(mean * share, 3), len(words)


class RecognitionSession:
    """Recognition for one prompt; used by one thread at a time.

    Feed it every inbound frame from the start of the prompt (so barge-in speech is kept)
    and call prompt_ended() when the prompt has finished playing: the no-input timer only
    runs after that, as with a provider's own gather timeout.
    """

    def __init__(
        self,
        model: LoadedModel,
        phrases: Sequence[str] = (),
        *,
        commands: Sequence[str] | None = None,
        timers: Timers | None = None,
        prompt_playing: bool = False,
        on_speech_start: Callable[[], None] | None = None,
    ) -> None:
        self.model = model
        self.timers = timers or Timers()
        self.on_speech_start = on_speech_start
        self.grammar = build_grammar(model, phrases, commands)
        self._recognizer = self._new_recognizer()
        self._upsampler = self._new_upsampler()
        self._vad = EnergyVad()
        self._samples = 0
        self._listen_from: int | None = None if prompt_playing else 0
        self._speech_start: int | None = None
        self._last_activity = 0
        self._partial = ""
        self._frames = 0
        self.outcome: Outcome | None = None

    def _new_recognizer(self) -> Any:
        """A fresh KaldiRecognizer (never SetGrammar on a used one: it aborts the process)."""
        import vosk

        rate = self.model.info.sample_rate
        if self.grammar is None:
            recognizer = vosk.KaldiRecognizer(self.model.model, rate)
        else:
            grammar = json.dumps(self.grammar, ensure_ascii=False)
            recognizer = vosk.KaldiRecognizer(self.model.model, rate, grammar)
        recognizer.SetWords(True)
        return recognizer

    def _new_upsampler(self) -> Upsampler | None:
        """A 2x upsampler for models that cannot take 8 kHz themselves."""
        rate = self.model.info.sample_rate
        if rate == TELEPHONY_RATE:
            return None
        if rate == 2 * TELEPHONY_RATE:
            return Upsampler()
        raise ModelError(f"{self.model.info.name} wants {rate} Hz; only 8000/16000 are supported")

    @property
    def done(self) -> bool:
        """True once an outcome has been decided; later frames are ignored."""
        return self.outcome is not None

    @property
    def speech_started(self) -> bool:
        """True while the caller is heard speaking (callers use it for barge-in)."""
        return self._speech_start is not None

    def audio_ms(self) -> int:
        """Audio time received so far, in milliseconds."""
        return self._samples * MS // TELEPHONY_RATE

    def prompt_ended(self) -> None:
        """Start the no-input timer (call when the provider says the prompt has played)."""
        if self._listen_from is None:
            self._listen_from = self._samples

    def dtmf(self, digit: str) -> Outcome:
        """A key press ends the prompt at once."""
        if digit not in DTMF_KEYS:
            raise ValueError(f"not a DTMF key: {digit!r}")
        return self._finish(Outcome("dtmf", digits=digit, confidence=1.0, at_ms=self.audio_ms()))

    def feed(self, frame: bytes) -> Outcome | None:
        """Take one mu-law frame (any length; a media stream sends 160 bytes = 20 ms)."""
        if self.outcome is not None or not frame:
            return None
        pcm = mulaw_to_pcm16(frame)
        self._samples += pcm.size
        self._frames += 1
        loud = self._vad.is_speech(pcm)
        if self._accept(pcm):
            return self._endpoint()
        self._track_activity(loud)
        return self._check_timers()

    def _accept(self, pcm: np.ndarray) -> bool:
        """Pass audio to Vosk; True when Vosk's own endpointer fired."""
        if self._upsampler is not None:
            pcm = self._upsampler.process(pcm)
        return bool(self._recognizer.AcceptWaveform(pcm.astype("<i2", copy=False).tobytes()))

    def _endpoint(self) -> Outcome | None:
        """Vosk ended an utterance: an answer if it heard words, else keep listening."""
        text, confidence, count = read_result(self._recognizer.Result(), self.model.unk_token)
        self._partial = ""
        if count == 0:
            self._speech_start = None
            return self._check_timers()
        return self._speech("speech", text, confidence)

    def _track_activity(self, loud: bool) -> None:
        """Update speech start and last activity from the VAD and Vosk partials."""
        if loud:
            self._last_activity = self._samples
            self._begin_speech()
        # Partials cost a lattice traceback: poll every frame only around speech.
        if loud or self._speech_start is not None or self._frames % PARTIAL_EVERY == 0:
            partial = json.loads(self._recognizer.PartialResult()).get("partial", "")
            if partial != self._partial:
                self._partial = partial
                if partial:  # new words: speech the VAD may have missed (a quiet caller)
                    self._last_activity = max(self._last_activity, self._samples)
                    self._begin_speech()

    def _begin_speech(self) -> None:
        """Mark the start of an utterance once and tell the caller (barge-in)."""
        if self._speech_start is None:
            self._speech_start = self._samples
            if self.on_speech_start is not None:
                self.on_speech_start()

    def _check_timers(self) -> Outcome | None:
        """Apply end-of-speech, max-utterance and no-input limits in audio time."""
        rate = TELEPHONY_RATE
        if self._speech_start is not None:
            if self._samples - self._speech_start >= self.timers.max_utterance * rate:
                return self._final("too_long")
            if self._samples - self._last_activity >= self.timers.end_of_speech * rate:
                if self._partial:
                    return self._final("speech")
                self._speech_start = None  # a click or breath: no words, keep listening
            return None
        if self._listen_from is not None:
            if self._samples - self._listen_from >= self.timers.no_input * rate:
                return self._finish(Outcome("no_input", at_ms=self.audio_ms()))
        return None

    def _final(self, kind: OutcomeKind) -> Outcome:
        """Flush the recognizer and answer with what it heard."""
        text, confidence, _ = read_result(self._recognizer.FinalResult(), self.model.unk_token)
        return self._speech(kind, text, confidence)

    def _speech(self, kind: OutcomeKind, text: str, confidence: float) -> Outcome:
        """Build a speech-type outcome stamped with audio times."""
        end_ms = self._last_activity * MS // TELEPHONY_RATE
        outcome = Outcome(kind, text, confidence, at_ms=self.audio_ms(), speech_end_ms=end_ms)
        return self._finish(outcome)

    def _finish(self, outcome: Outcome) -> Outcome:
        """Record the first outcome and free the recognizer (after a 4 s answer a grammar one
        holds about 1.5 MB, a free-form one about 33 MB: bench/speech_streams.py)."""
        if self.outcome is None:
            self.outcome = outcome
            self._recognizer = None
        return outcome
