"""G.711 mu-law codec and 8 kHz -> 16 kHz upsampling, with numpy only (no audioop)."""

from __future__ import annotations

import numpy as np

_BIAS = 0x84
_CLIP = 32635
_HALF_TAPS = 16  # taps either side of the half-sample point: 2 ms latency, ~-60 dB images


def _decode_byte(code: int) -> int:
    """Decode one mu-law byte with the ITU-T G.711 formula (used to build the table)."""
    code = ~code & 0xFF
    magnitude = (((code & 0x0F) << 3) + _BIAS) << ((code >> 4) & 0x07)
    return _BIAS - magnitude if code & 0x80 else magnitude - _BIAS


ULAW_TO_PCM16: np.ndarray = np.array([_decode_byte(c) for c in range(256)], dtype=np.int16)
ULAW_TO_PCM16.setflags(write=False)


def mulaw_to_pcm16(data: bytes) -> np.ndarray:
    """Decode mu-law bytes (any length: one byte per sample) to int16 samples."""
    return ULAW_TO_PCM16[np.frombuffer(data, dtype=np.uint8)]


def mulaw_to_pcm16_bytes(data: bytes) -> bytes:
    """Decode mu-law bytes to 16-bit little-endian PCM bytes, as Vosk wants them."""
    return mulaw_to_pcm16(data).astype("<i2", copy=False).tobytes()


def pcm16_to_mulaw(samples: np.ndarray | bytes) -> bytes:
    """Encode int16 samples (or 16-bit little-endian PCM bytes) to mu-law, as audioop did."""
    if isinstance(samples, bytes | bytearray | memoryview):
        if len(samples) % 2:
            raise ValueError(f"16-bit PCM needs an even byte count, got {len(samples)}")
        samples = np.frombuffer(samples, dtype="<i2")
    # The classic 14-bit encoder (Sun g711.c, audioop): shift first, so negatives round down.
    shifted = np.asarray(samples, dtype=np.int32) >> 2
    negative = shifted < 0
    magnitude = np.minimum(np.where(negative, -shifted, shifted), _CLIP >> 2) + (_BIAS >> 2)
    # Segment = how far the highest set bit sits above bit 5 (0..7).
    segment = np.clip(np.floor(np.log2(magnitude)).astype(np.int32) - 5, 0, 7)
    code = (segment << 4) | ((magnitude >> (segment + 1)) & 0x0F)
    return (code ^ np.where(negative, 0x7F, 0xFF)).astype(np.uint8).tobytes()


def _half_sample_taps(half: int = _HALF_TAPS) -> np.ndarray:
    """Windowed-sinc taps that interpolate the point halfway between two samples."""
    offsets = np.arange(-half + 1, half + 1) - 0.5
    window = np.kaiser(2 * half, 8.0)
    taps = np.sinc(offsets) * window
    return taps / taps.sum()


_TAPS = _half_sample_taps()


class Upsampler:
    """Streaming 2x upsampler (8 kHz -> 16 kHz) that keeps filter history across frames."""

    def __init__(self) -> None:
        self._history = np.zeros(2 * _HALF_TAPS - 1, dtype=np.float64)

    @property
    def delay_samples(self) -> int:
        """Input samples of delay the filter adds (output lags input by this much)."""
        return _HALF_TAPS

    def process(self, samples: np.ndarray) -> np.ndarray:
        """Upsample one chunk of int16 samples; returns exactly twice as many samples."""
        if samples.size == 0:
            return np.zeros(0, dtype=np.int16)
        ext = np.concatenate([self._history, samples.astype(np.float64)])
        self._history = ext[-(2 * _HALF_TAPS - 1) :]
        mids = np.convolve(ext, _TAPS[::-1], mode="valid")
        evens = ext[_HALF_TAPS - 1 : _HALF_TAPS - 1 + mids.size]
        out = np.empty(2 * mids.size, dtype=np.float64)
        out[0::2] = evens
        out[1::2] = mids
        return np.clip(np.rint(out), -32768, 32767).astype(np.int16)


def upsample_2x(samples: np.ndarray) -> np.ndarray:
    """Upsample a whole int16 buffer from 8 kHz to 16 kHz, delay removed."""
    up = Upsampler()
    padded = np.concatenate([samples, np.zeros(up.delay_samples, dtype=np.int16)])
    return up.process(padded)[2 * up.delay_samples :]
