"""Whole recordings (voicemail) to text, offline, with free-form Vosk decoding."""

from __future__ import annotations

import json
import subprocess

from app.speech.registry import LoadedModel, ModelError

CHUNK = 8000  # samples per AcceptWaveform call


def to_pcm16(audio: bytes, rate: int) -> bytes:
    """Any format ffmpeg reads -> mono 16-bit PCM at the model's rate."""
    try:
        return subprocess.run(
            ["ffmpeg", "-loglevel", "error", "-i", "-", "-ar", str(rate), "-ac", "1",
             "-f", "s16le", "-"], input=audio, capture_output=True, check=True,
            timeout=120).stdout
    except (subprocess.SubprocessError, OSError) as exc:
        raise ModelError(f"cannot decode the recording: {exc}") from exc


def transcribe(audio: bytes, model: LoadedModel) -> str:
    """The words Vosk hears in a recording, unknown-word tokens dropped."""
    import vosk

    pcm = to_pcm16(audio, model.info.sample_rate)
    recognizer = vosk.KaldiRecognizer(model.model, model.info.sample_rate)
    texts = []
    for at in range(0, len(pcm), CHUNK * 2):
        if recognizer.AcceptWaveform(pcm[at:at + CHUNK * 2]):
            texts.append(json.loads(recognizer.Result()).get("text", ""))
    texts.append(json.loads(recognizer.FinalResult()).get("text", ""))
    words = " ".join(t for t in texts if t).split()
    return " ".join(w for w in words if w != model.unk_token)
