"""ffprobe/ffmpeg calls for the hold-audio import: probe, decode to 8 kHz mono, limit, encode."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

RATE = 8000
ALLOWED_FORMATS = {"mp3": "mp3", "wav": "wav", "ogg": "ogg", "flac": "flac"}
TIMEOUT_S = 600
# A few decoder complaints are normal (a junk frame at the end of an mp3); many mean damage.
MAX_DECODE_ERRORS = 5
# soxr at high precision: a steep anti-alias filter (pydub's set_frame_rate has none).
RESAMPLE = f"aresample={RATE}:resampler=soxr:precision=28"
# Every call: no stdin, only plain files (no network, concat or pipe tricks from the input).
BASE = ["-hide_banner", "-v", "error", "-protocol_whitelist", "file,pipe"]
FFMPEG = ["ffmpeg", "-nostdin", *BASE]


class AudioImportError(Exception):
    """An audio file could not be imported; the message says why, for the operator."""


@dataclass(frozen=True)
class Probe:
    """What ffprobe says about a source before we decode it."""

    format_name: str
    duration_s: float | None
    channels: int
    sample_rate: int


def _run(cmd: list[str], data: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run an ffmpeg-family tool; a missing binary is an import error, not a crash."""
    try:
        return subprocess.run(cmd, input=data, capture_output=True, timeout=TIMEOUT_S)
    except FileNotFoundError as exc:
        raise AudioImportError(f"{cmd[0]} is not installed") from exc
    except subprocess.TimeoutExpired as exc:
        raise AudioImportError(f"{cmd[0]} took longer than {TIMEOUT_S} s") from exc


def _file_url(path: Path) -> str:
    """An explicit file: URL, so a name like '-x' or 'concat:a|b' is only ever a file name."""
    return "file:" + str(path.resolve())


def _first_error(stderr: bytes) -> str:
    lines = [line.strip() for line in stderr.decode(errors="replace").splitlines() if line.strip()]
    return lines[0].split("] ", 1)[-1][:200] if lines else "unknown error"


def probe(path: Path) -> Probe:
    """Identify the container and its first audio stream; reject anything else."""
    entries = "format=format_name,duration:stream=codec_type,channels,sample_rate"
    cmd = ["ffprobe", *BASE, "-show_entries", entries, "-of", "json", _file_url(path)]
    result = _run(cmd)
    if result.returncode != 0:
        raise AudioImportError(f"not an audio file or corrupt ({_first_error(result.stderr)})")
    info = json.loads(result.stdout or b"{}")
    fmt = info.get("format", {}).get("format_name", "")
    if fmt not in ALLOWED_FORMATS:
        shown = fmt or "unknown"
        raise AudioImportError(f"unsupported format {shown!r}: use mp3, wav, ogg or flac")
    streams = [s for s in info.get("streams", []) if s.get("codec_type") == "audio"]
    if not streams:
        raise AudioImportError("the file has no audio stream")
    duration = info["format"].get("duration")
    return Probe(
        format_name=fmt,
        duration_s=float(duration) if duration not in (None, "N/A") else None,
        channels=int(streams[0].get("channels") or 0),
        sample_rate=int(streams[0].get("sample_rate") or 0),
    )


def decode_mono_8k(path: Path, fmt: str, max_duration_s: float) -> np.ndarray:
    """Decode, downmix and resample to 8 kHz mono float32 (float: no clipping on the way)."""
    cmd = [*FFMPEG, "-f", ALLOWED_FORMATS[fmt], "-i", _file_url(path),
           # Stop just past the limit so a lying header cannot make us decode for hours.
           "-t", f"{max_duration_s + 1:.3f}", "-map", "0:a:0", "-ac", "1", "-af", RESAMPLE,
           "-f", "f32le", "-c:a", "pcm_f32le", "pipe:1"]
    result = _run(cmd)
    errors = [ln for ln in result.stderr.decode(errors="replace").splitlines()
              if ln.strip() and "Last message repeated" not in ln]
    if result.returncode != 0 or not result.stdout or len(errors) > MAX_DECODE_ERRORS:
        raise AudioImportError(f"corrupt or undecodable audio ({_first_error(result.stderr)})")
    return np.frombuffer(result.stdout, dtype="<f4").astype(np.float64)


def limit(samples: np.ndarray, ceiling: float) -> np.ndarray:
    """Lookahead peak limiter (ffmpeg alimiter), delay-compensated, same length out."""
    cmd = [*FFMPEG, "-f", "f32le", "-ar", str(RATE), "-ac", "1", "-i", "pipe:0",
           "-af", f"alimiter=limit={ceiling:.6f}:attack=5:release=80:level=false:latency=true",
           "-f", "f32le", "-c:a", "pcm_f32le", "pipe:1"]
    result = _run(cmd, samples.astype("<f4").tobytes())
    if result.returncode != 0:
        raise AudioImportError(f"limiter failed ({_first_error(result.stderr)})")
    out = np.frombuffer(result.stdout, dtype="<f4").astype(np.float64)
    return np.pad(out, (0, max(0, len(samples) - len(out))))[: len(samples)]


def encode_mulaw(jobs: list[tuple[Path, Path]]) -> None:
    """Encode 16-bit masters as 8 kHz mono G.711 mu-law WAVs in one ffmpeg run, reproducibly."""
    cmd = [*FFMPEG]
    for master, _ in jobs:
        cmd += ["-i", _file_url(master)]
    for index, (_, out) in enumerate(jobs):  # one process: ffmpeg start-up dominates otherwise
        cmd += ["-map", f"{index}:a:0", "-map_metadata", "-1", "-fflags", "+bitexact",
                "-flags:a", "+bitexact", "-ac", "1", "-ar", str(RATE), "-c:a", "pcm_mulaw",
                "-y", _file_url(out)]
    result = _run(cmd)
    if result.returncode != 0:
        raise AudioImportError(f"encoding failed ({_first_error(result.stderr)})")
