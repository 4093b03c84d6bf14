"""G.711 mu-law codec and upsampler: exact against the spec, robust on odd input."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from app.speech import g711

# G.711 Table 2b decoding, written independently: segment end points and step sizes.
SEGMENT_BASE = [0, 132, 396, 924, 1980, 4092, 8316, 16764]


def reference_decode(code: int) -> int:
    """Decode via the segment table of ITU-T G.711 (bits inverted on the line)."""
    inverted = code ^ 0xFF
    segment, step = (inverted >> 4) & 7, inverted & 0x0F
    magnitude = SEGMENT_BASE[segment] + (step << (segment + 3))
    return -magnitude if inverted & 0x80 else magnitude


def test_decode_table_matches_the_g711_formula_for_all_256_codes() -> None:
    assert [int(v) for v in g711.ULAW_TO_PCM16] == [reference_decode(c) for c in range(256)]


def reference_audioop():
    """The stdlib's G.711 (Python 3.13 removed it; pyproject installs audioop-lts there)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import audioop
    return audioop


def test_decode_table_matches_audioop() -> None:
    audioop = reference_audioop()
    codes = bytes(range(256))
    assert g711.mulaw_to_pcm16_bytes(codes) == audioop.ulaw2lin(codes, 2)


def test_known_points() -> None:
    assert g711.ULAW_TO_PCM16[0xFF] == 0
    assert g711.ULAW_TO_PCM16[0x80] == 32124
    assert g711.ULAW_TO_PCM16[0x00] == -32124


def test_every_code_survives_decode_then_encode() -> None:
    codes = bytes(range(256))
    again = g711.pcm16_to_mulaw(g711.mulaw_to_pcm16(codes))
    # 0x7F is "negative zero": it decodes to 0, which encodes as 0xFF.
    assert [a for a, b in zip(codes, again, strict=True) if a != b] == [0x7F]


def test_encode_quantisation_error_is_within_one_step() -> None:
    samples = np.arange(-32768, 32768, dtype=np.int32).astype(np.int16)
    decoded = g711.mulaw_to_pcm16(g711.pcm16_to_mulaw(samples)).astype(np.int32)
    error = np.abs(decoded - np.clip(samples.astype(np.int32), -32124, 32124))
    # Biggest step is 1024 (top segment); clipping beyond 32124 is part of the law.
    assert error.max() <= 1024 // 2 + 4
    assert error[np.abs(samples.astype(np.int32)) < 100].max() <= 8  # smallest step is 8


def test_encode_matches_audioop() -> None:
    audioop = reference_audioop()
    pcm = np.arange(-32768, 32768, 7, dtype=np.int32).astype("<i2").tobytes()
    assert g711.pcm16_to_mulaw(pcm) == audioop.lin2ulaw(pcm, 2)


def test_odd_and_empty_input() -> None:
    assert g711.mulaw_to_pcm16(b"\xff" * 159).size == 159  # mu-law is one byte a sample
    assert g711.mulaw_to_pcm16(b"").size == 0
    with pytest.raises(ValueError, match="even byte count"):
        g711.pcm16_to_mulaw(b"\x00\x01\x02")


@pytest.mark.parametrize("hz", [300, 1000, 3000])
def test_upsample_reproduces_a_tone(hz: int) -> None:
    t8 = np.arange(1600) / 8000
    tone = np.rint(10000 * np.sin(2 * np.pi * hz * t8)).astype(np.int16)
    out = g711.upsample_2x(tone)
    t16 = np.arange(3200) / 16000
    expected = 10000 * np.sin(2 * np.pi * hz * t16)
    assert out.size == 3200
    assert np.abs(out[200:-200] - expected[200:-200]).max() < 5


def test_streaming_upsampler_equals_one_shot_whatever_the_chunking() -> None:
    rng = np.random.default_rng(7)
    pcm = rng.integers(-8000, 8000, 4000).astype(np.int16)
    whole = g711.Upsampler().process(pcm)
    up = g711.Upsampler()
    sizes = [160, 159, 1, 0, 321, 3359]
    pieces, start = [], 0
    for size in sizes:
        pieces.append(up.process(pcm[start : start + size]))
        start += size
    assert np.array_equal(np.concatenate(pieces), whole)
