"""Test media helpers: make sources with ffmpeg, read imported files back with ffmpeg."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pyloudnorm

CODECS = {
    "mp3": ["-c:a", "libmp3lame", "-b:a", "128k"],
    "ogg": ["-c:a", "libvorbis", "-q:a", "5"],
    "flac": ["-c:a", "flac"],
    "wav": ["-c:a", "pcm_s16le"],
}


def make_source(path: Path, expr: str, seconds: float, *, rate: int = 44100,
                channels: int = 1) -> Path:
    """Encode an aevalsrc expression (per channel, joined by |) into the file's format."""
    exprs = "|".join([expr] * channels)
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi",
                    "-i", f"aevalsrc='{exprs}':s={rate}:d={seconds}",
                    *CODECS[path.suffix.lstrip(".")], str(path)], check=True, timeout=60)
    return path


def stream_info(path: Path) -> dict:
    """codec_name, sample_rate and channels of the first stream, as ffprobe reports them."""
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries",
                          "stream=codec_name,sample_rate,channels", "-of", "json", str(path)],
                         check=True, capture_output=True, timeout=30).stdout
    return json.loads(out)["streams"][0]


def decode(path: Path) -> np.ndarray:
    """The file as float samples at its own rate (mu-law decoded by ffmpeg)."""
    out = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-f", "f32le",
                          "-c:a", "pcm_f32le", "pipe:1"], check=True, capture_output=True,
                         timeout=30).stdout
    return np.frombuffer(out, dtype="<f4").astype(np.float64)


def lufs(samples: np.ndarray, rate: int = 8000) -> float:
    return float(pyloudnorm.Meter(rate).integrated_loudness(samples))


def band_power_db(samples: np.ndarray, freq: float, rate: int = 8000, width: float = 20.0) -> float:
    """Power in a narrow band around freq (Hann-windowed spectrum), in dB."""
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples)))) ** 2
    freqs = np.fft.rfftfreq(len(samples), 1.0 / rate)
    band = (freqs > freq - width / 2) & (freqs < freq + width / 2)
    return float(10 * np.log10(spectrum[band].sum() + 1e-30))


def snapshot(directory: Path) -> dict[str, bytes] | None:
    """Every file under a directory with its bytes (None when it does not exist)."""
    if not directory.exists():
        return None
    return {str(p.relative_to(directory)): p.read_bytes() if p.is_file() else b"<dir>"
            for p in sorted(directory.rglob("*"))}
