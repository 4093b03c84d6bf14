"""Energy voice-activity detector on 16-bit PCM, with an adaptive noise floor."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

SILENCE_DB = -120.0


def level_dbfs(samples: np.ndarray) -> float:
    """RMS level of int16 samples in dB relative to full scale."""
    if samples.size == 0:
        return SILENCE_DB
    power = float(np.mean(np.square(samples, dtype=np.float64))) / (32768.0 * 32768.0)
    return 10.0 * math.log10(power) if power > 1e-12 else SILENCE_DB


@dataclass
class EnergyVad:
    """Says per chunk whether it is louder than both a floor and the tracked line noise.

    The floor (-45 dBFS) keeps digital silence and quiet lines out; the margin over the
    tracked noise keeps a noisy line (fan, car) from looking like endless speech.
    """

    min_speech_db: float = -45.0
    margin_db: float = 12.0
    noise_db: float = -70.0
    rise_db_per_s: float = 3.0  # noise floor creeps up slowly so speech does not raise it

    def is_speech(self, samples: np.ndarray, rate: int = 8000) -> bool:
        """Classify one chunk and update the noise estimate."""
        level = level_dbfs(samples)
        threshold = max(self.min_speech_db, self.noise_db + self.margin_db)
        speech = level > threshold
        if level < self.noise_db:
            self.noise_db = max(level, SILENCE_DB / 2)  # falls at once to a quieter line
        elif not speech:
            self.noise_db += self.rise_db_per_s * samples.size / rate
        return speech
