"""Demo hold content made on this machine: synthesised music and spoken tips, no recordings.

The files are ordinary 16-bit WAV sources; they reach callers through import_audio like any
operator upload, so the demo exercises the real pipeline.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
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

# Each piece of a genre is its own track in another key and tempo: (semitones, tempo).
VARIATIONS = ((0, 1.0), (5, 0.94), (-3, 1.06), (2, 0.9), (-5, 1.1), (7, 0.97), (-2, 1.03),
              (3, 0.92), (-4, 1.08), (4, 1.0), (-1, 0.95), (6, 1.05))
PIECE_S, DEMO_PIECES = 186.0, 10  # 31 minutes a genre: a 30-minute wait hears no repeat

DEMO_TIPS = (
    "Thanks for holding. You can say agent at any time to reach a person.",
    "Did you know? You can check your balance by saying balance at the main menu.",
    "If you would rather not wait, say call me back, and we will ring you "
    "when an agent is free.",
    "We can text you a secure link to update your address in less than a minute.",
    "Tip: have your account number ready. It helps us help you faster.",
    "Our lines are quietest early in the morning and after seven in the evening.",
    "Your call is important to us, and you keep your place in the queue.",
    "Turning your thermostat down by one degree can cut heating costs by up to "
    "ten percent.",
    "Close curtains at dusk in winter: they keep the warmth of the day inside.",
    "A dishwasher run full uses less water than washing the same dishes by hand.",
    "Washing clothes at thirty degrees uses about half the energy of a hot wash.",
    "Unplug chargers you are not using. Standby power adds up over a year.",
    "Keep your fridge between three and five degrees, and the freezer at minus eighteen.",
    "Bleed your radiators in autumn so the whole radiator warms up.",
    "A lid on the pan boils water faster and uses less energy.",
    "Smart meters show what you use each hour, so you can spot waste at a glance.",
    "Draught strips on doors and windows are cheap and pay for themselves in one winter.",
    "Set your water heater to about sixty degrees: hot enough to be safe, not wasteful.",
    "Defrost your freezer when the ice is more than a few millimetres thick.",
    "Switch off lights in empty rooms. It is the simplest saving there is.",
    "If you are moving house, tell us your moving date and we will read the meter.",
    "You can pay your bill any day of the week by saying pay my bill at the main menu.",
    "During a power cut, unplug sensitive electronics so a surge cannot harm them.",
    "Keep a torch somewhere easy to find, in case the lights go out at night.",
    "Tumble dryers use a lot of energy. On a dry day, a washing line is free.",
    "An energy efficient kettle, filled only as much as you need, saves every day.",
    "Loft insulation keeps a quarter of your heat from escaping through the roof.",
    "Our online account shows your last twelve bills side by side.",
)
MANIFEST, MANIFEST_VERSION = "demo-manifest.json", 1
TIPS_PER_TRACK = 4  # about half a minute of speech: one hold segment per track


def synthesise_genre(genre: str, seconds: float, path: str | os.PathLike[str],
                     piece: int = 0) -> Path:
    """Write `seconds` of demo music in `genre` ("jazz", "classical", "ambient") as WAV;
    each `piece` number is another tune (its own melody, key and tempo)."""
    if genre not in GENRES:
        raise ValueError(f"unknown genre {genre!r}: choose from {', '.join(GENRES)}")
    # Seeded: the same tune every run, so the content hashes (file names) stay stable.
    rng = np.random.default_rng([sorted(GENRES).index(genre) + 7, piece])
    key, tempo = VARIATIONS[piece % len(VARIATIONS)]
    mix = GENRES[genre](seconds, rng, key=key, tempo=tempo)
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


def import_demo_library(library_dir: str | os.PathLike[str], seconds: float = 60,
                        pieces: int = 1,
                        tips: Sequence[str] = DEMO_TIPS) -> dict[str, list[SegmentInfo]]:
    """Make and import `pieces` tunes of `seconds` per genre plus the spoken tips (a track per
    TIPS_PER_TRACK lines); returns channel -> segments, in play order."""
    imported: dict[str, list[SegmentInfo]] = {}
    with tempfile.TemporaryDirectory(prefix="holdline-demo-") as work:
        for genre in GENRES:
            imported[genre] = []
            for piece in range(pieces):
                source = synthesise_genre(genre, seconds, Path(work) / f"{genre}-{piece}.wav",
                                          piece)
                imported[genre] += import_audio(source, genre, library_dir,
                                                title=f"Demo {genre} {piece + 1}")
        imported["tips"] = []
        for start in range(0, len(tips), TIPS_PER_TRACK):
            spoken = speak_tips(tips[start:start + TIPS_PER_TRACK],
                                Path(work) / f"tips-{start}.wav")
            imported["tips"] += import_audio(spoken, "tips", library_dir,
                                             title=f"Hold tips {start // TIPS_PER_TRACK + 1}")
    return imported


def demo_library(library_dir: str | os.PathLike[str], seconds: float = PIECE_S,
                 pieces: int = DEMO_PIECES,
                 tips: Sequence[str] = DEMO_TIPS) -> dict[str, list[SegmentInfo]]:
    """The demo content, made once: a manifest beside the files lets a fresh database reuse
    them (synthesis takes a minute or two); it is remade when the recipe or a file changes."""
    manifest = Path(library_dir) / MANIFEST
    recipe = hashlib.sha256(repr((MANIFEST_VERSION, seconds, pieces, VARIATIONS,
                                  tuple(tips))).encode()).hexdigest()
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        kept = json.loads(manifest.read_text())
        if kept["recipe"] == recipe:
            channels = {channel: [SegmentInfo(**info) for info in infos]
                        for channel, infos in kept["channels"].items()}
            if all((Path(library_dir) / i.channel / i.file_name).is_file()
                   for infos in channels.values() for i in infos):
                return channels
    channels = import_demo_library(library_dir, seconds, pieces, tips)
    manifest.write_text(json.dumps({"recipe": recipe, "channels": {
        channel: [dataclasses.asdict(i) for i in infos] for channel, infos in channels.items()}}))
    return channels


def _write_wav(samples: np.ndarray, path: Path) -> Path:
    pcm = np.round(np.clip(samples, -1.0, 32767 / 32768) * 32768).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(synth.RATE)
        out.writeframes(pcm.tobytes())
    return path
