"""Embeddings for matching callers' words by meaning, offline on CPU.

Whole sentences go to all-MiniLM-L6-v2 (`minilm.py`); single words to WordLlama
l2_supercat (256 dimensions): one static vector per token of the Llama 2 tokenizer,
mean-pooled. Its weights (16 MB, float16) and
tokenizer ship inside the `wordllama` wheel; nothing is downloaded. We read those two
files directly because the package's own loader looks for the tokenizer under
`tokenizer/` (the wheel has `tokenizers/`) and then goes to the network, and importing the
package configures the root logger. The pooling is the package's: a plain mean.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from tokenizers import Tokenizer

log = logging.getLogger(__name__)
MODEL = "all-MiniLM-L6-v2 int8 (sentences) + wordllama l2_supercat 256 (words)"


class Embedder(Hashable, Protocol):
    """Texts in, one unit-length row per text out (a zero row for a text with no tokens).
    Hashable: the matcher caches option vectors per embedder."""

    def __call__(self, texts: Sequence[str]) -> np.ndarray: ...


class StaticEmbedder:
    """Mean of per-token vectors, normalised. Thread-safe: it only reads its arrays."""

    def __init__(self, vectors: np.ndarray, tokenizer: Tokenizer) -> None:
        self.vectors = vectors  # (vocabulary, dimensions), kept float16 to halve memory
        self.tokenizer = tokenizer

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        rows = np.zeros((len(texts), self.vectors.shape[1]), dtype=np.float32)
        for i, text in enumerate(texts):  # one by one: encode_batch starts a thread pool
            encoding = self.tokenizer.encode(text, add_special_tokens=False)
            ids = [t for t in encoding.ids if 0 <= t < len(self.vectors)]
            if ids:
                rows[i] = self.vectors[ids].mean(axis=0, dtype=np.float32)
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        return rows / np.where(norms == 0, 1.0, norms)


def wordllama_files() -> tuple[Path, Path]:
    """(weights, tokenizer) inside the installed wheel, found without importing it."""
    spec = importlib.util.find_spec("wordllama")
    if spec is None or spec.origin is None:
        raise RuntimeError("the wordllama package is not installed (pip install wordllama)")
    root = Path(spec.origin).parent
    return (root / "weights" / "l2_supercat_256.safetensors",
            root / "tokenizers" / "l2_supercat_tokenizer_config.json")


def load(weights: Path | None = None, tokenizer: Path | None = None) -> StaticEmbedder:
    """Load from local files only; a missing file is an error, never a download."""
    from safetensors import safe_open
    from tokenizers import Tokenizer

    default_weights, default_tokenizer = wordllama_files()
    weights, tokenizer = weights or default_weights, tokenizer or default_tokenizer
    for path in (weights, tokenizer):
        if not path.is_file():
            raise FileNotFoundError(f"embedding model file missing: {path}")
    with safe_open(str(weights), framework="np", device="cpu") as f:
        vectors = np.ascontiguousarray(f.get_tensor("embedding.weight"))
    return StaticEmbedder(vectors, Tokenizer.from_file(str(tokenizer)))


class SentencesAndWords:
    """The embedder the matcher is given: whole sentences by one model (MiniLM, which
    ranks the right option first more often), single words by another (`words`:
    WordLlama, whose static token vectors suit words and cost microseconds)."""

    def __init__(self, sentences: Embedder, words: Embedder) -> None:
        self.sentences, self.words = sentences, words

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        return self.sentences(texts)


def load_both() -> SentencesAndWords:
    """MiniLM for sentences when its wheel is installed (make installs it); without it,
    WordLlama does both, less well, and a warning says how to install it."""
    from . import minilm

    words = word_vectors()
    try:
        return SentencesAndWords(minilm.load(), words)
    except (RuntimeError, OSError, ImportError) as exc:
        log.warning("sentence model unavailable, matching with word vectors only: %s", exc)
        return SentencesAndWords(words, words)


_shared: SentencesAndWords | None = None
_words: StaticEmbedder | None = None
_lock = threading.RLock()  # shared() loads the word vectors under it too


def prepare_before_fork() -> None:
    """In gunicorn's master: WordLlama's vectors and MiniLM's built model (bytes, weight
    arrays and tokenizer), whose pages every worker then shares. Never an onnxruntime
    session: its state must not cross a fork (a worker inheriting one deadlocks when it
    exits), so each worker makes its own from the shared bytes, running on the shared
    weight arrays (`shared()`)."""
    from . import minilm

    word_vectors()
    try:
        minilm.prepare()
    except (RuntimeError, OSError, ImportError):
        pass  # each worker's load_both() logs it and falls back to the word vectors


def word_vectors() -> StaticEmbedder:
    """WordLlama's vectors, loaded once per process (plain numpy arrays, safe to share
    across a fork)."""
    global _words
    if _words is None:
        with _lock:
            if _words is None:
                _words = load()
    return _words


def shared() -> SentencesAndWords:
    """The process's one embedder, loaded on first use (workers warm it at start)."""
    global _shared
    if _shared is None:
        with _lock:
            if _shared is None:
                _shared = load_both()
    return _shared
