"""Demo hold content made on this machine: synthesised music and spoken tips, no recordings.

The files are ordinary 16-bit WAV sources; they reach callers through import_audio like any
operator upload, so the demo exercises the real pipeline.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import wave
from collections.abc import Callable, Sequence
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np

from app.hold import demo_synth as synth
from app.hold.audio import SegmentInfo, import_audio

Arranger = Callable[[float, np.random.Generator], np.ndarray]

GENRES: dict[str, Arranger] = {
    "jazz": synth.jazz,
    "classical": synth.classical,
    "ambient": synth.ambient,
}

DEMO_TIPS = (
    "Thanks for holding. You can say agent at any time to reach a person.",
    "Did you know? You can check your balance by saying balance at the main menu.",
    "If you would rather not wait, say call me back, and we will ring you "
    "when an agent is free.",
    "We can text you a secure link to update your address in less than a minute.",
    "Tip: have your account number ready. It helps us help you faster.",
    "Our lines are quietest early in the morning and after seven in the evening.",
    "Your call is important to us, and you keep your place in the queue.",
)


def synthesise_genre(genre: str, seconds: float, path: str | os.PathLike[str]) -> Path:
    """Write `seconds` of demo music in `genre` ("jazz", "classical", "ambient") as WAV."""
    if genre not in GENRES:
        raise ValueError(f"unknown genre {genre!r}: choose from {', '.join(GENRES)}")
    rng = np.random.default_rng(sorted(GENRES).index(genre) + 7)  # same tune every run
    mix = GENRES[genre](seconds, rng)
    return _write_wav(synth.finish(mix, seconds), Path(path))


def speak_tips(
    lines: Sequence[str],
    path: str | os.PathLike[str],
    *,
    voice: str = "en-us",
    words_per_minute: int = 150,
    pause_s: float = 1.5,
) -> Path:
    """Speak the lines with espeak-ng into one WAV, with a pause after each line."""
    if not lines:
        raise ValueError("no lines to speak")
    pause = f'<break time="{int(pause_s * 1000)}ms"/>'
    ssml = "<speak>" + "".join(f"<p>{escape(line)}</p>{pause}" for line in lines) + "</speak>"
    out = Path(path)
    # Text goes in on stdin, never as an argument, so a line cannot become an option.
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(words_per_minute), "-m", "--stdin",
                    "-w", str(out)], input=ssml.encode(), check=True, capture_output=True,
                   timeout=120)
    return out


def import_demo_library(library_dir: str | os.PathLike[str],
                        seconds: float = 60) -> dict[str, list[SegmentInfo]]:
    """Make and import every demo genre plus a spoken-tips channel; returns channel -> segments."""
    imported: dict[str, list[SegmentInfo]] = {}
    with tempfile.TemporaryDirectory(prefix="holdline-demo-") as work:
        for genre in GENRES:
            source = synthesise_genre(genre, seconds, Path(work) / f"demo-{genre}.wav")
            imported[genre] = import_audio(source, genre, library_dir,
                                           title=f"Demo {genre}")
        tips = speak_tips(DEMO_TIPS, Path(work) / "hold-tips.wav")
        imported["tips"] = import_audio(tips, "tips", library_dir, title="Hold tips")
    return imported


def _write_wav(samples: np.ndarray, path: Path) -> Path:
    pcm = np.round(np.clip(samples, -1.0, 32767 / 32768) * 32768).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(synth.RATE)
        out.writeframes(pcm.tobytes())
    return path
