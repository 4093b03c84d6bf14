"""Demo hold content: synthesised genres and spoken tips, made here and imported for real."""

from __future__ import annotations

import numpy as np
import pytest

from app.hold.demo_content import GENRES, import_demo_library, speak_tips, synthesise_genre
from tests.hold.media import decode, lufs, stream_info

SECONDS = 22


def _spectrum(samples: np.ndarray) -> np.ndarray:
    """Average magnitude spectrum in 1024-sample frames, normalised."""
    frames = samples[: len(samples) // 1024 * 1024].reshape(-1, 1024)
    spectrum = np.abs(np.fft.rfft(frames * np.hanning(1024), axis=1)).mean(axis=0)
    return spectrum / np.linalg.norm(spectrum)


@pytest.fixture(scope="module")
def genres(tmp_path_factory) -> dict[str, np.ndarray]:
    folder = tmp_path_factory.mktemp("genres")
    return {g: decode(synthesise_genre(g, SECONDS, folder / f"{g}.wav")) for g in GENRES}


def test_at_least_three_genres_of_the_asked_length(genres):
    assert {"jazz", "classical", "ambient"} <= set(genres)
    for samples in genres.values():
        assert len(samples) / 16000 == pytest.approx(SECONDS, abs=0.01)
        assert 0.1 < np.max(np.abs(samples)) < 1.0


def test_each_genre_is_music_not_a_test_tone(genres):
    for samples in genres.values():
        spectrum = _spectrum(samples)
        peaks = np.sum((spectrum[1:-1] > spectrum[:-2]) & (spectrum[1:-1] > spectrum[2:])
                       & (spectrum[1:-1] > 0.05 * spectrum.max()))
        assert peaks >= 6  # many notes and partials, not one sine
        seconds = samples[: len(samples) // 16000 * 16000].reshape(-1, 16000)
        assert np.std(np.sqrt(np.mean(seconds**2, axis=1))) > 0.002  # it moves


def test_genres_sound_different(genres):
    names = sorted(genres)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert float(_spectrum(genres[a]) @ _spectrum(genres[b])) < 0.9, (a, b)


def test_unknown_genre_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown genre"):
        synthesise_genre("polka", 5, tmp_path / "x.wav")


def test_tips_are_spoken(tmp_path):
    path = speak_tips(["Thanks for holding.", "Say agent at any time."], tmp_path / "t.wav")
    samples = decode(path)
    rate = int(stream_info(path)["sample_rate"])
    assert 2.0 < len(samples) / rate < 15.0
    assert lufs(samples, rate) > -40


def test_demo_library_imports_every_channel(tmp_path):
    imported = import_demo_library(tmp_path, seconds=SECONDS)
    assert set(imported) == {*GENRES, "tips"}
    for channel, infos in imported.items():
        assert infos, channel
        for info in infos:
            samples = decode(tmp_path / channel / info.file_name)
            assert abs(lufs(samples) + 20.0) <= 1.0
            assert 20 <= info.duration_s <= 45
