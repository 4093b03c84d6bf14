"""Level and timing steps of the hold-audio import: loudness, true peak, splitting, fades."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyloudnorm
from scipy.signal import resample_poly

from app.hold.audio_ffmpeg import RATE

TRUE_PEAK_CEILING_DB = -1.0
# alimiter looks at samples, not the waveform between them: aim a little lower.
LIMITER_MARGIN_DB = 1.0
LOUDNESS_TOLERANCE_LU = 0.2
FRAME_S = 0.05  # energy is measured in 50 ms frames ...
SMOOTH_FRAMES = 5  # ... averaged over 250 ms so a single quiet frame inside a note is no gap
NEAR_QUIETEST_DB = 1.0

Limiter = Callable[[np.ndarray, float], np.ndarray]


def db_to_gain(db: float) -> float:
    return float(10.0 ** (db / 20.0))


def loudness(samples: np.ndarray) -> float:
    """Integrated loudness (BS.1770, LUFS); -inf when everything is below the -70 LUFS gate."""
    if len(samples) < int(0.4 * RATE):
        return float("-inf")
    return float(pyloudnorm.Meter(RATE).integrated_loudness(samples))


def true_peak_db(samples: np.ndarray) -> float:
    """True peak in dBTP: 4x oversampled, as BS.1770 asks, since the phone's DAC sees those."""
    peak = float(np.max(np.abs(resample_poly(samples, 4, 1)))) if len(samples) else 0.0
    return 20.0 * np.log10(peak) if peak > 0 else float("-inf")


def level_to_target(samples: np.ndarray, target_lufs: float, limiter: Limiter) -> np.ndarray:
    """Gain to the loudness target; limit any true peak above the ceiling; never clip."""
    out = samples
    for _ in range(8):  # peaky sources (clicks over a quiet bed) need several rounds
        current = loudness(out)
        if not np.isfinite(current):
            return out
        out = out * db_to_gain(target_lufs - current)
        if true_peak_db(out) <= TRUE_PEAK_CEILING_DB:
            return out
        # Limiting lowers loudness a little; the next pass makes that up and limits again.
        out = limiter(out, db_to_gain(TRUE_PEAK_CEILING_DB - LIMITER_MARGIN_DB))
        if abs(loudness(out) - target_lufs) <= LOUDNESS_TOLERANCE_LU:
            break
    excess = true_peak_db(out) - TRUE_PEAK_CEILING_DB
    return out * db_to_gain(-excess) if excess > 0 else out


def frame_energy_db(samples: np.ndarray) -> np.ndarray:
    """Smoothed energy per 50 ms frame, in dB."""
    size = int(FRAME_S * RATE)
    count = len(samples) // size
    power = np.mean(samples[: count * size].reshape(count, size) ** 2, axis=1)
    smooth = np.convolve(power, np.ones(SMOOTH_FRAMES) / SMOOTH_FRAMES, mode="same")
    return 10.0 * np.log10(smooth + 1e-12)


def _quietest(energy: np.ndarray, lo: int, hi: int) -> int:
    """Frame in [lo, hi] at the middle of the quietest stretch (a gap's centre, not its edge)."""
    best = lo + int(np.argmin(energy[lo : hi + 1]))
    quiet = energy <= energy[best] + NEAR_QUIETEST_DB
    start, end = best, best
    while start > lo and quiet[start - 1]:
        start -= 1
    while end < hi and quiet[end + 1]:
        end += 1
    return (start + end) // 2


def cut_points(samples: np.ndarray, min_s: float, max_s: float) -> list[int]:
    """Sample indices to cut at, so every piece lasts min_s..max_s, each at a quiet spot."""
    energy = frame_energy_db(samples)
    # Frame-rounding margins keep each piece inside the bounds to the sample.
    min_frames = int(np.ceil(min_s / FRAME_S)) + 1
    max_frames = int(np.floor(max_s / FRAME_S)) - 2
    total = len(energy) + 1  # the partial frame at the end counts as a whole one
    cuts: list[int] = []
    start = 0
    while total - start > max_frames:
        # Leave at least min_s behind the cut so the last piece is not too short either.
        hi = min(start + max_frames, total - min_frames)
        start = _quietest(energy, start + min_frames, hi)
        cuts.append(start)
    size = int(FRAME_S * RATE)
    return [frame * size + size // 2 for frame in cuts]


def fade_edges(samples: np.ndarray, fade_s: float) -> np.ndarray:
    """Short raised-cosine fade in and out, so a cut or a loop never clicks."""
    n = min(int(fade_s * RATE), len(samples) // 2)
    if n == 0:
        return samples
    ramp = 0.5 - 0.5 * np.cos(np.linspace(0.0, np.pi, n))
    out = samples.copy()
    out[:n] *= ramp
    out[-n:] *= ramp[::-1]
    return out
