"""Demo hold content: synthesised genres and spoken tips, made here and imported for real."""

from __future__ import annotations

import numpy as np
import pytest

from app.demo.hold_content import (
    DEMO_PIECES,
    DEMO_TIPS,
    GENRES,
    MANIFEST,
    PIECE_S,
    TIPS_PER_TRACK,
    demo_library,
    import_demo_library,
    speak_tips,
    synthesise_genre,
)
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


def test_each_piece_of_a_genre_is_another_tune(tmp_path):
    first, second = (decode(synthesise_genre("jazz", SECONDS, tmp_path / f"{n}.wav", n))
                     for n in (0, 1))
    assert float(_spectrum(first) @ _spectrum(second)) < 0.95  # another key and tempo
    assert DEMO_PIECES * PIECE_S >= 30 * 60 + 60  # a 30-minute wait, with room for fades


def test_demo_library_imports_every_channel(tmp_path):
    imported = import_demo_library(tmp_path, seconds=SECONDS, pieces=2, tips={
        "en": DEMO_TIPS["en"][:2 * TIPS_PER_TRACK], "ko": DEMO_TIPS["ko"][:TIPS_PER_TRACK]})
    assert set(imported) == {*GENRES, "tips:en", "tips:ko"}
    assert {i.title for i in imported["jazz"]} == {"Demo jazz 1", "Demo jazz 2"}
    assert {i.title for i in imported["tips:en"]} == {"Hold tips 1", "Hold tips 2"}
    assert {i.title for i in imported["tips:ko"]} == {"Hold tips 1 (ko)"}
    for channel, infos in imported.items():
        assert infos, channel
        for info in infos:
            samples = decode(tmp_path / info.channel / info.file_name)
            assert abs(lufs(samples) + 20.0) <= 1.0
            assert 20 <= info.duration_s <= 45


def test_demo_content_is_made_once_and_remade_when_a_file_is_gone(tmp_path, monkeypatch):
    from app.demo import hold_content as demo_content

    made = []  # counts the real synthesis runs
    real = demo_content.import_demo_library
    monkeypatch.setattr(demo_content, "import_demo_library",
                        lambda *args: made.append(1) or real(*args))
    recipe = dict(seconds=SECONDS, pieces=1, tips={"en": DEMO_TIPS["en"][:TIPS_PER_TRACK]})
    first = demo_library(tmp_path, **recipe)
    again = demo_library(tmp_path, **recipe)  # a fresh database, the same audio folder
    assert again == first and len(made) == 1 and (tmp_path / MANIFEST).is_file()
    (tmp_path / "jazz" / first["jazz"][0].file_name).unlink()
    assert demo_library(tmp_path, **recipe) == first and len(made) == 2


def test_spoken_tips_are_heard_in_the_callers_language(app, tmp_path):
    """A Korean caller on the tips channel hears the Korean tips, an English caller the
    English ones; music (no language) is for everyone."""
    from types import SimpleNamespace

    from app.hold import library, service
    from app.models import db

    app.config["AUDIO_DIR"] = str(tmp_path)

    def infos(title, channel):
        (tmp_path / "library" / channel).mkdir(parents=True, exist_ok=True)
        (tmp_path / "library" / channel / f"{title}.wav").write_bytes(b"RIFF" + title.encode())
        return [SimpleNamespace(title=title, part=1, parts=1, file_name=f"{title}.wav",
                                channel=channel, sha256=title.ljust(64, "0"), duration_s=30.0)]

    tips, jazz = library.channel_named("tips"), library.channel_named("jazz")
    library.record_segments(tips, infos("english-tips", "tips"), language="en")
    library.record_segments(tips, infos("korean-tips", "tips"), language="ko")
    library.record_segments(jazz, infos("a-tune", "jazz"))
    db.session.commit()
    keys = {tips.id: "tips", jazz.id: "jazz"}
    for language, heard in (("en-US", "english-tips"), ("ko-KR", "korean-tips")):
        segments = service.todays_segments(keys, language=language)
        assert [s.track for s in segments["tips"]] == [heard]
        assert [s.track for s in segments["jazz"]] == ["a-tune"]
