"""A plain default hold tune, synthesised with ffmpeg (no copyrighted music), used by
the wait loop until hold channels are set up."""

from __future__ import annotations

import subprocess
from pathlib import Path

CHORD_HZ = (261.63, 329.63, 392.0, 493.88)  # C major seventh, slowly swelling
SECONDS = 24


def default_track(audio_dir: str | Path) -> Path:
    """The 8 kHz mu-law default hold track, made once and kept under audio/rendered/."""
    path = Path(audio_dir) / "rendered" / "default-hold.wav"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    inputs = [arg for hz in CHORD_HZ for arg in ("-f", "lavfi", "-i", f"sine=f={hz}:d={SECONDS}")]
    mix = (f"amix=inputs={len(CHORD_HZ)},volume=0.6,tremolo=f=0.5:d=0.4,afade=t=in:d=2,"
           f"afade=t=out:st={SECONDS - 2}:d=2,aresample=8000")
    partial = path.with_suffix(".partial.wav")
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", *inputs,
                    "-filter_complex", mix, "-ac", "1", "-c:a", "pcm_mulaw", "-y", str(partial)],
                   check=True, timeout=60)
    partial.replace(path)  # atomic: a half-written file is never served
    return path
