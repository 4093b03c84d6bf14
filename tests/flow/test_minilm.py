"""MiniLM as gunicorn runs it: the master builds the model without onnxruntime, a forked
worker makes the session from those bytes, and callers' sentences get the same vectors
as when one process did everything (the reference file was made that way, before the
split)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = json.loads((Path(__file__).parent / "minilm_vectors.json").read_text())

MASTER_AND_WORKER = textwrap.dedent("""
    import json, os, sys
    from app.flow import minilm

    minilm.prepare()  # as gunicorn's master does before it forks
    pid = os.fork()
    if pid == 0:  # a worker: its own session from the master's bytes
        vectors = minilm.load()(json.loads(sys.argv[1]))
        print(json.dumps(vectors.tolist()), flush=True)
        sys.exit(0)
    _, status = os.waitpid(pid, 0)
    print(json.dumps({"master_imported_onnxruntime": "onnxruntime" in sys.modules,
                      "worker_exit": os.waitstatus_to_exitcode(status)}))
""")


def test_a_worker_session_from_the_masters_bytes_embeds_as_before():
    done = subprocess.run([sys.executable, "-c", MASTER_AND_WORKER,
                           json.dumps(REFERENCE["sentences"])],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    worker_vectors, master = (json.loads(line) for line in done.stdout.splitlines())
    assert master == {"master_imported_onnxruntime": False, "worker_exit": 0}
    np.testing.assert_allclose(np.array(worker_vectors), np.array(REFERENCE["vectors"]),
                               atol=1e-5)


def test_a_session_built_in_one_process_embeds_as_before():
    from app.flow import minilm

    vectors = minilm.session(minilm.build())(REFERENCE["sentences"])
    np.testing.assert_allclose(vectors, np.array(REFERENCE["vectors"]), atol=1e-5)


WORKERS_SHARE_THE_WEIGHTS = textwrap.dedent("""
    import json, os, sys
    from app.flow import minilm

    PAGE = os.sysconf("SC_PAGE_SIZE")

    def pages_shared(arrays):
        # /proc/self/pagemap: a 64-bit word per page; bit 63 present, bit 56 mapped by
        # this process alone (a copy of its own, or a page nobody else maps)
        shared = total = 0
        with open("/proc/self/pagemap", "rb") as pagemap:
            for array in arrays:
                first = array.ctypes.data // PAGE
                last = (array.ctypes.data + array.nbytes - 1) // PAGE
                pagemap.seek(first * 8)
                words = pagemap.read((last - first + 1) * 8)
                for i in range(0, len(words), 8):
                    word = int.from_bytes(words[i:i + 8], "little")
                    shared += bool(word >> 63 & 1) and not word >> 56 & 1
                    total += 1
        return shared, total

    built = minilm.prepare()  # as gunicorn's master does before it forks
    sentences = json.loads(sys.argv[1])
    for worker in range(2):
        pid = os.fork()
        if pid == 0:
            embedder = minilm.load()
            vectors = embedder(sentences)
            shared, total = pages_shared(built.weights.values())
            # then this worker alone changes the master's token table under its session
            table = built.weights["tok.q"]
            table.flags.writeable = True
            table //= 2
            halved = embedder(sentences)
            print(json.dumps({"shared": shared, "pages": total, "arrays": len(built.weights),
                              "weights_mb": sum(a.nbytes for a in built.weights.values()) / 2**20,
                              "session_reads_them": float(abs(halved - vectors).max())}),
                  flush=True)
            os._exit(0)
        os.waitpid(pid, 0)
""")


def test_forked_workers_run_on_the_masters_weight_pages():
    """Each worker's session reads the weights where the master put them, not a copy of
    its own: their pages stay shared with the master (a copy made by the session would
    cost each worker another 22 MB), and the session sees a change made to them."""
    done = subprocess.run([sys.executable, "-c", WORKERS_SHARE_THE_WEIGHTS,
                           json.dumps(REFERENCE["sentences"])],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    workers = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(workers) == 2
    for worker in workers:
        assert worker["weights_mb"] > 20  # the int8 matrices and token table
        # all but an array's first and last page, which may hold other heap objects
        assert worker["shared"] >= worker["pages"] - 2 * worker["arrays"]
        assert worker["session_reads_them"] > 0.01
