"""Model registry: discovery, language guessing, conf parsing, one load per process."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from app.speech import registry
from app.speech.registry import LoadedModel, ModelError, ModelRegistry, language_from_name


def fake_model(root: Path, name: str, mfcc: str = "", grammar: bool = True) -> Path:
    """A dir shaped like a Vosk model (no real weights: only discovery is tested)."""
    path = root / name
    (path / "am").mkdir(parents=True)
    (path / "am" / "final.mdl").write_bytes(b"")
    (path / "conf").mkdir()
    (path / "conf" / "mfcc.conf").write_text(mfcc)
    (path / "graph").mkdir()
    if grammar:
        (path / "graph" / "HCLr.fst").write_bytes(b"")
        (path / "graph" / "Gr.fst").write_bytes(b"")
    return path


@pytest.mark.parametrize(
    ("name", "language"),
    [
        ("vosk-model-small-en-us-0.15", "en-US"),
        ("vosk-model-en-us-0.22-lgraph", "en-US"),
        ("vosk-model-small-en-in-0.4", "en-IN"),
        ("vosk-model-small-ko-0.22", "ko"),
        ("vosk-model-small-cn-0.22", "zh"),
        ("vosk-model-fr-0.22", "fr"),
        ("telephony-custom", "und"),
    ],
)
def test_language_from_dir_name(name: str, language: str) -> None:
    assert language_from_name(name) == language


def test_discovery_reads_rate_grammar_and_metadata(tmp_path: Path) -> None:
    fake_model(tmp_path, "vosk-model-small-en-us-0.15", "--use-energy=false\n", grammar=True)
    fake_model(tmp_path, "vosk-model-en-us-0.22", "--allow-upsample=true\n", grammar=False)
    custom = fake_model(tmp_path, "telephony", "--sample-frequency=8000\n")
    (custom / "holdline.json").write_text(json.dumps({"language": "es-MX"}))
    (tmp_path / "not-a-model").mkdir()
    found = {m.name: m for m in ModelRegistry(tmp_path, include_package=False).list_installed()}
    assert set(found) == {"vosk-model-small-en-us-0.15", "vosk-model-en-us-0.22", "telephony"}
    small, big, tel = (
        found[n] for n in ("vosk-model-small-en-us-0.15", "vosk-model-en-us-0.22", "telephony")
    )
    assert (small.sample_rate, small.supports_grammar, small.language) == (16000, True, "en-US")
    assert (big.sample_rate, big.supports_grammar) == (8000, False)
    assert (tel.sample_rate, tel.language) == (8000, "es-MX")


def test_find_prefers_exact_tag_then_primary_language(tmp_path: Path) -> None:
    fake_model(tmp_path, "vosk-model-small-en-in-0.4")
    fake_model(tmp_path, "vosk-model-small-en-us-0.15")
    reg = ModelRegistry(tmp_path, include_package=False)
    assert reg.find("en-US").name == "vosk-model-small-en-us-0.15"
    assert reg.find("en_in").name == "vosk-model-small-en-in-0.4"
    assert reg.find("en").language.startswith("en")
    with pytest.raises(ModelError, match="de-DE"):
        reg.find("de-DE")


def test_packaged_korean_model_is_listed_without_loading() -> None:
    reg = ModelRegistry("/nonexistent")
    (info,) = reg.list_installed()
    assert (info.language, info.sample_rate, info.supports_grammar) == ("ko-KR", 8000, True)
    assert info.source == "package"
    assert reg.loaded() == []


def test_get_loads_once_even_when_threads_race(tmp_path: Path, monkeypatch) -> None:
    fake_model(tmp_path, "vosk-model-small-en-us-0.15")
    loads: list[str] = []

    def slow_load(info: registry.ModelInfo) -> LoadedModel:
        loads.append(info.name)
        time.sleep(0.05)
        return LoadedModel(info, object(), "[unk]", 0.05)

    monkeypatch.setattr(registry, "load", slow_load)
    reg = ModelRegistry(tmp_path, include_package=False)
    got: list[LoadedModel] = []
    threads = [threading.Thread(target=lambda: got.append(reg.get("en-US"))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert loads == ["vosk-model-small-en-us-0.15"]
    assert len({id(m) for m in got}) == 1


def test_a_broken_model_dir_is_a_model_error_not_an_exit(tmp_path: Path) -> None:
    fake_model(tmp_path, "vosk-model-small-en-us-0.15")
    with pytest.raises(ModelError, match="cannot load"):
        ModelRegistry(tmp_path, include_package=False).get("en-US")


def test_real_korean_model_facts(ko_model: LoadedModel) -> None:
    assert ko_model.unk_token == "<UNK>"
    assert ko_model.knows("상담원") and not ko_model.knows("[unk]")
    assert ko_model.info.sample_rate == 8000
    print(f"korean model load: {ko_model.load_seconds:.2f} s")
