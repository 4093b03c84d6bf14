"""Tiny numpy instruments and three arrangements (jazz, classical, ambient) for demo hold music.

Deliberately simple: a few additive/FM voices with exponential envelopes, placed on a beat
grid. Warm timbres (few, soft upper partials) because phone lines make bright sounds harsh.
"""

from __future__ import annotations

import numpy as np

RATE = 16000  # the import resamples to 8 kHz anyway; 16 kHz keeps synthesis cheap

Rng = np.random.Generator


def hz(midi: float) -> float:
    return 440.0 * 2.0 ** ((midi - 69) / 12)


def _t(seconds: float) -> np.ndarray:
    return np.arange(int(seconds * RATE)) / RATE


def _adsr(n: int, attack: float, release: float) -> np.ndarray:
    """Linear attack, cosine release: no clicks at note edges."""
    env = np.ones(n)
    a, r = min(int(attack * RATE), n // 2), min(int(release * RATE), n // 2)
    env[:a] = np.linspace(0.0, 1.0, a)
    if r:
        env[-r:] *= 0.5 + 0.5 * np.cos(np.linspace(0.0, np.pi, r))
    return env


def epiano(freq: float, seconds: float) -> np.ndarray:
    """Electric piano: FM with a fading modulation index, the Rhodes bell softening."""
    t = _t(seconds)
    index = 1.2 * np.exp(-t * 6.0)
    tone = np.sin(2 * np.pi * freq * t + index * np.sin(2 * np.pi * freq * t))
    return tone * np.exp(-t * 1.8) * _adsr(len(t), 0.005, 0.08)


def piano(freq: float, seconds: float) -> np.ndarray:
    """Soft piano-ish: six partials, the upper ones dying away faster."""
    t = _t(seconds)
    tone = sum(np.sin(2 * np.pi * freq * k * t) * np.exp(-t * (1.2 + 1.1 * k)) / k**1.6
               for k in range(1, 7))
    return tone * _adsr(len(t), 0.004, 0.1)


def bass(freq: float, seconds: float) -> np.ndarray:
    """Upright bass: fundamental plus a little second harmonic, plucked envelope."""
    t = _t(seconds)
    tone = np.sin(2 * np.pi * freq * t) + 0.3 * np.sin(4 * np.pi * freq * t) * np.exp(-t * 8)
    return tone * np.exp(-t * 2.5) * _adsr(len(t), 0.01, 0.06)


def pad(freq: float, seconds: float) -> np.ndarray:
    """Slow string pad: three detuned voices with a gentle second partial and slow swells."""
    t = _t(seconds)
    tone = sum(np.sin(2 * np.pi * freq * d * t) + 0.25 * np.sin(4 * np.pi * freq * d * t)
               for d in (0.997, 1.0, 1.003))
    return tone / 3 * _adsr(len(t), seconds * 0.35, seconds * 0.4)


def bell(freq: float, seconds: float) -> np.ndarray:
    """Soft bell: inharmonic partials with long, staggered decays."""
    t = _t(seconds)
    partials = ((1.0, 1.0, 1.2), (2.76, 0.35, 2.5), (5.4, 0.12, 4.0))
    tone = sum(a * np.sin(2 * np.pi * freq * r * t) * np.exp(-t * d) for r, a, d in partials)
    return tone * _adsr(len(t), 0.003, 0.3)


def brush(seconds: float, rng: Rng) -> np.ndarray:
    """Brush on a snare: differenced noise (bright but thin) with a quick decay."""
    t = _t(seconds)
    noise = np.diff(rng.standard_normal(len(t) + 1))
    return noise * np.exp(-t * 30) * 0.5


def place(mix: np.ndarray, at_s: float, sound: np.ndarray, gain: float) -> None:
    """Add a sound into the mix at a time, cut to fit the mix."""
    start = int(at_s * RATE)
    if start < 0:  # a sound that began before the mix: keep its tail
        sound, start = sound[-start:], 0
    if start >= len(mix):
        return
    end = min(len(mix), start + len(sound))
    mix[start:end] += gain * sound[: end - start]


def finish(mix: np.ndarray, seconds: float) -> np.ndarray:
    """Trim, fade the ends and scale to a modest peak (the import sets the real level)."""
    mix = mix[: int(seconds * RATE)] * _adsr(int(seconds * RATE), 0.5, 2.0)
    peak = float(np.max(np.abs(mix))) or 1.0
    return mix * (0.5 / peak)


# ii-V-I-VI in F with extensions (MIDI notes); the bass walks through chord tones.
JAZZ_CHORDS = ((55, 60, 64, 65, 69), (55, 59, 64, 65, 69), (57, 60, 64, 65, 69),
               (55, 58, 61, 64, 67))
JAZZ_ROOTS = (43, 36, 41, 38)  # G2 C2 F2 D2
JAZZ_SCALE = (65, 67, 69, 70, 72, 74, 76, 77, 79)


def jazz(seconds: float, rng: Rng, key: int = 0, tempo: float = 1.0) -> np.ndarray:
    """Swung medium tempo: walking bass, comping Rhodes, brushes and a sparse melody."""
    beat = 60.0 / (120 * tempo)
    mix = np.zeros(int((seconds + 3) * RATE))
    for bar in range(int(seconds / (4 * beat)) + 1):
        start = bar * 4 * beat
        chord, root = JAZZ_CHORDS[bar % 4], JAZZ_ROOTS[bar % 4]
        walk = (root, root + 4 if bar % 2 else root + 3, root + 7,
                root + 9 + int(rng.integers(0, 2)))
        for i, note in enumerate(walk):
            place(mix, start + i * beat, bass(hz(note + key), beat * 1.1), 0.55)
        for hit in (1.66, 3.0) if bar % 2 else (0.0, 2.66):  # Charleston-ish comping
            for note in chord:
                place(mix, start + hit * beat, epiano(hz(note + key), beat * 1.5), 0.09)
        for swing in (0.0, 1.0, 1.66, 2.0, 3.0, 3.66):  # ride pattern, swung eighths
            place(mix, start + swing * beat, brush(0.2, rng), 0.03 if swing % 1 else 0.05)
        _melody(mix, start, beat, rng, key)
    return mix


def _melody(mix: np.ndarray, start: float, beat: float, rng: Rng, key: int) -> None:
    """A few swung eighth notes a bar, stepping through the scale so it sounds sung."""
    step = int(rng.integers(0, len(JAZZ_SCALE)))
    for eighth in range(8):
        if rng.random() < 0.45:
            continue
        step = int(np.clip(step + rng.integers(-2, 3), 0, len(JAZZ_SCALE) - 1))
        at = start + (eighth // 2 + (0.66 if eighth % 2 else 0.0)) * beat
        place(mix, at, epiano(hz(JAZZ_SCALE[step] + 12 + key), beat * 0.9), 0.16)


# Pachelbel-like progression in D: D A Bm F#m G D G A.
CLASSICAL_CHORDS = ((50, 57, 62, 66), (45, 52, 57, 61), (47, 54, 59, 62), (42, 49, 54, 57),
                    (43, 50, 55, 59), (38, 45, 50, 54), (43, 50, 55, 59), (45, 52, 57, 61))


def classical(seconds: float, rng: Rng, key: int = 0, tempo: float = 1.0) -> np.ndarray:
    """Piano in 3/4: flowing left-hand arpeggios and a chord-tone melody on top."""
    beat = 60.0 / (84 * tempo)
    mix = np.zeros(int((seconds + 3) * RATE))
    bars = int(seconds / (3 * beat)) + 1
    for bar in range(bars):
        start = bar * 3 * beat
        chord = [note + key for note in CLASSICAL_CHORDS[bar % len(CLASSICAL_CHORDS)]]
        pattern = (0, 1, 2, 3, 2, 1)  # broken chord in eighths
        for i, idx in enumerate(pattern):
            place(mix, start + i * beat / 2, piano(hz(chord[idx]), beat * 1.6), 0.22)
        top = [n + 12 for n in chord[1:]] + [chord[1] + 24]
        rhythm = ((0.0, 2.0), (2.0, 1.0)) if bar % 2 else ((0.0, 1.0), (1.0, 1.0), (2.0, 1.0))
        for at, length in rhythm:
            note = top[int(rng.integers(0, len(top)))]
            place(mix, start + at * beat, piano(hz(note), beat * (length + 0.8)), 0.3)
    return mix


AMBIENT_CHORDS = ((48, 55, 59, 64), (45, 52, 60, 64), (41, 48, 57, 64), (43, 50, 57, 62))
PENTATONIC = (72, 74, 76, 79, 81, 84)


def ambient(seconds: float, rng: Rng, key: int = 0, tempo: float = 1.0) -> np.ndarray:
    """Slow overlapping pad chords with soft bells drifting over a pentatonic scale."""
    chord_s = 8.0 / tempo
    mix = np.zeros(int((seconds + 12) * RATE))
    for i in range(int(seconds / chord_s) + 1):
        for note in AMBIENT_CHORDS[i % len(AMBIENT_CHORDS)]:
            place(mix, i * chord_s - 1.5, pad(hz(note + key), chord_s + 3.0), 0.12)
    at = 1.0
    while at < seconds:
        note = PENTATONIC[int(rng.integers(0, len(PENTATONIC)))]
        place(mix, at, bell(hz(note + key), 4.0), 0.12)
        at += float(rng.uniform(1.2, 3.2)) / tempo
    return mix
