"""Hold-audio import speed, as a multiple of real time (audio seconds per wall second).

    .venv/bin/python bench/audio_import.py [--minutes 3] [--runs 5]

Synthesises demo music (one genre after another), encodes it as a 44.1 kHz stereo mp3 and
as a 44.1 kHz stereo WAV, like an operator upload, then times import_audio on each source
several times into fresh library folders and prints the median.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from app.demo.hold_content import GENRES, synthesise_genre
from app.hold.audio import import_audio


def make_sources(folder: Path, minutes: float) -> dict[str, Path]:
    """One long WAV of all genres in turn, then mp3 and WAV uploads made from it."""
    parts = []
    for genre in GENRES:
        parts.append(synthesise_genre(genre, minutes * 60 / len(GENRES), folder / f"{genre}.wav"))
    listing = folder / "parts.txt"
    listing.write_text("".join(f"file '{p}'\n" for p in parts))
    sources = {"mp3": folder / "upload.mp3", "wav": folder / "upload.wav"}
    for suffix, codec in (("mp3", ["-c:a", "libmp3lame", "-b:a", "192k"]),
                          ("wav", ["-c:a", "pcm_s16le"])):
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "concat", "-safe", "0",
                        "-i", str(listing), "-ar", "44100", "-ac", "2", *codec,
                        str(sources[suffix])], check=True)
    return sources


def time_import(source: Path, folder: Path, run: int) -> tuple[float, int]:
    start = time.perf_counter()
    infos = import_audio(source, "bench", folder / f"library-{source.suffix[1:]}-{run}")
    return time.perf_counter() - start, len(infos)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    audio_s = args.minutes * 60
    with tempfile.TemporaryDirectory(prefix="holdline-bench-") as work:
        folder = Path(work)
        sources = make_sources(folder, args.minutes)
        for kind, source in sources.items():
            results = [time_import(source, folder, run) for run in range(args.runs)]
            median = statistics.median(seconds for seconds, _ in results)
            print(f"{kind}: {audio_s:.0f} s of 44.1 kHz stereo -> {results[0][1]} segments; "
                  f"median {median:.2f} s over {args.runs} runs "
                  f"= {audio_s / median:.0f}x real time")


if __name__ == "__main__":
    main()
