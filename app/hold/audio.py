"""Hold-audio import: any mp3/wav/ogg/flac in, equal-loudness 8 kHz mu-law segments out.

Flask-free. Steps: probe, decode + downmix + anti-aliased resample (ffmpeg/soxr), split at
quiet spots, per segment loudness to target with a true-peak limit, fades, 16-bit master
plus mu-law telephony file, both named by content hash, then one move into the library.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.hold import audio_level as level
from app.hold.audio_ffmpeg import RATE, AudioImportError, decode_mono_8k, encode_mulaw, limit
from app.hold.audio_ffmpeg import probe as probe_source

__all__ = ["AudioImportError", "SegmentInfo", "import_audio", "MASTERS_DIR"]

Progress = Callable[[int, int], None]

MASTERS_DIR = "masters"
CHANNEL_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,29}$")  # HoldChannel.key is 30 long
DEFAULT_MAX_BYTES = 200 * 1024 * 1024
DEFAULT_MAX_DURATION_S = 60 * 60.0
FADE_S = 0.1
TITLE_MAX = 120
# A segment this far below the whole source is (near) silence: boosting it to the target
# would play hiss, and dead air makes callers think they were cut off. It is dropped.
SILENT_BELOW_SOURCE_LU = 30.0


@dataclass(frozen=True)
class SegmentInfo:
    """One imported segment: `file_name` (mu-law) and its 16-bit master under masters/."""

    channel: str
    file_name: str
    duration_s: float
    loudness_lufs: float
    peak_dbtp: float
    sha256: str
    source_name: str
    source_sha256: str  # the uploaded file's hash: a stable track id across re-imports
    title: str
    part: int
    parts: int

    @property
    def master_name(self) -> str:
        return f"{MASTERS_DIR}/{self.file_name}"


def import_audio(
    path: str | os.PathLike[str],
    channel: str,
    library_dir: str | os.PathLike[str],
    *,
    target_lufs: float = -20.0,
    min_segment_s: float = 20,
    max_segment_s: float = 45,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_duration_s: float = DEFAULT_MAX_DURATION_S,
    title: str | None = None,
    progress: Progress | None = None,
) -> list[SegmentInfo]:
    """Import one source into library_dir/<channel>/; all segments land or none do.

    progress(done, total) is called with total=100 (percent) as the work proceeds.
    """
    source = Path(path)
    _check_arguments(channel, min_segment_s, max_segment_s)
    report = progress or (lambda done, total: None)
    samples = _load(source, max_bytes, max_duration_s, min_segment_s)
    report(30, 100)
    pieces = _split(samples, min_segment_s, max_segment_s)
    leveled = []
    for done, piece in enumerate(pieces, start=1):
        leveled.append(level.fade_edges(level.level_to_target(piece, target_lufs, limit), FADE_S))
        report(30 + 50 * done // len(pieces), 100)
    meta = dict(channel=channel, source_name=source.name, source_sha256=_file_sha256(source),
                title=(title or _title_from(source))[:TITLE_MAX])
    with tempfile.TemporaryDirectory(prefix="holdline-import-") as staging:
        infos = _render(leveled, Path(staging), meta)
        report(95, 100)
        _commit(Path(staging), Path(library_dir) / channel, infos)
    report(100, 100)
    return infos


def _check_arguments(channel: str, min_segment_s: float, max_segment_s: float) -> None:
    """The channel becomes a directory name, so only a plain slug is accepted."""
    if not CHANNEL_NAME.match(channel):
        raise AudioImportError(f"invalid channel name {channel!r}: use a-z, 0-9, - and _")
    if min_segment_s < 1 or max_segment_s < 2 * min_segment_s + 1:
        raise ValueError("need min_segment_s >= 1 and max_segment_s >= 2 * min_segment_s + 1")


def _file_sha256(source: Path) -> str:
    digest = hashlib.sha256()
    with source.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _title_from(source: Path) -> str:
    return re.sub(r"[_-]+", " ", source.stem).strip() or "Untitled"


def _load(source: Path, max_bytes: int, max_duration_s: float, min_s: float) -> np.ndarray:
    """Check limits, then decode; the cheap checks run before any decoding."""
    if not source.is_file():
        raise AudioImportError(f"no such file: {source.name}")
    size = source.stat().st_size
    if size > max_bytes:
        raise AudioImportError(f"file too large: {size} bytes, limit {max_bytes}")
    info = probe_source(source)
    if info.duration_s is not None and info.duration_s > max_duration_s:
        raise AudioImportError(_too_long(info.duration_s, max_duration_s))
    samples = decode_mono_8k(source, info.format_name, max_duration_s)
    seconds = len(samples) / RATE
    if seconds > max_duration_s:
        raise AudioImportError(_too_long(seconds, max_duration_s))
    if seconds < min_s:
        raise AudioImportError(f"too short: {seconds:.1f} s, need at least {min_s:g} s")
    return samples


def _too_long(seconds: float, limit_s: float) -> str:
    return f"too long: {seconds:.0f} s, limit {limit_s:.0f} s"


def _split(samples: np.ndarray, min_s: float, max_s: float) -> list[np.ndarray]:
    """Cut at quiet spots and drop the pieces that are (near) silence."""
    whole = level.loudness(samples)
    if not np.isfinite(whole):
        raise AudioImportError("the audio is silent")
    bounds = [0, *level.cut_points(samples, min_s, max_s), len(samples)]
    pieces = [samples[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
    # Each piece is then levelled on its own: a quiet passage played on a phone line
    # sounds like a dropped call, and segments get shuffled across sources anyway.
    return [p for p in pieces if level.loudness(p) > whole - SILENT_BELOW_SOURCE_LU]


def _to_pcm16(piece: np.ndarray) -> np.ndarray:
    return np.round(np.clip(piece, -1.0, 32767 / 32768) * 32768).astype("<i2")


def _write_master(pcm: np.ndarray, path: Path) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(pcm.tobytes())
    return path


def _render(pieces: list[np.ndarray], staging: Path, meta: dict) -> list[SegmentInfo]:
    """Write 16-bit masters and mu-law files; name both by the mu-law file's hash."""
    (staging / MASTERS_DIR).mkdir()
    pcms = [_to_pcm16(piece) for piece in pieces]
    jobs = [(_write_master(pcm, staging / f"master-{i}.wav"), staging / f"mulaw-{i}.wav")
            for i, pcm in enumerate(pcms)]
    encode_mulaw(jobs)
    infos = []
    for part, (pcm, (master, telephony)) in enumerate(zip(pcms, jobs, strict=True), 1):
        digest = hashlib.sha256(telephony.read_bytes()).hexdigest()
        file_name = f"{digest[:32]}.wav"
        master.replace(staging / MASTERS_DIR / file_name)
        telephony.replace(staging / file_name)
        stored = pcm / 32768.0
        infos.append(SegmentInfo(
            file_name=file_name, duration_s=len(pcm) / RATE,
            loudness_lufs=round(level.loudness(stored), 2),
            peak_dbtp=round(float(level.true_peak_db(stored)), 2), sha256=digest,
            part=part, parts=len(pieces), **meta))
    return infos


def _commit(staging: Path, dest: Path, infos: list[SegmentInfo]) -> None:
    """Copy every file in under a hidden temp name, then rename; undo all on any failure."""
    created_dirs = [d for d in (dest.parent, dest, dest / MASTERS_DIR) if not d.exists()]
    placed: list[Path] = []
    partial = dest / ".none"
    try:
        (dest / MASTERS_DIR).mkdir(parents=True, exist_ok=True)
        for info in infos:
            for rel in (info.file_name, info.master_name):
                target = dest / rel
                if target.exists():
                    continue  # same content hash: this segment is already in the library
                partial = target.with_name(f".{target.name}.partial")
                shutil.copyfile(staging / rel, partial)
                os.replace(partial, target)
                placed.append(target)
    except OSError as exc:
        for target in [*placed, partial]:
            target.unlink(missing_ok=True)
        for directory in reversed(created_dirs):
            shutil.rmtree(directory, ignore_errors=True)
        raise AudioImportError(f"could not write to the audio library ({exc.strerror})") from exc
