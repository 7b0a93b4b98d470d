"""ui.jobs: long calls run on the server's worker thread, shared by identical requests, progress relayed."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from ui import jobs


def test_identical_requests_share_one_run_and_others_wait_in_line():
    calls, lock = [], threading.Lock()
    gate = threading.Event()

    def compute(progress):
        with lock:
            calls.append(threading.current_thread().name)
        progress(0.5, "half way")
        gate.wait(5)
        return {"value": 42}

    key = ("test-shared", time.monotonic())
    seen = []
    results = []

    def session():
        results.append(jobs.result(key, compute, lambda f, m: seen.append((f, m))))

    threads = [threading.Thread(target=session) for _ in range(5)]
    for t in threads:
        t.start()
    time.sleep(3 * jobs.POLL_S)
    assert jobs.running() >= 1
    gate.set()
    for t in threads:
        t.join(10)
    assert len(calls) == 1 and calls[0].startswith("patrol-job"), "one run, on the worker thread"
    assert all(r is results[0] for r in results) and results[0] == {"value": 42}
    assert (0.5, "half way") in seen, "the waiting pages got the job's progress"
    assert jobs.result(key, lambda p: {"value": 0}) is results[0], "a later request gets the kept result"


def test_a_failed_job_is_not_kept():
    key = ("test-fail", time.monotonic())
    with pytest.raises(ValueError, match="bad input"):
        jobs.result(key, lambda p: (_ for _ in ()).throw(ValueError("bad input")))
    assert jobs.result(key, lambda p: "second try") == "second try"


def test_jobs_run_with_one_numeric_thread():
    from threadpoolctl import threadpool_info

    def compute(progress):
        return [i["num_threads"] for i in threadpool_info()]

    threads = jobs.result(("test-threads", time.monotonic()), compute)
    assert threads and set(threads) == {jobs.JOB_THREADS}


def test_array_key_follows_values():
    a = np.arange(6, dtype="float32").reshape(2, 3)
    assert jobs.array_key(a) == jobs.array_key(a.copy())
    b = a.copy()
    b[0, 0] = 9
    assert jobs.array_key(a) != jobs.array_key(b) and jobs.array_key(a) != jobs.array_key(a.astype("float64"))
