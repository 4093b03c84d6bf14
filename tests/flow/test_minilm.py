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
