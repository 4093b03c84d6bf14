"""Prompts spoken on our own servers (espeak-ng), as 8 kHz mu-law for a Media Stream.

On built-in-speech nodes we play the prompt over the stream ourselves: that is what lets
the caller talk over it (barge-in) without losing a word, and no prompt text leaves us.
"""

from __future__ import annotations

import functools
import shutil
import subprocess

ESPEAK_VOICES = {"en-us": "en-us", "en-gb": "en-gb", "pt-br": "pt-br", "zh-cn": "cmn"}
WORDS_PER_MINUTE = 150


class SpeakFailed(RuntimeError):
    """espeak-ng or ffmpeg is missing or refused the text."""


def espeak_voice(language: str) -> str:
    """en-US -> en-us, ko-KR -> ko: espeak-ng knows regional voices only for a few."""
    tag = language.lower().replace("_", "-")
    return ESPEAK_VOICES.get(tag, tag.split("-")[0])


@functools.lru_cache(maxsize=256)  # prompts repeat across calls; each is ~20 KB
def speak(text: str, language: str = "en-US", speed: int = WORDS_PER_MINUTE) -> bytes:
    """Raw 8 kHz mono mu-law of the text (no header): the media stream's payload format."""
    for tool in ("espeak-ng", "ffmpeg"):
        if shutil.which(tool) is None:
            raise SpeakFailed(f"{tool} is not installed")
    try:
        wav = subprocess.run(
            ["espeak-ng", "-v", espeak_voice(language), "-s", str(speed), "--stdout", text],
            capture_output=True, check=True, timeout=10).stdout
        return subprocess.run(
            ["ffmpeg", "-loglevel", "error", "-i", "-", "-ar", "8000", "-ac", "1",
             "-f", "mulaw", "-"], input=wav, capture_output=True, check=True,
            timeout=10).stdout
    except (subprocess.SubprocessError, OSError) as exc:
        raise SpeakFailed(f"could not speak {text[:40]!r}: {exc}") from exc
