"""Hold-audio import on real files that ffmpeg encodes here, with known structure."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest

from app.hold import audio as audio_module
from app.hold.audio import AudioImportError, SegmentInfo, import_audio
from tests.hold.media import band_power_db, decode, lufs, make_source, snapshot, stream_info

TARGET = -20.0
GAPS = ((30.0, 31.5), (65.0, 66.5))  # silent gaps in the tone, seconds
SILENCE = "".join(f"*not(between(t,{a},{b}))" for a, b in GAPS)
TONE_WITH_GAPS = f"0.5*sin(2*PI*440*t){SILENCE}"


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("sources")


@pytest.fixture(scope="module")
def filled_library(sources, tmp_path_factory) -> Path:
    library = tmp_path_factory.mktemp("filled") / "library"
    import_audio(make_source(sources / "keep.ogg", TONE_WITH_GAPS, 25), "music", library)
    return library


@pytest.fixture
def library(filled_library, tmp_path) -> Path:
    """A library that already holds one import."""
    return Path(shutil.copytree(filled_library, tmp_path / "library"))


def _segment_files(library: Path, infos: list[SegmentInfo]) -> list[Path]:
    return [library / info.channel / info.file_name for info in infos]


def _assert_telephony_file(path: Path) -> np.ndarray:
    info = stream_info(path)
    assert (info["codec_name"], int(info["sample_rate"]), info["channels"]) == ("pcm_mulaw",
                                                                                8000, 1)
    return decode(path)


@pytest.mark.parametrize("suffix, rate, channels", [
    ("mp3", 44100, 1), ("ogg", 48000, 2), ("flac", 22050, 1), ("wav", 44100, 2)])
def test_every_format_becomes_8k_mono_mulaw_at_target(sources, tmp_path, suffix, rate, channels):
    source = make_source(sources / f"tone.{suffix}", TONE_WITH_GAPS, 50, rate=rate,
                         channels=channels)
    infos = import_audio(source, "music", tmp_path)
    assert len(infos) == 2  # one cut, in the gap at 30 s
    for info, path in zip(infos, _segment_files(tmp_path, infos), strict=True):
        samples = _assert_telephony_file(path)
        assert abs(lufs(samples) - TARGET) <= 1.0
        assert np.max(np.abs(samples)) < 1.0
        assert abs(info.loudness_lufs - TARGET) <= 0.5
        master = tmp_path / "music" / info.master_name
        assert stream_info(master)["codec_name"] == "pcm_s16le"


def test_cuts_land_in_the_quiet_gaps_and_segments_keep_their_bounds(sources, tmp_path):
    source = make_source(sources / "gaps.wav", TONE_WITH_GAPS, 100, channels=2)
    infos = import_audio(source, "music", tmp_path, min_segment_s=20, max_segment_s=45)
    durations = [info.duration_s for info in infos]
    assert all(20 <= d <= 45 for d in durations)
    assert sum(durations) == pytest.approx(100, abs=0.01)
    cuts = np.cumsum(durations)[:-1]
    assert len(cuts) == len(GAPS)
    for cut, (start, end) in zip(cuts, GAPS, strict=True):
        assert start < cut < end


def test_segment_info_describes_the_file(sources, tmp_path):
    source = make_source(sources / "My_Song-take2.flac", TONE_WITH_GAPS, 50)
    infos = import_audio(source, "jazz", tmp_path)
    for part, (info, path) in enumerate(zip(infos, _segment_files(tmp_path, infos),
                                            strict=True), start=1):
        assert info.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
        assert info.file_name == info.sha256[:32] + ".wav"
        assert info.source_sha256 == hashlib.sha256(source.read_bytes()).hexdigest()
        assert (info.channel, info.source_name, info.title) == ("jazz", source.name,
                                                                "My Song take2")
        assert (info.part, info.parts) == (part, len(infos))
        assert info.peak_dbtp <= -1.0


@pytest.mark.parametrize("name, expr", [
    ("loud-square", "0.99*sgn(sin(2*PI*220*t))"),
    ("quiet-tone", "0.003*sin(2*PI*440*t)"),
    # A quiet bed with full-scale clicks: the gain to reach the target must be limited.
    ("quiet-with-clicks", "0.003*sin(2*PI*440*t)+0.95*lt(mod(t,0.5),0.001)"),
])
def test_loud_and_quiet_inputs_reach_target_without_clipping(sources, tmp_path, name, expr):
    source = make_source(sources / f"{name}.flac", expr, 25)
    (info,) = import_audio(source, "music", tmp_path)
    samples = _assert_telephony_file(tmp_path / "music" / info.file_name)
    assert abs(lufs(samples) - TARGET) <= 1.0
    assert 20 * np.log10(np.max(np.abs(samples))) < -0.5
    master = decode(tmp_path / "music" / info.master_name)
    assert 20 * np.log10(np.max(np.abs(master))) <= -1.0


def test_resampling_filters_what_8k_cannot_carry(sources, tmp_path):
    # A loud 6 kHz tone would fold down to 2 kHz without an anti-alias filter.
    source = make_source(sources / "alias.wav", "0.1*sin(2*PI*440*t)+0.5*sin(2*PI*6000*t)", 25)
    (info,) = import_audio(source, "music", tmp_path)
    samples = decode(tmp_path / "music" / info.master_name)
    alias = band_power_db(samples, 2000) - band_power_db(samples, 440)
    assert alias < -60  # the input had the 6 kHz tone 14 dB above the 440 Hz one


def _garbage(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _corrupt_flac(sources: Path) -> Path:
    good = make_source(sources / "good.flac", "0.5*sin(2*PI*440*t)", 25).read_bytes()
    return _garbage(sources / "corrupt.flac", b"\0" * 4096 + good[4096:])


@pytest.mark.parametrize("make, kwargs, message", [
    (lambda s: _garbage(s / "notes.mp3", b"call list for monday\n" * 200), {}, "not an audio"),
    (lambda s: _garbage(s / "noise.mp3", np.random.default_rng(1).bytes(50_000)), {},
     "corrupt"),
    (_corrupt_flac, {}, "audio"),
    (lambda s: make_source(s / "big.wav", "0.5*sin(2*PI*440*t)", 25), {"max_bytes": 100_000},
     "too large"),
    (lambda s: make_source(s / "long.flac", "0.5*sin(2*PI*440*t)", 25),
     {"max_duration_s": 10}, "too long"),
    (lambda s: make_source(s / "short.mp3", "0.5*sin(2*PI*440*t)", 5), {}, "too short"),
    (lambda s: make_source(s / "silent.flac", "0", 25), {}, "silent"),
])
def test_bad_input_is_rejected_and_the_library_untouched(sources, library, make, kwargs,
                                                         message):
    before = snapshot(library)
    with pytest.raises(AudioImportError, match=message):
        import_audio(make(sources), "music", library, **kwargs)
    assert snapshot(library) == before


def test_a_failed_import_leaves_a_new_library_nonexistent(sources, tmp_path):
    with pytest.raises(AudioImportError):
        import_audio(_garbage(sources / "x.wav", b"RIFF nonsense"), "music", tmp_path / "lib")
    assert snapshot(tmp_path / "lib") is None


def test_an_encoding_failure_writes_nothing(sources, tmp_path, monkeypatch):
    def broken_encoder(jobs: list[tuple[Path, Path]]) -> None:
        raise AudioImportError("encoding failed (disk full)")

    monkeypatch.setattr(audio_module, "encode_mulaw", broken_encoder)
    source = make_source(sources / "two.flac", TONE_WITH_GAPS, 50)
    with pytest.raises(AudioImportError, match="disk full"):
        import_audio(source, "music", tmp_path / "lib")
    assert snapshot(tmp_path / "lib") is None


def test_a_failure_while_moving_files_in_rolls_back(sources, tmp_path, monkeypatch):
    source = make_source(sources / "two.flac", TONE_WITH_GAPS, 50)
    library = tmp_path / "lib"
    import_audio(make_source(sources / "keep.flac", TONE_WITH_GAPS, 25), "music", library)
    before = snapshot(library)
    real_copy, copies = shutil.copyfile, []

    def copy_until_disk_full(src, dst):
        copies.append(dst)
        if len(copies) == 3:  # after one segment and its master are in place
            raise OSError(28, "No space left on device")
        return real_copy(src, dst)

    monkeypatch.setattr(audio_module.shutil, "copyfile", copy_until_disk_full)
    with pytest.raises(AudioImportError, match="No space left"):
        import_audio(source, "music", library)
    assert snapshot(library) == before


@pytest.mark.parametrize("channel", ["../escape", "Music", "a/b", "", ".hidden", "x" * 31])
def test_channel_must_be_a_plain_name(sources, tmp_path, channel):
    source = make_source(sources / "any.flac", "0.5*sin(2*PI*440*t)", 25)
    with pytest.raises(AudioImportError, match="channel"):
        import_audio(source, channel, tmp_path)
    assert snapshot(tmp_path) == {}


def test_importing_twice_keeps_one_copy_and_reports_progress(sources, tmp_path):
    source = make_source(sources / "again.flac", TONE_WITH_GAPS, 50)
    seen: list[tuple[int, int]] = []
    first = import_audio(source, "music", tmp_path, progress=lambda d, t: seen.append((d, t)))
    second = import_audio(source, "music", tmp_path)
    assert [i.file_name for i in first] == [i.file_name for i in second]
    assert len(list((tmp_path / "music").glob("*.wav"))) == len(first)
    assert seen[-1] == (100, 100)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
