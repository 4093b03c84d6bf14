"""Gunicorn settings read from the repository root (the Procfile and `make run` start there).

A Media Stream holds a worker thread for as long as the caller talks to one prompt, so
workers get more threads than webhooks alone would need.

The app and the speech models load once, in the master, before the workers fork: the
model's pages (about 500 MB for Korean) are then shared by every worker instead of
copied into each (bench/memory.py measures it).
"""

import gc

worker_class = "gthread"
threads = 32
preload_app = True


def when_ready(server):
    """In the master, before any worker forks: warn about menus with no speech model and
    load the models the published menus use, and the meaning layer's word vectors and
    built sentence model (no onnxruntime session: see post_worker_init).

    Then freeze the master's Python objects out of the cycle collector: a worker's first
    full collection would otherwise write to every object's header and so copy about
    60 MB of the master's pages into each worker."""
    from app.flow import embedding
    from app.speech.service import check_published

    check_published(server.app.wsgi(), wait=True)  # a loading thread would not survive fork
    embedding.prepare_before_fork()
    gc.collect()
    gc.freeze()


def post_worker_init(worker):
    """Each worker makes its own onnxruntime session from the master's model bytes (a
    session must not be made before the fork: a worker that inherits one hangs when it
    exits), so the first caller's words don't wait for it."""
    from app.flow import embedding

    embedding.shared()


def pre_fork(server, worker):
    """Right before each fork, move the master's objects out of the garbage collector's
    reach (as the gc docs advise for fork without exec): a collection in a worker would
    otherwise write to each of them, copying the page it sits on, and the collections
    of the master's own exit walk them all again (1 to 2 s on 2 busy cores)."""
    import gc

    gc.freeze()


def worker_exit(server, worker):
    """A stopping worker ends here, without Python's teardown, as multiprocessing's forked
    children do: the teardown collects and frees every object and the speech model the
    worker shares with the master, copying each shared page as it writes (5 s a worker on
    2 busy cores, now and then past gunicorn's 30 s graceful timeout). Its requests are
    done by now; the logs are flushed first. A worker that failed to boot exits as usual,
    so the master still sees its exit code."""
    import logging
    import os
    import sys

    if not worker.booted:
        return
    stopping = sys.exc_info()[1]  # gunicorn calls this in a finally: the exit in flight
    clean = stopping is None or (isinstance(stopping, SystemExit) and not stopping.code)
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0 if clean else 1)


def post_fork(server, worker):
    """A worker must not reuse the master's database connections: drop them (without
    closing them under the master) so each worker opens its own."""
    from app.models import db

    with server.app.wsgi().app_context():
        db.engine.dispose(close=False)
