"""Recognizer pool: bounded, non-blocking, thread-safe."""

from __future__ import annotations

import threading

from app.speech.capacity import RecognizerPool


def test_try_acquire_refuses_above_capacity_and_release_frees() -> None:
    pool = RecognizerPool(2)
    a, b = pool.try_acquire(), pool.try_acquire()
    assert a is not None and b is not None and a != b
    assert pool.try_acquire() is None and pool.refused == 1
    pool.release(a)
    pool.release(a)  # twice is harmless
    pool.release(None)
    assert pool.in_use == 1
    assert pool.try_acquire() is not None


def test_context_manager_gives_none_when_full_and_always_releases() -> None:
    pool = RecognizerPool(1)
    with pool.slot() as token:
        assert token is not None
        with pool.slot() as other:
            assert other is None
    assert pool.in_use == 0
    try:
        with pool.slot():
            raise RuntimeError("call dropped")
    except RuntimeError:
        pass
    assert pool.in_use == 0


def test_foreign_tokens_do_not_free_slots() -> None:
    mine, theirs = RecognizerPool(1), RecognizerPool(1)
    held = mine.try_acquire()
    theirs.release(theirs.try_acquire())
    theirs.release(held)
    assert mine.in_use == 1


def test_many_threads_never_exceed_capacity() -> None:
    pool = RecognizerPool(3)
    peak, lock, granted = [0], threading.Lock(), [0]
    barrier = threading.Barrier(16)

    def worker() -> None:
        barrier.wait()
        for _ in range(200):
            with pool.slot() as token:
                if token is None:
                    continue
                with lock:
                    granted[0] += 1
                    peak[0] = max(peak[0], pool.in_use)

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert 0 < peak[0] <= 3 and granted[0] > 0 and pool.in_use == 0
